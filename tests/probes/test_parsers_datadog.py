"""Datadog status pages (config.json)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.models import Incident
from probes.parsers.datadog import parse_datadog
from probes.parsers.types import Impact, IncidentStatus, ParseError, Status
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll

CHAT = "9c1e0000-0000-4000-8000-000000000001"
IMAGES = "9c1e0000-0000-4000-8000-000000000002"
WEB = "9c1e0000-0000-4000-8000-000000000003"
GROUP = "9c1e0000-0000-4000-8000-0000000000aa"


def parse(name: str, filters=None):
    return parse_datadog(load_fixture(f"datadog/{name}.json"), filters or {})


def statuses(page):
    return {c.external_id: c.status for c in page.components if not c.is_group}


def test_healthy_page_with_a_component_group():
    page = parse("healthy")
    assert page.has_component_states
    assert page.lists_all_open_incidents
    assert set(statuses(page).values()) == {Status.OPERATIONAL}
    by_id = {c.external_id: c for c in page.components}
    assert by_id[GROUP].is_group
    assert by_id[CHAT].group_id == GROUP


def test_degraded_component_and_open_incident():
    page = parse("degraded")
    assert statuses(page)[IMAGES] == Status.DEGRADED_PERFORMANCE
    assert page.incidents[0].is_open
    assert page.incidents[0].impact == Impact.MINOR


def test_an_open_incident_with_its_timeline_oldest_first():
    page = parse("incident")
    assert statuses(page)[CHAT] == Status.MAJOR_OUTAGE
    (incident,) = page.incidents
    assert incident.status == IncidentStatus.MONITORING
    assert incident.impact == Impact.CRITICAL
    assert [u.status for u in incident.updates] == [
        IncidentStatus.INVESTIGATING,
        IncidentStatus.IDENTIFIED,
        IncidentStatus.MONITORING,
    ]
    assert incident.started_at == datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
    assert incident.component_ids == (CHAT,)


def test_resolved_incident_and_maintenance_and_empty():
    (incident,) = parse("resolved").incidents
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == datetime(2026, 11, 21, 14, 30, tzinfo=UTC)
    page = parse("maintenance")
    assert statuses(page)[WEB] == Status.UNDER_MAINTENANCE
    assert page.incidents[0].is_maintenance
    assert page.incidents[0].status == IncidentStatus.IN_PROGRESS
    assert parse("empty").components == ()


def test_filter_and_unknown_status():
    page = parse("incident", {"components": [WEB]})
    assert [c.external_id for c in page.components] == [WEB]
    assert page.incidents == ()
    content = load_fixture("datadog/healthy.json").replace(b'"operational"', b'"wobbly"', 1)
    assert statuses(parse_datadog(content, {}))[CHAT] == Status.UNKNOWN


def test_resolved_word_without_the_resolved_flag_stays_open():
    content = load_fixture("datadog/incident.json").replace(
        b'"currentStatus": "monitoring"', b'"currentStatus": "resolved"'
    )
    assert parse_datadog(content, {}).incidents[0].is_open


@pytest.mark.parametrize(
    "fixture",
    ["datadog/changed.json", "flashcat/healthy.json", "statuspage/summary_operational.json"],
)
def test_it_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_datadog(load_fixture(fixture), {})


@pytest.mark.django_db
def test_a_served_datadog_page_opens_and_resolves(status_server):
    source = make_source(url=status_server.url("/config.json"))
    assert serve_and_poll(status_server, source, "datadog/healthy.json").state == "ok"
    assert provider_status(source) == "operational"
    assert serve_and_poll(status_server, source, "datadog/incident.json").state == "ok"
    assert provider_status(source) == "major_outage"
    assert serve_and_poll(status_server, source, "datadog/resolved.json").state == "ok"
    incident = Incident.objects.get()
    assert not incident.is_open
    assert incident.updates.count() == 4
    assert provider_status(source) == "operational"
