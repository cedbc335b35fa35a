"""Figures a reviewer can trust: uptime over watched time only, with its coverage; MTBF only
from two outages; one duration on the page, in the CSV and in the API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from probes.models import Incident, Provider, Source
from probes.parsers.types import ParsedComponent, ParsedPage, Status
from probes.status.recording import record_poll

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def page(status: Status) -> ParsedPage:
    return ParsedPage(
        platform="statuspage",
        components=(ParsedComponent(external_id="api", name="API", status=status),),
        has_component_states=True,
    )


@pytest.fixture
def new_provider() -> Provider:
    """Added ten minutes ago; its feed already holds this morning's and last month's outages."""
    provider = Provider.objects.create(slug="fresh", name="Fresh AI")
    source = Source.objects.create(provider=provider, url="https://status.fresh.test/s.json")
    for external_id, start, minutes in [
        ("today", NOW.replace(hour=8), 40),
        ("last-month", NOW - timedelta(days=30), 90),
    ]:
        Incident.objects.create(
            provider=provider,
            external_id=external_id,
            title=f"Outage {external_id}",
            impact="critical",
            status="resolved",
            started_at=start,
            resolved_at=start + timedelta(minutes=minutes),
        )
    record_poll(source, page(Status.OPERATIONAL), at=NOW - timedelta(minutes=10))
    return provider


def test_a_provider_added_ten_minutes_ago_shows_ten_watched_minutes_since_then(
    client, new_provider
):
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dashboard:provider-detail", args=["fresh"]))
    history = response.context["history"]
    overall = history.subjects[0]
    assert [day.uptime for day in overall.days[-90:-1]] == [None] * 89
    assert overall.window_90.watched == timedelta(minutes=10)
    assert overall.window_90.watched_since == NOW - timedelta(minutes=10)
    assert overall.window_90.uptime == 1.0
    # The API component row says the same.
    api_row = history.subjects[1]
    assert api_row.window_90.watched == timedelta(minutes=10)
    content = response.content.decode()
    assert "over 10 min watched, since" in content
    assert "time before we started watching are left out" in content


def test_the_uptime_api_states_its_coverage(client, new_provider):
    with time_machine.travel(NOW, tick=False):
        body = client.get(reverse("dashboard:api-provider-uptime", args=["fresh"])).json()
    assert body["uptime"] == 100.0
    assert body["watched_seconds"] == 600
    assert body["watched_since"] == "2026-12-01T11:50:00Z"
    today = body["days"][-1]
    assert [entry["duration_minutes"] for entry in today["incidents"]] == [40]


def test_mtbf_from_one_outage_is_not_enough_data(client, new_provider):
    Incident.objects.filter(external_id="last-month").delete()
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dashboard:provider-detail", args=["fresh"]))
    assert response.context["history"].figures.mtbf is None
    content = response.content.decode()
    assert "<dt>Mean time between failures</dt><dd>not enough data</dd>" in content
    with time_machine.travel(NOW, tick=False):
        history_page = client.get(reverse("dashboard:history")).content.decode()
    assert "not enough data" in history_page


def test_mtbf_from_two_outages_is_the_time_between_them(client, new_provider):
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dashboard:provider-detail", args=["fresh"]))
    # Last month's outage ended 30 days minus 90 minutes before this morning's 08:00 one.
    expected = (NOW.replace(hour=8)) - (NOW - timedelta(days=30) + timedelta(minutes=90))
    assert response.context["history"].figures.mtbf == expected


def test_an_incident_lasts_the_same_minutes_on_its_page_in_the_csv_and_in_the_api(
    client, new_provider
):
    incident = Incident.objects.get(external_id="today")
    incident.resolved_at = incident.started_at + timedelta(minutes=10, seconds=40)
    incident.save()
    with time_machine.travel(NOW, tick=False):
        detail = client.get(reverse("dashboard:incident-detail", args=[incident.pk]))
        listing = client.get(reverse("dashboard:incident-list"), {"provider": "fresh"})
        exported = client.get(reverse("dashboard:incident-csv"), {"provider": "fresh"})
        uptime = client.get(reverse("dashboard:api-provider-uptime", args=["fresh"])).json()
    assert "<dd>10 min</dd>" in detail.content.decode()
    assert ">10 min</td>" in listing.content.decode()
    rows = {
        row["external_id"]: row for row in csv.DictReader(io.StringIO(exported.content.decode()))
    }
    assert rows["today"]["duration_minutes"] == "10"
    [entry] = [e for e in uptime["days"][-1]["incidents"] if e["external_id"] == "today"]
    assert entry["duration_minutes"] == 10
