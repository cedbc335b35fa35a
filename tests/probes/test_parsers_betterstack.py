"""Better Stack index.json (JSON:API)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from probes.models import Incident
from probes.parsers.betterstack import parse_betterstack
from probes.parsers.types import Impact, IncidentStatus, ParseError, Status
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll


def parse(name: str, filters=None):
    return parse_betterstack(load_fixture(f"betterstack/{name}.json"), filters or {})


def resources(page):
    return {c.name: c.status for c in page.components if not c.is_group}


def test_healthy_page():
    page = parse("healthy")
    assert page.indicator == Status.OPERATIONAL
    assert set(resources(page).values()) == {Status.OPERATIONAL}
    section = next(c for c in page.components if c.is_group)
    assert section.name == "Platform"
    assert all(c.group_id == section.external_id for c in page.components if not c.is_group)


def test_degraded_resource_and_report():
    page = parse("degraded")
    assert page.indicator == Status.DEGRADED_PERFORMANCE
    assert resources(page)["Inference API"] == Status.DEGRADED_PERFORMANCE
    (report,) = page.incidents
    assert report.impact == Impact.MINOR
    assert report.is_open
    assert report.component_ids == ("7702",)


def test_downtime_is_a_major_outage_with_several_updates():
    page = parse("incident")
    assert page.indicator == Status.MAJOR_OUTAGE
    assert resources(page)["Inference API"] == Status.MAJOR_OUTAGE
    (report,) = page.incidents
    assert report.impact == Impact.CRITICAL
    assert next(u.body for u in report.updates) == "The inference API is returning errors."
    assert len(report.updates) == 3
    assert report.url == "https://status.example-hub.test/incident/310002"


def test_resolved_report_is_closed_although_ends_at_is_null():
    (report,) = parse("resolved").incidents
    assert report.status == IncidentStatus.RESOLVED
    assert report.resolved_at == datetime(2026, 11, 21, 12, 10, tzinfo=UTC)
    assert report.updates[-1].status == IncidentStatus.RESOLVED


def test_maintenance_report():
    page = parse("maintenance")
    (report,) = page.incidents
    assert report.is_maintenance
    assert report.status == IncidentStatus.IN_PROGRESS
    assert report.scheduled_until == datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
    assert resources(page)["Spaces"] == Status.UNDER_MAINTENANCE


def test_empty_page_and_filter():
    assert parse("empty").components == ()
    page = parse("incident", {"components": ["7703"]})
    assert [c.name for c in page.components] == ["Spaces"]
    assert page.indicator is None
    assert len(page.incidents) == 1


def test_unknown_resource_status_is_unknown_and_not_monitored_is_skipped():
    document = json.loads(load_fixture("betterstack/healthy.json"))
    resources_in = [i for i in document["included"] if i["type"] == "status_page_resource"]
    resources_in[0]["attributes"]["status"] = "brilliant"
    resources_in[1]["attributes"]["status"] = "not_monitored"
    page = parse_betterstack(json.dumps(document).encode(), {})
    assert resources(page) == {"Model hub": Status.UNKNOWN, "Spaces": Status.OPERATIONAL}


@pytest.mark.parametrize(
    "fixture",
    ["betterstack/changed.json", "statuspage/summary_operational.json", "datadog/healthy.json"],
)
def test_it_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_betterstack(load_fixture(fixture), {})


@pytest.mark.django_db
def test_a_served_betterstack_page_goes_down_and_recovers(status_server):
    source = make_source(url=status_server.url("/index.json"))
    assert serve_and_poll(status_server, source, "betterstack/healthy.json").state == "ok"
    assert provider_status(source) == "operational"
    assert serve_and_poll(status_server, source, "betterstack/incident.json").state == "ok"
    assert provider_status(source) == "major_outage"
    assert serve_and_poll(status_server, source, "betterstack/resolved.json").state == "ok"
    incident = Incident.objects.get(external_id="310002")
    assert not incident.is_open
    assert incident.updates.count() == 4
    assert provider_status(source) == "operational"
