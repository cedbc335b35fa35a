"""Instatus summary.json and components JSON."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.models import Component, Incident
from probes.parsers.instatus import parse_instatus
from probes.parsers.types import Impact, IncidentStatus, ParseError, Status
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll


def parse(name: str, filters=None):
    return parse_instatus(load_fixture(f"instatus/{name}.json"), filters or {})


def test_healthy_summary_without_the_optional_keys():
    page = parse("summary_healthy")
    assert page.indicator == Status.OPERATIONAL
    assert page.incidents == ()
    assert page.lists_all_open_incidents
    assert not page.has_component_states


def test_degraded_summary():
    page = parse("summary_degraded")
    assert page.indicator == Status.DEGRADED_PERFORMANCE
    assert page.incidents[0].impact == Impact.MINOR
    assert page.incidents[0].status == IncidentStatus.INVESTIGATING


def test_incidents_map_instatus_words_onto_ours():
    first, second = parse("summary_incident").incidents
    assert first.status == IncidentStatus.IDENTIFIED
    assert first.impact == Impact.MAJOR
    assert second.status == IncidentStatus.MONITORING
    assert second.impact == Impact.CRITICAL
    assert first.started_at == datetime(2026, 11, 21, 8, 15, tzinfo=UTC)
    assert first.url.endswith("/incident/clx9k2m4p0001abcd1234efgh")


def test_resolved_incident_is_closed():
    (incident,) = parse("summary_resolved").incidents
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def test_maintenance_gets_its_end_from_the_duration():
    page = parse("summary_maintenance")
    assert page.indicator == Status.UNDER_MAINTENANCE
    (maintenance,) = page.incidents
    assert maintenance.is_maintenance
    assert maintenance.status == IncidentStatus.IN_PROGRESS
    assert maintenance.scheduled_until == datetime(2026, 11, 22, 2, 30, tzinfo=UTC)


def test_components_in_capitals():
    page = parse("components_degraded")
    assert page.has_component_states
    assert not page.lists_all_open_incidents
    assert [c.status for c in page.components] == [
        Status.OPERATIONAL,
        Status.DEGRADED_PERFORMANCE,
        Status.MAJOR_OUTAGE,
    ]
    assert {c.status for c in parse("components_healthy").components} == {Status.OPERATIONAL}
    assert parse("components_empty").components == ()


def test_nested_components_keep_their_parent():
    components = {c.external_id: c for c in parse("components_nested").components}
    assert components["clx9g0000000000000group01"].is_group
    child = components["clx9c000000000000comp0000"]
    assert child.group_id == "clx9g0000000000000group01"
    assert child.status == Status.PARTIAL_OUTAGE
    assert components["clx9c000000000000comp0002"].status == Status.UNDER_MAINTENANCE


def test_unknown_values_never_read_as_operational():
    page = parse_instatus(
        load_fixture("instatus/summary_healthy.json").replace(b'"UP"', b'"SOMETHINGNEW"'), {}
    )
    assert page.indicator == Status.UNKNOWN
    page = parse_instatus(
        load_fixture("instatus/components_healthy.json").replace(
            b'"OPERATIONAL"', b'"NEWSTATE"', 1
        ),
        {},
    )
    assert page.components[0].status == Status.UNKNOWN


@pytest.mark.parametrize(
    "fixture",
    [
        "instatus/changed.json",
        "statuspage/summary_operational.json",
        "incidentio/summary_degraded.json",
        "betterstack/healthy.json",
        "challenge_page.html",
    ],
)
def test_it_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_instatus(load_fixture(fixture), {})


@pytest.mark.django_db
def test_summary_and_components_sources_meet_in_one_provider(status_server):
    summary = make_source(url=status_server.url("/summary.json"))
    components = make_source(url=status_server.url("/v2/components.json"))
    assert (
        serve_and_poll(status_server, components, "instatus/components_healthy.json").state == "ok"
    )
    assert serve_and_poll(status_server, summary, "instatus/summary_healthy.json").state == "ok"
    assert provider_status(summary) == "operational"

    assert (
        serve_and_poll(status_server, components, "instatus/components_degraded.json").state == "ok"
    )
    assert serve_and_poll(status_server, summary, "instatus/summary_incident.json").state == "ok"
    assert provider_status(summary) == "major_outage"
    assert Component.objects.get(name="Search index").status == "major_outage"
    assert Incident.objects.open().count() == 2

    assert serve_and_poll(status_server, summary, "instatus/summary_healthy.json").state == "ok"
    assert Incident.objects.open().count() == 0
    assert (
        serve_and_poll(status_server, components, "instatus/components_healthy.json").state == "ok"
    )
    assert provider_status(summary) == "operational"


def test_a_new_top_level_key_does_not_break_the_summary():
    page = parse_instatus(
        b'{"page": {"name": "X", "url": "https://x.test", "status": "UP"}, "activeNotices": []}', {}
    )
    assert page.indicator == Status.OPERATIONAL
