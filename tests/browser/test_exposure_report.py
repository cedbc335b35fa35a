"""The exposure page and the monthly report in a real browser, in English and French, and the
report as it prints: no navigation, the features laid out for paper. Screenshots go to
var/screenshots/ for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from probes.models import Drill, Feature, IncidentUpdate, ObservedTransition, StatusChange
from probes.stack.exposure import previous_month
from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_incident, make_probe, make_provider

pytestmark = [pytest.mark.django_db(transaction=True)]


def _stack() -> str:
    now = timezone.now()
    month = previous_month(now)
    azure = make_provider("azure", name="Microsoft Azure", category="infrastructure")
    openai = make_provider("openai", name="OpenAI")
    anthropic = make_provider("anthropic", name="Anthropic")
    openai.upstreams.add(azure)
    Feature.objects.create(
        slug="support-bot",
        name="Support bot",
        criticality="critical",
        owner="Dana",
        depends_on=[{"provider": "openai"}],
        fallbacks=[{"provider": "anthropic", "label": "Claude"}],
        plan_b="1. Switch the bot to **Claude**.\n2. Tell #support.",
    )
    Feature.objects.create(
        slug="code-review", name="Code review", depends_on=[{"provider": "anthropic"}]
    )
    start = now.replace(year=month.year, month=month.month, day=10, hour=8, minute=0)
    for provider, offset, length, status in (
        (openai, 0, 95, "major_outage"),
        (azure, 30, 200, "partial_outage"),
        (anthropic, 2000, 40, "degraded_performance"),
    ):
        begin = start + timedelta(minutes=offset)
        StatusChange.objects.create(
            provider=provider, at=begin, old_status="operational", new_status=status
        )
        StatusChange.objects.create(
            provider=provider,
            at=begin + timedelta(minutes=length),
            old_status=status,
            new_status="operational",
        )
    incident = make_incident(
        openai, "Elevated errors", started_at=start, resolved_at=start + timedelta(minutes=95)
    )
    # Our probes saw it 6 minutes before the first post, and working again 20 minutes before
    # "resolved"; a week later an outage nobody posted.
    make_probe(openai, url="http://127.0.0.1:9/v1/models")
    IncidentUpdate.objects.create(
        incident=incident, key="u1", status="investigating", at=start + timedelta(minutes=6)
    )
    for at, old, new in (
        (start - timedelta(days=1), "unknown", "operational"),
        (start, "operational", "major_outage"),
        (start + timedelta(minutes=75), "major_outage", "operational"),
        (start + timedelta(days=7), "operational", "major_outage"),
        (start + timedelta(days=7, minutes=15), "major_outage", "operational"),
    ):
        ObservedTransition.objects.create(provider=openai, old_status=old, new_status=new, at=at)
    Drill.objects.create(
        title="Replay of 26 December 2024",
        started_at=start + timedelta(days=3),
        first_ack_at=start + timedelta(days=3, minutes=4),
        plan_b_at=start + timedelta(days=3, minutes=11),
        affected=[{"slug": "support-bot", "name": "Support bot"}],
    )
    return month.strftime("%Y-%m")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_exposure_report_and_scorecard_render_and_the_report_prints(
    live_server: Any, browser: Any, language: str
) -> None:
    month = _stack()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(timezone_id="UTC", locale=language)
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
        response = page.goto(
            f"{live_server.url}/stack/exposure/?days=365", wait_until="networkidle"
        )
        assert response is not None
        assert response.status == 200
        page.locator("#exposure-chart.chart--drawn").wait_for()
        page.screenshot(path=str(SCREENSHOTS / f"exposure-{language}.png"), full_page=True)

        response = page.goto(f"{live_server.url}/stack/report/?month={month}")
        assert response is not None
        assert response.status == 200
        page.screenshot(path=str(SCREENSHOTS / f"report-{language}.png"), full_page=True)
        assert page.locator(".site-header").is_visible()

        response = page.goto(f"{live_server.url}/history/#accuracy")
        assert response is not None
        assert response.status == 200
        page.locator("#accuracy").screenshot(path=str(SCREENSHOTS / f"scorecard-{language}.png"))

        page.goto(f"{live_server.url}/stack/report/?month={month}")
        page.emulate_media(media="print")
        page.screenshot(path=str(SCREENSHOTS / f"report-{language}-print.png"), full_page=True)
        assert not page.locator(".site-header").is_visible()
        assert not page.locator("[data-print]").is_visible()
        assert page.locator(".report-feature").count() == 2
        page.pdf(path=str(SCREENSHOTS / f"report-{language}.pdf"), format="A4")
    finally:
        context.close()
    assert problems == []
