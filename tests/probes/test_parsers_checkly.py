"""Checkly status-page JSON: uptime, unresolved incidents, maintenance windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.models import Component, Incident
from probes.parsers.checkly import parse_checkly
from probes.parsers.types import Impact, IncidentStatus, ParseError, Status
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll

CHAT = "a1d4c2e0-0000-4000-8000-000000000001"
EMBED = "a1d4c2e0-0000-4000-8000-000000000002"


def parse(name: str):
    return parse_checkly(load_fixture(f"checkly/{name}.json"), {})


def statuses(page):
    return {c.external_id: c.status for c in page.components if not c.is_group}


def test_uptime_healthy_ignores_resolved_events():
    page = parse("uptime_healthy")
    assert page.has_component_states
    assert not page.lists_all_open_incidents
    assert set(statuses(page).values()) == {Status.OPERATIONAL}
    group = next(c for c in page.components if c.is_group)
    assert group.name == "API"


def test_uptime_unresolved_events_set_service_states():
    assert statuses(parse("uptime_degraded"))[CHAT] == Status.DEGRADED_PERFORMANCE
    page = parse("uptime_incident")
    assert statuses(page)[CHAT] == Status.MAJOR_OUTAGE
    assert statuses(page)[EMBED] == Status.PARTIAL_OUTAGE


def test_unresolved_incident_with_updates():
    page = parse("unresolved_incident")
    assert page.lists_all_open_incidents
    (incident,) = page.incidents
    assert incident.impact == Impact.CRITICAL
    assert incident.status == IncidentStatus.MONITORING
    assert [u.status for u in incident.updates] == [
        IncidentStatus.INVESTIGATING,
        IncidentStatus.IDENTIFIED,
        IncidentStatus.MONITORING,
    ]
    assert incident.component_ids == (CHAT, EMBED)


def test_resolved_and_empty_incident_lists():
    (incident,) = parse("unresolved_resolved").incidents
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == datetime(2026, 11, 21, 10, 30, tzinfo=UTC)
    assert parse("unresolved_empty").incidents == ()


def test_maintenance_windows():
    active, upcoming = parse("maintenance").incidents
    assert active.status == IncidentStatus.IN_PROGRESS
    assert active.is_maintenance
    assert upcoming.status == IncidentStatus.SCHEDULED
    assert upcoming.scheduled_for == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


def test_unknown_severity_is_unknown_not_operational():
    content = load_fixture("checkly/uptime_degraded.json").replace(b'"MEDIUM"', b'"SPICY"')
    assert statuses(parse_checkly(content, {}))[CHAT] == Status.UNKNOWN


@pytest.mark.parametrize(
    "fixture",
    [
        "checkly/changed.json",
        "statuspage/summary_operational.json",
        "datadog/healthy.json",
        "instatus/components_empty.json",
    ],
)
def test_it_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_checkly(load_fixture(fixture), {})


@pytest.mark.django_db
def test_uptime_and_incident_sources_meet_in_one_provider(status_server):
    uptime = make_source(url=status_server.url("/api/status-page/example/uptime"))
    unresolved = make_source(url=status_server.url("/api/status-page/example/unresolved-incidents"))
    assert serve_and_poll(status_server, uptime, "checkly/uptime_healthy.json").state == "ok"
    assert serve_and_poll(status_server, unresolved, "checkly/unresolved_empty.json").state == "ok"
    assert provider_status(uptime) == "operational"
    assert serve_and_poll(status_server, uptime, "checkly/uptime_incident.json").state == "ok"
    assert (
        serve_and_poll(status_server, unresolved, "checkly/unresolved_incident.json").state == "ok"
    )
    assert provider_status(uptime) == "major_outage"
    incident = Incident.objects.get()
    assert set(incident.components.values_list("external_id", flat=True)) == {CHAT, EMBED}
    assert serve_and_poll(status_server, unresolved, "checkly/unresolved_empty.json").state == "ok"
    assert serve_and_poll(status_server, uptime, "checkly/uptime_healthy.json").state == "ok"
    assert not Incident.objects.get().is_open
    assert Component.objects.get(external_id=CHAT).status == "operational"
    assert provider_status(uptime) == "operational"


def test_extra_keys_beside_the_lists_are_tolerated_but_a_page_is_not():
    page = parse_checkly(b'{"incidents": [], "partialError": false}', {})
    assert page.incidents == ()
    with pytest.raises(ParseError):
        parse_checkly(b'{"page": {"id": "x"}, "incidents": []}', {})
