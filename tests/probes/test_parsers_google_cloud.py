"""Google Cloud / Workspace incidents.json."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.models import Incident
from probes.parsers.google_cloud import parse_google_cloud
from probes.parsers.types import Impact, IncidentStatus, ParseError
from tests.conftest import load_fixture
from tests.probes.served import make_source, provider_status, serve_and_poll

VERTEX = "Z0FZJAMvEB4j3NbCJs6B"
GEMINI = {"products": [VERTEX]}


def parse(name: str, filters=None):
    return parse_google_cloud(load_fixture(f"google_cloud/{name}.json"), filters or {})


def test_healthy_list_holds_only_ended_incidents():
    page = parse("healthy")
    assert page.lists_all_open_incidents and not page.has_component_states
    assert [i.is_open for i in page.incidents] == [False]
    assert parse("healthy", GEMINI).incidents == ()


def test_the_product_filter_keeps_only_that_products_incidents():
    page = parse("degraded", GEMINI)
    (incident,) = page.incidents
    assert incident.external_id == "a1s2d3f4g5h6j7k8l9z0"
    assert incident.impact == Impact.MINOR  # SERVICE_INFORMATION
    assert incident.is_open
    assert page.notes == ("kept 1 incidents for the filtered products, skipped 1",)


def test_an_open_outage_with_several_markdown_updates():
    (incident,) = parse("incident", GEMINI).incidents
    assert incident.impact == Impact.CRITICAL  # SERVICE_OUTAGE
    assert incident.resolved_at is None
    # "AVAILABLE" while still open: restored, being watched.
    assert incident.status == IncidentStatus.MONITORING
    assert [u.at for u in incident.updates] == sorted(u.at for u in incident.updates)
    assert incident.updates[0].body == "We are investigating failed requests to the Gemini API."
    assert incident.started_at == datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    assert incident.url == "https://status.cloud.google.com/incidents/z9x8c7v6b5n4m3l2k1j0"
    assert VERTEX in incident.component_ids


def test_resolved_when_end_appears():
    (incident,) = parse("resolved", GEMINI).incidents
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == datetime(2026, 11, 21, 19, 0, tzinfo=UTC)
    assert incident.updates[-1].status == IncidentStatus.RESOLVED


def test_planned_work_reads_as_information_and_empty_list_as_nothing():
    (incident,) = parse("maintenance", GEMINI).incidents
    assert incident.impact == Impact.MINOR and incident.is_open
    assert parse("empty").incidents == ()


def test_workspace_links_use_the_base_url_filter():
    (incident,) = parse(
        "incident", {**GEMINI, "base_url": ["https://www.google.com/appsstatus/dashboard/"]}
    ).incidents
    assert incident.url == (
        "https://www.google.com/appsstatus/dashboard/incidents/z9x8c7v6b5n4m3l2k1j0"
    )


def test_unknown_impact_is_never_none():
    content = load_fixture("google_cloud/incident.json").replace(
        b'"SERVICE_OUTAGE"', b'"SERVICE_WOBBLE"'
    ).replace(b'"severity": "high"', b'"severity": "odd"')
    (incident,) = parse_google_cloud(content, GEMINI).incidents
    assert incident.impact == Impact.MINOR


@pytest.mark.parametrize(
    "fixture",
    ["google_cloud/changed.json", "aws_health/incident.json", "aws_health/empty.json",
     "statuspage/summary_operational.json"],
)
def test_it_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_google_cloud(load_fixture(fixture), {})


@pytest.mark.django_db
def test_a_served_incident_list_opens_and_closes_a_gemini_incident(status_server):
    source = make_source(status_server, "/incidents.json", filters=GEMINI)
    assert serve_and_poll(status_server, source, "google_cloud/healthy.json").state == "ok"
    assert provider_status(source) == "operational"
    assert serve_and_poll(status_server, source, "google_cloud/incident.json").state == "ok"
    assert provider_status(source) == "major_outage"
    assert serve_and_poll(status_server, source, "google_cloud/resolved.json").state == "ok"
    incident = Incident.objects.get()
    assert incident.resolved_at == datetime(2026, 11, 21, 19, 0, tzinfo=UTC)
    assert incident.updates.count() == 4
    assert provider_status(source) == "operational"


def test_product_titles_match_where_ids_are_unknown():
    page = parse("incident", {"product_titles": ["gemini on agent"]})
    assert [i.external_id for i in page.incidents] == ["z9x8c7v6b5n4m3l2k1j0"]
    assert parse("incident", {"product_titles": ["Translation"]}).incidents == ()
