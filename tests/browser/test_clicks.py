"""What a person clicks: "I'm affected", the incidents filter, and the language switcher."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PageProblems
from tests.browser.scene import make_scene
from tests.dashboard.test_french_pages import english_words
from tests.factories import make_incident, make_provider, make_read_source

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_im_affected_counts_a_report_and_says_thanks(
    live_server: Any, page: Any, page_problems: PageProblems
) -> None:
    make_read_source(make_provider("example", name="Example AI"), at=timezone.now())
    page.goto(f"{live_server.url}/providers/example/")
    expect(page.locator("#team-reports")).to_contain_text("0 reports in the last 24 hours")

    page.fill("#report-note", "chat completions time out")
    page.click("#team-reports button[type=submit]")

    expect(page.locator(".messages")).to_contain_text(
        "Thanks: your report about Example AI is counted."
    )
    expect(page.locator("#team-reports")).to_contain_text("1 report in the last 24 hours")
    assert page.url.endswith("/providers/example/#team-reports")
    assert page_problems.messages == []


def test_the_incidents_filter_narrows_the_list(
    live_server: Any, page: Any, page_problems: PageProblems
) -> None:
    now = timezone.now()
    example = make_provider("example", name="Example AI")
    other = make_provider("other", name="Other AI")
    make_incident(example, "Chat is slow", started_at=now, impact="minor")
    make_incident(other, "Login fails", started_at=now, impact="major")
    make_incident(other, "Chat answers late", started_at=now, impact="minor")
    page.goto(f"{live_server.url}/incidents/")
    rows = page.locator(".incident-table tbody tr")
    expect(rows).to_have_count(3)

    page.fill("input[name=q]", "chat")
    page.click(".filters button[type=submit]")
    expect(rows).to_have_count(2)

    page.select_option("select[name=provider]", "other")
    page.click(".filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Chat answers late")
    expect(page.locator("input[name=q]")).to_have_value("chat")

    page.click(".filters a")
    expect(rows).to_have_count(3)
    assert page_problems.messages == []


def test_switching_to_french_makes_every_page_french(
    live_server: Any, page: Any, page_problems: PageProblems
) -> None:
    pages = make_scene()
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert len(english_words(page.content())) > 5

    with page.expect_navigation():
        page.select_option("#lang-select", "fr")
    assert page.evaluate("document.documentElement.lang") == "fr"

    for path in pages.values():
        page.goto(f"{live_server.url}{path}", wait_until="networkidle")
        assert page.evaluate("document.documentElement.lang") == "fr", path
        # The page as the browser shows it, scripts' words and drawn charts included.
        assert english_words(page.content()) == [], path
    assert page_problems.messages == []


def test_a_cell_of_a_years_timeline_opens_its_incidents(
    live_server: Any, page: Any, page_problems: PageProblems
) -> None:
    from dashboard.history_page import TIMELINE_BAR_LIMIT
    from tests.dashboard.test_history_pages import make_history

    # More incidents than bars are drawn for: a year in weekly cells, one row per provider.
    make_history(TIMELINE_BAR_LIMIT + 60)
    page.goto(f"{live_server.url}/history/?since=2025-01-01&until=2025-12-31")
    page.wait_for_function(
        "() => { const chart = document.getElementById('outage-timeline');"
        " return chart && chart._fullLayout && chart.data && chart.data[0].type === 'heatmap'; }"
    )
    # The middle of Provider 1's third cell, where Plotly itself puts it on screen.
    where = page.evaluate(
        """() => {
          const chart = document.getElementById('outage-timeline');
          const layout = chart._fullLayout, cells = chart.data[0];
          const rows = cells.y.map((name, n) => n).filter((n) => cells.y[n] === 'Provider 1');
          const index = rows[2];
          const x = layout.xaxis.l2p(layout.xaxis.d2l(cells.x[index])) + layout.xaxis._offset;
          const y = layout.yaxis.l2p(layout.yaxis.d2l(cells.y[index])) + layout.yaxis._offset;
          const box = chart.getBoundingClientRect();
          return {x: box.left + x, y: box.top + y, day: cells.x[index], name: cells.y[index]};
        }"""
    )
    assert where["name"] == "Provider 1"
    page.mouse.click(where["x"], where["y"])
    page.wait_for_url("**/incidents/?*")
    first = date.fromisoformat(where["day"])
    assert page.url.endswith(
        f"/incidents/?provider=p1&since={first.isoformat()}"
        f"&until={(first + timedelta(days=6)).isoformat()}"
    )
    rows = page.locator(".incident-table tbody tr")
    expect(rows.first).to_be_visible()
    for text in rows.all_inner_texts():
        assert "Provider 1" in text
    assert page_problems.messages == []
