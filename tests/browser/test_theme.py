"""The header's theme picker: dark on a light system, remembered after a reload and on the
next page, applied before the page is drawn, and the charts follow."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PageProblems
from tests.browser.scene import CSP_LISTENER, csp_violations
from tests.factories import make_provider, make_read_source

pytestmark = [pytest.mark.django_db(transaction=True)]

# The page's background in each theme: dashboard.css's --bg.
BACKGROUND = {"light": "rgb(246, 247, 249)", "dark": "rgb(17, 22, 29)"}

# Which theme <html> carries at the moment <body> is first parsed, long before the first paint:
# an init script runs before the page's own scripts.
SCHEME_WHEN_BODY_STARTS = """
new MutationObserver(function (changes, observer) {
  if (document.body) {
    window.__schemeAtBody = document.documentElement.dataset.scheme || "none";
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""


def _background(page: Any) -> str:
    return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))


def test_dark_mode_is_chosen_remembered_and_there_before_the_first_paint(
    live_server: Any, page: Any, page_problems: PageProblems
) -> None:
    make_read_source(make_provider("example", name="Example AI"), at=timezone.now())
    page.add_init_script(SCHEME_WHEN_BODY_STARTS)
    page.add_init_script(CSP_LISTENER)
    page.emulate_media(color_scheme="light")
    page.goto(f"{live_server.url}/")
    expect(page.locator("#theme-select")).to_have_value("system")
    assert _background(page) == BACKGROUND["light"]

    page.select_option("#theme-select", "dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert _background(page) == BACKGROUND["dark"]

    page.reload()
    assert page.evaluate("window.__schemeAtBody") == "dark"
    expect(page.locator("#theme-select")).to_have_value("dark")
    assert _background(page) == BACKGROUND["dark"]

    page.goto(f"{live_server.url}/providers/example/")
    assert page.evaluate("window.__schemeAtBody") == "dark"
    assert _background(page) == BACKGROUND["dark"]

    # Back to the system's choice: a dark system then shows dark, a light one light.
    page.select_option("#theme-select", "system")
    assert page.evaluate("document.documentElement.hasAttribute('data-theme')") is False
    assert _background(page) == BACKGROUND["light"]
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_attribute("data-scheme", "dark")
    assert _background(page) == BACKGROUND["dark"]
    assert csp_violations(page) == []
    assert page_problems.messages == []


def test_charts_take_the_themes_colours_when_it_changes(
    live_server: Any, page: Any, page_problems: PageProblems
) -> None:
    make_read_source(make_provider("example", name="Example AI"), at=timezone.now())
    page.emulate_media(color_scheme="light")
    page.goto(f"{live_server.url}/providers/example/")
    chart = page.locator(".chart--drawn").first
    expect(chart).to_be_attached()
    font = "(el) => el._fullLayout.font.color"
    grid = "(el) => el._fullLayout.yaxis ? el._fullLayout.yaxis.gridcolor : null"
    assert chart.evaluate(font) == "#1c2430"

    page.select_option("#theme-select", "dark")
    page.wait_for_function(
        "() => document.querySelector('.chart--drawn')._fullLayout.font.color === '#e6e9ee'"
    )
    assert chart.evaluate(grid) in (None, "#2f3946")

    page.select_option("#theme-select", "light")
    page.wait_for_function(
        "() => document.querySelector('.chart--drawn')._fullLayout.font.color === '#1c2430'"
    )
    assert page_problems.messages == []
