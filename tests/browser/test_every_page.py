"""Every page in both colour schemes: no console error, no CSP violation, and a full-page
screenshot for a person to look at (var/screenshots/ unless AIWATCH_SCREENSHOTS says)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_component, make_incident, make_provider, make_read_source

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_renders_cleanly_and_is_photographed(
    live_server: Any, browser: Any, scheme: str
) -> None:
    now = timezone.now()
    calm = make_provider("anthropic", name="Anthropic")
    make_read_source(calm, at=now)
    make_component(calm, "API")
    broken = make_provider("openai", name="OpenAI", status="major_outage")
    make_read_source(broken, at=now)
    make_component(broken, "API", status="major_outage")
    incident = make_incident(
        broken, "Elevated errors", started_at=now, updates=[("investigating", "Looking.", now)]
    )
    pages = {
        "overview": "/",
        "provider": "/providers/openai/",
        "incident": f"/incidents/{incident.pk}/",
        "incidents": "/incidents/",
        "history": "/history/",
        "api": "/api/",
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(timezone_id="UTC", color_scheme=scheme)
    context.add_cookies([{"name": "tz", "value": "UTC", "url": live_server.url}])
    problems: list[str] = []
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            problems.append(f"{page.url}: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    try:
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}", wait_until="networkidle")
            assert response is not None, path
            assert response.status == 200, path
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{scheme}.png"), full_page=True)
    finally:
        context.close()
    assert problems == []
