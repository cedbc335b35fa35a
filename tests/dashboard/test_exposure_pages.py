"""The exposure page, its CSV and chart, and the printable monthly report, in both languages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from dashboard.exposure import build_exposure_chart, exposure_rows
from probes.models import Drill, Feature, StatusChange
from probes.stack.exposure import exposure_windows
from tests.dashboard.test_french_pages import english_words
from tests.factories import make_incident, make_provider

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FRENCH = "fr-FR,fr;q=0.9"


@pytest.fixture
def stack():
    with time_machine.travel(NOW, tick=False):
        azure = make_provider("azure", name="Microsoft Azure")
        openai = make_provider("openai", name="OpenAI")
        openai.upstreams.add(azure)
        Feature.objects.create(
            slug="support-bot",
            name="Support bot",
            criticality="critical",
            owner="Dana",
            depends_on=[{"provider": "openai"}],
            plan_b="Switch the bot to **Claude**.",
        )
        start = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
        for provider, minutes, status in (
            (openai, 0, "major_outage"),
            (azure, 30, "partial_outage"),
        ):
            StatusChange.objects.create(
                provider=provider,
                at=start + timedelta(minutes=minutes),
                old_status="operational",
                new_status=status,
            )
            StatusChange.objects.create(
                provider=provider,
                at=start + timedelta(minutes=minutes + 90),
                old_status=status,
                new_status="operational",
            )
        make_incident(
            openai, "Elevated errors", started_at=start, resolved_at=start + timedelta(minutes=90)
        )
        Drill.objects.create(
            title="Replay of 26 December 2024",
            started_at=start + timedelta(days=3),
            first_ack_at=start + timedelta(days=3, minutes=4),
            affected=[{"slug": "support-bot", "name": "Support bot"}],
        )
        yield


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_chart_is_built_from_the_rows(stack, frozen):
    rows = exposure_rows(exposure_windows(now=NOW), {"openai": "OpenAI"}, days=30)
    figure = build_exposure_chart(rows, days=30)
    affected, down = figure["data"]
    assert affected["y"] == ["Support bot"]
    assert affected["x"] == [90]
    assert down["x"] == [90]
    assert figure["layout"]["barmode"] == "group"


def test_the_exposure_page_shows_minutes_by_provider_and_cloud(client, stack, frozen):
    response = client.get(reverse("dashboard:stack-exposure") + "?days=30")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Support bot" in html
    assert "1 h 30 min" in html
    assert "Microsoft Azure (cloud under them)" in html
    assert 'aria-current="page">Last 30 days' in html
    assert 'id="exposure-chart-data"' in html


def test_an_unknown_window_falls_back_to_90_days(client, stack, frozen):
    html = client.get(reverse("dashboard:stack-exposure") + "?days=7").content.decode()
    assert 'aria-current="page">Last 90 days' in html


def test_the_csv_has_every_window_and_cause(client, stack, frozen):
    response = client.get(reverse("dashboard:stack-exposure-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    mine = {(r["window_days"], r["cause_kind"], r["cause"]): r for r in rows}
    assert mine[("30", "all", "")]["affected_minutes"] == "90"
    assert mine[("30", "provider", "openai")]["down_minutes"] == "90"
    assert mine[("365", "upstream", "azure")]["affected_minutes"] == "60"
    assert {r["window_days"] for r in rows} == {"30", "90", "365"}


def test_the_monthly_report_names_minutes_incidents_drills_and_plan_b(client, stack, frozen):
    response = client.get(reverse("dashboard:stack-report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "November 2026" in html
    assert "Elevated errors" in html
    assert "Replay of 26 December 2024" in html
    assert "<strong>Claude</strong>" in html
    assert "css/report.css" in html
    assert "data-print" in html


def test_a_month_in_the_future_or_garbled_is_refused(client, stack, frozen):
    for value in ("2027-01", "november", "2026-13"):
        response = client.get(reverse("dashboard:stack-report") + f"?month={value}")
        assert response.status_code == 400, value
        assert "Choose a month like 2026-11" in response.content.decode()


def test_the_pages_are_french(client, stack, frozen):
    for url in (
        reverse("dashboard:stack-exposure"),
        reverse("dashboard:stack-report") + "?month=2026-11",
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=FRENCH)
        html = response.content.decode()
        assert '<html lang="fr">' in html
        for written in (
            "Support bot",
            "Microsoft Azure",
            "OpenAI",
            "Elevated errors",
            "Replay of 26 December 2024",
            "Dana",
        ):
            html = html.replace(written, "")
        assert english_words(html) == [], url
