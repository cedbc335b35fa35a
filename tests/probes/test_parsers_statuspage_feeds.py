"""Statuspage /history.atom and /history.rss: updates split from paragraphs, years from dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.models import Incident, IncidentUpdate
from probes.parsers.statuspage_feeds import parse_statuspage_feed
from probes.parsers.types import Impact, IncidentStatus, ParseError
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll


def parse(name: str):
    return parse_statuspage_feed(load_fixture(f"statuspage_feed/{name}"), {})


def test_it_reads_an_open_incident_with_its_updates_oldest_first():
    page = parse("incident.atom")
    incident = page.incidents[0]
    assert incident.external_id == "h7d2k9s4v1n6"  # the API id from the link, not 31000002
    assert incident.title == "Elevated errors on the API"
    assert [u.status for u in incident.updates] == [
        IncidentStatus.INVESTIGATING,
        IncidentStatus.IDENTIFIED,
        IncidentStatus.MONITORING,
        IncidentStatus.UPDATE,
    ]
    assert incident.updates[0].at == datetime(2026, 11, 21, 14, 2, tzinfo=UTC)
    assert incident.updates[0].body == "We are looking into elevated errors on the API & console."
    # "Update" keeps the state the incident was in.
    assert incident.status == IncidentStatus.MONITORING
    assert incident.is_open
    assert incident.started_at == datetime(2026, 11, 21, 14, 2, tzinfo=UTC)
    assert incident.partial
    assert incident.impact == Impact.MINOR
    assert incident.url == "https://status.example-ai.test/incidents/h7d2k9s4v1n6"


def test_a_feed_lists_neither_component_states_nor_all_open_incidents():
    page = parse("incident.atom")
    assert page.platform == "statuspage_feed"
    assert not page.has_component_states
    assert not page.lists_all_open_incidents
    assert page.components == ()


def test_healthy_feed_holds_only_resolved_history():
    (incident,) = parse("healthy.atom").incidents
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == datetime(2026, 11, 12, 9, 40, tzinfo=UTC)


def test_degraded_feed_has_one_investigating_update():
    incident = parse("degraded.atom").incidents[0]
    assert incident.status == IncidentStatus.INVESTIGATING
    assert len(incident.updates) == 1


def test_resolved_incident_gets_its_resolve_time_from_the_last_paragraph():
    incident = parse("resolved.atom").incidents[0]
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
    assert len(incident.updates) == 5


def test_maintenance_labels_make_a_maintenance():
    incident = parse("maintenance.atom").incidents[0]
    assert incident.is_maintenance
    assert incident.impact == Impact.MAINTENANCE
    assert incident.status == IncidentStatus.IN_PROGRESS
    assert [u.status for u in incident.updates] == [
        IncidentStatus.SCHEDULED,
        IncidentStatus.IN_PROGRESS,
    ]


@pytest.mark.parametrize("name", ["empty.atom", "empty.rss"])
def test_an_empty_history_feed_parses_to_nothing(name):
    assert parse(name).incidents == ()


def test_the_year_steps_back_across_new_year():
    incident = parse("new_year.atom").incidents[0]
    assert [u.at for u in incident.updates] == [
        datetime(2026, 12, 31, 23, 40, tzinfo=UTC),
        datetime(2027, 1, 1, 0, 25, tzinfo=UTC),
    ]
    assert incident.started_at == datetime(2026, 12, 31, 23, 40, tzinfo=UTC)


def test_a_page_zone_other_than_utc_is_converted():
    incident = parse("pacific.atom").incidents[0]
    assert incident.updates[0].at == datetime(2026, 11, 21, 21, 30, tzinfo=UTC)
    assert incident.resolved_at == datetime(2026, 11, 21, 22, 10, tzinfo=UTC)


def test_rss_gives_the_same_incident_as_atom():
    atom = parse("incident.atom").incidents[0]
    rss = parse("incident.rss").incidents[0]
    assert rss.external_id == atom.external_id
    assert [(u.key, u.at, u.status, u.body) for u in rss.updates] == [
        (u.key, u.at, u.status, u.body) for u in atom.updates
    ]


def test_update_keys_are_stable_across_polls():
    first = [u.key for u in parse("incident.atom").incidents[0].updates]
    later = [u.key for u in parse("resolved.atom").incidents[0].updates]
    assert set(first) < set(later)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (load_fixture("statuspage_feed/changed.atom"), "no update paragraphs"),
        (load_fixture("incidentio_feed/healthy.atom"), "double slash|not a Statuspage"),
        (load_fixture("feed/healthy.xml"), "not a Statuspage incident link"),
        (load_fixture("feed/empty.xml"), "does not name itself"),
        (load_fixture("statuspage/summary_operational.json"), "got JSON"),
        (load_fixture("challenge_page.html"), "bot-challenge"),
        (b"", "empty body"),
        (b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x "y">]><feed/>', "DOCTYPE"),
    ],
)
def test_it_refuses_what_is_not_a_statuspage_history_feed(content, reason):
    with pytest.raises(ParseError, match=reason):
        parse_statuspage_feed(content, {})


@pytest.mark.django_db
def test_a_served_history_feed_is_recorded_and_resolved(status_server):
    source = make_source(url=status_server.url("/history.atom"))
    assert serve_and_poll(status_server, source, "statuspage_feed/incident.atom").state == "ok"
    source.refresh_from_db()
    assert source.detected_format == "statuspage_feed"
    incident = Incident.objects.get(external_id="h7d2k9s4v1n6")
    assert incident.is_open
    assert incident.updates.count() == 4
    assert provider_status(source) == "degraded_performance"

    assert serve_and_poll(status_server, source, "statuspage_feed/resolved.atom").state == "ok"
    incident.refresh_from_db()
    assert not incident.is_open
    assert incident.updates.count() == 5
    assert IncidentUpdate.objects.count() == 5 + 2  # and the older incident's two
    assert provider_status(source) == "operational"


@pytest.mark.django_db
def test_feed_and_json_of_one_page_merge_into_one_incident(status_server):
    json_source = make_source(url=status_server.url("/api/v2/summary.json"))
    feed_source = make_source(url=status_server.url("/history.atom"))
    summary = load_fixture("statuspage/summary_major_outage.json").replace(
        b"k2v9x8w7q1rt", b"h7d2k9s4v1n6"
    )
    status_server.set("/api/v2/summary.json", summary)
    from probes.status.polling import poll_source

    assert poll_source(json_source).state == "ok"
    assert serve_and_poll(status_server, feed_source, "statuspage_feed/incident.atom").state == "ok"
    incident = Incident.objects.get(external_id="h7d2k9s4v1n6")
    # The JSON source saw it first and keeps its impact; the feed adds its updates.
    assert incident.impact == "critical"
    assert incident.source_id == json_source.pk
    assert incident.updates.count() == 3 + 4
    feed_source.refresh_from_db()
    feed_source.body_hash = ""
    assert poll_source(feed_source).state == "ok"
    assert Incident.objects.get(pk=incident.pk).impact == "critical"


@pytest.mark.django_db
def test_when_the_owning_source_is_switched_off_the_feed_takes_over(status_server):
    json_source = make_source(url=status_server.url("/api/v2/summary.json"))
    feed_source = make_source(url=status_server.url("/history.atom"))
    summary = load_fixture("statuspage/summary_major_outage.json").replace(
        b"k2v9x8w7q1rt", b"h7d2k9s4v1n6"
    )
    status_server.set("/api/v2/summary.json", summary)
    from probes.status.polling import poll_source

    assert poll_source(json_source).state == "ok"
    json_source.enabled = False
    json_source.save(update_fields=["enabled"])
    assert serve_and_poll(status_server, feed_source, "statuspage_feed/resolved.atom").state == "ok"
    incident = Incident.objects.get(external_id="h7d2k9s4v1n6")
    assert not incident.is_open
    assert incident.resolved_at == datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
    # A feed's guessed impact never replaces what the JSON said.
    assert incident.impact == "critical"
