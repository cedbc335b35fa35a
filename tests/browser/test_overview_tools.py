"""The overview narrows in place and remembers how: search, kind, state, list or grid."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PageProblems
from tests.factories import make_provider, make_read_source

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_search_and_filters_narrow_the_overview_and_are_remembered(
    live_server: Any, page: Any, page_problems: PageProblems
) -> None:
    make_read_source(
        at=timezone.now(),
        provider=make_provider("anthropic", name="Anthropic", category="model_api"),
    )
    make_read_source(
        at=timezone.now(), provider=make_provider("midjourney", name="Midjourney", category="image")
    )
    make_read_source(
        at=timezone.now(),
        provider=make_provider(
            "openai", name="OpenAI", category="model_api", status="major_outage"
        ),
    )
    page.goto(f"{live_server.url}/")

    page.fill("input[data-filter=q]", "journ")
    expect(page.locator("#provider-midjourney")).to_be_visible()
    expect(page.locator("#provider-anthropic")).to_be_hidden()

    page.fill("input[data-filter=q]", "")
    page.select_option("select[data-filter=kind]", "model_api")
    page.select_option("select[data-filter=state]", "attention")
    expect(page.locator("#provider-openai")).to_be_visible()
    expect(page.locator("#provider-anthropic")).to_be_hidden()
    expect(page.locator("#provider-midjourney")).to_be_hidden()
    page.check("input[data-filter=layout][value=list]")

    page.reload()
    # Auto-waiting checks: the script re-applies the remembered choices once it has run,
    # which on a loaded machine may be a moment after the load event.
    expect(page.locator("select[data-filter=state]")).to_have_value("attention")
    expect(page.locator("#provider-anthropic")).to_be_hidden()
    assert page.evaluate("document.documentElement.dataset.overviewLayout") == "list"

    page.select_option("select[data-filter=state]", "unknown")
    expect(page.locator("[data-filter-none]")).to_be_visible()
    page.click("[data-filter-none] button")
    expect(page.locator("#provider-anthropic")).to_be_visible()
    assert page_problems.messages == []
