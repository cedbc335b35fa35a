"""The overview narrows in place and remembers how: search, kind, state, list or grid."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

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
    assert page.locator("#provider-midjourney").is_visible()
    assert not page.locator("#provider-anthropic").is_visible()

    page.fill("input[data-filter=q]", "")
    page.select_option("select[data-filter=kind]", "model_api")
    page.select_option("select[data-filter=state]", "attention")
    assert page.locator("#provider-openai").is_visible()
    assert not page.locator("#provider-anthropic").is_visible()
    assert not page.locator("#provider-midjourney").is_visible()
    page.check("input[data-filter=layout][value=list]")

    page.reload()
    assert page.locator("select[data-filter=state]").input_value() == "attention"
    assert not page.locator("#provider-anthropic").is_visible()
    assert page.evaluate("document.documentElement.dataset.overviewLayout") == "list"

    page.select_option("select[data-filter=state]", "unknown")
    assert page.locator("[data-filter-none]").is_visible()
    page.click("[data-filter-none] button")
    assert page.locator("#provider-anthropic").is_visible()
    assert page_problems.messages == []
