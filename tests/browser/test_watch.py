"""Stars on the overview: a watched provider's outage changes the open tab's title and icon
without a reload and, once asked for, shows a notification; "watched first" is remembered."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PageProblems
from tests.browser.test_live_updates import SUMMARY, _keep_the_real_performance, _poll
from tests.conftest import load_fixture
from tests.factories import make_provider, make_read_source, make_source
from tests.fakeserver import FakeServer

pytestmark = [pytest.mark.django_db(transaction=True)]

# Notifications the page shows, seen by wrapping the browser's own Notification (the
# permission itself is granted to the context, as a person would grant it).
RECORD_NOTIFICATIONS = """
window.__notifications = [];
if (window.Notification) {
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title: title, body: (options || {}).body || "" });
    }
  };
}
"""


def test_a_watched_providers_outage_changes_the_title_and_icon_and_notifies(
    live_server: Any,
    status_server: FakeServer,
    context: Any,
    page: Any,
    page_problems: PageProblems,
) -> None:
    watched = make_provider("example", name="Example AI", status="unknown")
    source = make_source(watched, kind="statuspage", url=status_server.url(SUMMARY))
    status_server.set(SUMMARY, load_fixture("statuspage/summary_operational.json"))
    _poll(source)
    # Someone else's trouble: in the title until a provider is watched.
    make_read_source(
        make_provider("other", name="Other AI", status="major_outage"), at=timezone.now()
    )
    context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(RECORD_NOTIFICATIONS)
    _keep_the_real_performance(page)
    page.clock.install()
    page.goto(f"{live_server.url}/")
    assert page.title() == "(1) ⚠ Overview · AI Watch"

    star = page.locator("[data-watch-star=example]")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    expect(page).to_have_title("Overview · AI Watch")
    icon = page.locator("link[rel~=icon]")
    expect(icon).to_have_attribute("href", "/static/img/favicon-operational.svg")
    notify = page.locator("[data-notify-toggle]")
    notify.click()
    expect(notify).to_have_attribute("aria-pressed", "true")
    expect(notify).to_have_text("Notifications on")
    page.evaluate("window.__stillTheSamePage = true")

    status_server.set(SUMMARY, load_fixture("statuspage/summary_major_outage.json"))
    _poll(source)
    page.clock.run_for(25_000)

    expect(page).to_have_title("(1) ⚠ Overview · AI Watch")
    expect(icon).to_have_attribute("href", "/static/img/favicon-major_outage.svg")
    # Fresh markup arrived, and the star is still pressed in it.
    expect(star).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__notifications") == [
        {"title": "AI Watch", "body": "Example AI: Major outage (was Operational)"}
    ]
    assert page.evaluate("window.__stillTheSamePage") is True
    assert page.evaluate("window.__performance.getEntriesByType('navigation').length") == 1

    # Remembered in this browser: after a reload the star and the title still say so.
    page.reload()
    expect(page.locator("[data-watch-star=example]")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("JSON.parse(localStorage.getItem('aiwatch.watched'))") == ["example"]
    assert page_problems.messages == []


def _first_calm_tile(page: Any) -> str:
    return str(page.locator(".tiles [data-provider]").first.get_attribute("data-provider"))


def test_watched_first_moves_the_watched_ones_up_and_is_remembered(
    live_server: Any, page: Any, page_problems: PageProblems
) -> None:
    for slug in ("alpha", "bravo", "charlie"):
        make_read_source(make_provider(slug, name=slug.title()), at=timezone.now())
    page.goto(f"{live_server.url}/")
    assert _first_calm_tile(page) == "alpha"

    page.click("[data-watch-star=charlie]")
    page.check("input[data-filter=watched]")
    expect(page.locator(".tiles [data-provider]").first).to_have_attribute(
        "data-provider", "charlie"
    )

    page.reload()
    expect(page.locator("input[data-filter=watched]")).to_be_checked()
    expect(page.locator(".tiles [data-provider]").first).to_have_attribute(
        "data-provider", "charlie"
    )

    page.uncheck("input[data-filter=watched]")
    expect(page.locator(".tiles [data-provider]").first).to_have_attribute("data-provider", "alpha")
    assert page_problems.messages == []
