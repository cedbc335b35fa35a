"""Backfill from locally served history: idempotent, merged with the archive and live data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from probes.models import Component, Incident, IncidentUpdate, UptimeDay
from probes.status.archive import load_archive, read_archive
from probes.status.backfill import Target, backfill_source, history_targets
from tests.conftest import load_fixture
from tests.factories import make_source

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

ARCHIVE = """
[[incident]]
provider = "example"
id = "abc123"
title = "Example outage in our words"
impact = "critical"
started_at = 2024-12-26T18:40:00Z
resolved_at = 2024-12-27T02:20:00Z

[[incident.timeline]]
at = 2024-12-26T18:40:00Z
status = "investigating"
body = "Down."
"""


def test_it_reads_the_incidents_list_next_to_a_summary():
    source = make_source(
        url="https://status.example.com/api/v2/summary.json?x=1", kind="statuspage"
    )
    assert history_targets(source) == [
        Target("https://status.example.com/api/v2/incidents.json", "statuspage")
    ]
    feed = make_source(url="https://status.example.com/history.atom", kind="auto")
    assert history_targets(feed) == [Target("https://status.example.com/history.atom", "")]


def test_backfilling_twice_stores_each_incident_once_with_its_updates_in_order(status_server):
    status_server.set("/api/v2/incidents.json", load_fixture("history/statuspage_incidents.json"))
    source = make_source(url=status_server.url("/api/v2/summary.json"), kind="statuspage")
    Component.objects.create(provider=source.provider, external_id="cmp0api00002", name="API")
    [first] = backfill_source(source, now=NOW)
    assert first.error == ""
    assert first.seen == 3
    assert len(first.created) == 3
    counts = (Incident.objects.count(), IncidentUpdate.objects.count())

    [second] = backfill_source(source, now=NOW)
    assert second.created == []
    assert second.updated == []
    assert second.new_updates == 0
    assert (Incident.objects.count(), IncidentUpdate.objects.count()) == counts

    incident = Incident.objects.get(external_id="hist00000003")
    assert incident.provenance == "backfill"
    assert [u.status for u in incident.updates.all()] == ["investigating", "monitoring", "resolved"]
    assert incident.started_at == datetime(2026, 11, 10, 8, tzinfo=UTC)
    assert incident.components.get().external_id == "cmp0api00002"
    # The source's poll state is not the backfill's to change.
    source.refresh_from_db()
    assert source.etag == ""
    assert source.last_polled_at is None


def test_backfill_merges_with_the_archive_and_keeps_its_curated_text(status_server):
    status_server.set("/api/v2/incidents.json", load_fixture("history/statuspage_incidents.json"))
    source = make_source(url=status_server.url("/api/v2/summary.json"), kind="statuspage")
    load_archive(read_archive(ARCHIVE), now=NOW)
    backfill_source(source, now=NOW)
    backfill_source(source, now=NOW)
    archived = Incident.objects.get(provider__slug="example", external_id="abc123")
    assert Incident.objects.filter(external_id="abc123").count() == 1
    assert archived.provenance == "archive"
    assert archived.title == "Example outage in our words"
    assert archived.started_at == datetime(2024, 12, 26, 18, 40, tzinfo=UTC)
    # The archive's own timeline entry and the provider's two updates, oldest first.
    assert [u.body for u in archived.updates.all()] == [
        "Down.",
        "Most requests are failing.",
        "Everything has recovered.",
    ]


def test_an_incident_io_list_backfills_the_same_way(status_server):
    status_server.set("/api/v2/incidents.json", load_fixture("history/incidentio_incidents.json"))
    source = make_source(url=status_server.url("/api/v2/summary.json"), kind="incidentio")
    [result] = backfill_source(source, now=NOW)
    assert result.error == ""
    incident = Incident.objects.get()
    assert incident.external_id == "01M3Q4RK1SM4EMK445GGPG7C0N"
    assert incident.resolved_at == datetime(2026, 11, 12, 15, 10, tzinfo=UTC)
    assert [u.status for u in incident.updates.all()] == ["investigating", "resolved"]


def test_backfilled_days_before_we_watched_get_no_uptime(status_server):
    status_server.set("/api/v2/incidents.json", load_fixture("history/statuspage_incidents.json"))
    source = make_source(url=status_server.url("/api/v2/summary.json"), kind="statuspage")
    backfill_source(source, now=NOW)
    # 08:00-09:30 major impact on 10 November, long before we first read the page: the
    # incident is stored, but the day is not credited with 22 unwatched hours of uptime.
    assert Incident.objects.filter(provider=source.provider).exists()
    assert not UptimeDay.objects.filter(provider=source.provider, day="2026-11-10").exists()


def test_a_bad_answer_is_reported_and_stores_nothing(status_server):
    status_server.set("/api/v2/incidents.json", b"<html>nope</html>")
    source = make_source(url=status_server.url("/api/v2/summary.json"), kind="statuspage")
    [result] = backfill_source(source, now=NOW)
    assert result.error.startswith("unreadable")
    assert Incident.objects.count() == 0
    status_server.set("/api/v2/incidents.json", b"{}", status=404)
    [result] = backfill_source(source, now=NOW)
    assert result.error.startswith("HTTP 404")


def test_the_command_backfills_one_provider_and_fails_loudly(status_server, capsys):
    status_server.set("/api/v2/incidents.json", load_fixture("history/statuspage_incidents.json"))
    make_source(url=status_server.url("/api/v2/summary.json"), kind="statuspage")
    call_command("backfill", "--provider", "example")
    assert "3 incidents read: 3 new" in capsys.readouterr().out
    call_command("backfill", "--provider", "example")
    assert "3 incidents read: 0 new, 0 updated, 0 new updates" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no enabled sources for: nobody"):
        call_command("backfill", "--provider", "nobody")
    status_server.set("/api/v2/incidents.json", b"oops", status=500)
    with pytest.raises(CommandError, match="1 history source"):
        call_command("backfill", "--provider", "example")


def test_a_history_list_and_its_feed_backfilled_twice_give_each_incident_once_in_order(
    status_server,
):
    status_server.set("/api/v2/incidents.json", load_fixture("history/statuspage_incidents.json"))
    status_server.set("/history.atom", load_fixture("history/statuspage_history.atom"))
    json_source = make_source(url=status_server.url("/api/v2/summary.json"), kind="statuspage")
    feed_source = make_source(url=status_server.url("/history.atom"), kind="statuspage_feed")
    for _ in range(2):
        for source in (json_source, feed_source):
            [result] = backfill_source(source, now=NOW)
            assert result.error == ""
    ids = sorted(Incident.objects.values_list("external_id", flat=True))
    assert ids == ["abc123", "hist00000000", "hist00000001", "hist00000003"]
    both = Incident.objects.get(external_id="hist00000003")
    # The JSON list and the feed carry the same three posts: stored once each, oldest first.
    assert [u.status for u in both.updates.all()] == ["investigating", "monitoring", "resolved"]
    assert both.impact == "major"  # the feed knows no impact; the JSON list's stays
    feed_only = Incident.objects.get(external_id="hist00000000")
    assert feed_only.provenance == "backfill"
    assert [u.status for u in feed_only.updates.all()] == [
        "investigating",
        "identified",
        "resolved",
    ]
    assert feed_only.started_at == datetime(2026, 8, 4, 16, tzinfo=UTC)


def test_the_command_reads_an_explicit_history_feed(status_server, capsys):
    status_server.set("/history.atom", load_fixture("history/statuspage_history.atom"))
    make_source(url=status_server.url("/api/v2/summary.json"), kind="statuspage")
    url = status_server.url("/history.atom")
    call_command("backfill", "--provider", "example", "--url", url, "--format", "statuspage_feed")
    assert "2 incidents read: 2 new" in capsys.readouterr().out
    call_command("backfill", "--provider", "example", "--url", url)  # format detected
    assert "2 incidents read: 0 new, 0 updated, 0 new updates" in capsys.readouterr().out
