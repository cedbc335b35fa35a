"""The provider page's models table on a phone at night: each model's state in words, readable
without the table's columns, and photographed (var/screenshots/)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from probes.models import ServedModel
from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_component, make_incident, make_provider, make_read_source

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_models_table_reads_on_a_phone_at_night(live_server: Any, browser: Any) -> None:
    now = timezone.now()
    openai = make_provider("openai", name="OpenAI", status="major_outage")
    make_read_source(openai, at=now)
    sora = make_component(openai, "Sora", status="major_outage")
    api = make_component(openai, "API", status="major_outage", external_id="api")
    incident = make_incident(
        openai, "High error rates for ChatGPT, APIs, and Sora", started_at=now, impact="critical"
    )
    incident.components.add(sora, api)
    ServedModel.objects.create(provider=openai, slug="gpt-4o", name="GPT-4o")
    ServedModel.objects.create(provider=openai, slug="sora-2", name="Sora 2", family="Sora")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        timezone_id="UTC", color_scheme="dark", viewport={"width": 390, "height": 844}
    )
    context.add_cookies([{"name": "tz", "value": "UTC", "url": live_server.url}])
    problems: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        response = page.goto(f"{live_server.url}/providers/openai/", wait_until="networkidle")
        assert response is not None
        assert response.status == 200
        table = page.locator("#models")
        table.scroll_into_view_if_needed()
        rows = table.locator("tbody tr")
        assert rows.count() == 2
        # Trouble first, with its word; the text model works.
        assert "Sora 2" in rows.nth(0).inner_text()
        assert "Major outage" in rows.nth(0).inner_text()
        assert "Operational" in rows.nth(1).inner_text()
        # On a phone the table fits the screen: no sideways scrolling of the page.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        table.screenshot(path=str(SCREENSHOTS / "provider-models-phone-dark.png"))
    finally:
        context.close()
    assert problems == []
