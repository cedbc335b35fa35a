"""Google Cloud / Workspace incidents.json."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.models import Incident
from probes.parsers.google_cloud import parse_google_cloud, parse_google_cloud_feed
from probes.parsers.types import Impact, IncidentStatus, ParseError
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll

VERTEX = "Z0FZJAMvEB4j3NbCJs6B"
GEMINI = {"products": [VERTEX]}


def parse(name: str, filters=None):
    return parse_google_cloud(load_fixture(f"google_cloud/{name}.json"), filters or {})


def test_healthy_list_holds_only_ended_incidents():
    page = parse("healthy")
    assert page.lists_all_open_incidents
    assert not page.has_component_states
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
    assert incident.impact == Impact.MINOR
    assert incident.is_open
    assert parse("empty").incidents == ()


def test_workspace_links_use_the_base_url_filter():
    (incident,) = parse(
        "incident", {**GEMINI, "base_url": ["https://www.google.com/appsstatus/dashboard/"]}
    ).incidents
    assert incident.url == (
        "https://www.google.com/appsstatus/dashboard/incidents/z9x8c7v6b5n4m3l2k1j0"
    )


def test_unknown_impact_is_never_none():
    content = (
        load_fixture("google_cloud/incident.json")
        .replace(b'"SERVICE_OUTAGE"', b'"SERVICE_WOBBLE"')
        .replace(b'"severity": "high"', b'"severity": "odd"')
    )
    (incident,) = parse_google_cloud(content, GEMINI).incidents
    assert incident.impact == Impact.MINOR


@pytest.mark.parametrize(
    "fixture",
    [
        "google_cloud/changed.json",
        "aws_health/incident.json",
        "aws_health/empty.json",
        "statuspage/summary_operational.json",
    ],
)
def test_it_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_google_cloud(load_fixture(fixture), {})


@pytest.mark.django_db
def test_a_served_incident_list_opens_and_closes_a_gemini_incident(status_server):
    source = make_source(url=status_server.url("/incidents.json"), filters=GEMINI)
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


# --- the Atom feed -----------------------------------------------------------------------


def gfeed(name: str, filters=None):
    return parse_google_cloud_feed(load_fixture(f"google_cloud_feed/{name}.atom"), filters or {})


def test_feed_groups_per_update_entries_into_incidents():
    page = gfeed("incident")
    assert not page.lists_all_open_incidents
    assert not page.has_component_states
    new, old = page.incidents
    assert new.external_id == "z9x8c7v6b5n4m3l2k1j0"
    assert new.title == "Gemini requests fail in several regions"
    assert [u.key for u in new.updates] == [
        "z9x8c7v6b5n4m3l2k1j0.a1",
        "z9x8c7v6b5n4m3l2k1j0.a2",
        "z9x8c7v6b5n4m3l2k1j0.a3",
    ]
    assert new.updates[0].body.startswith("We are investigating failed requests")
    assert new.is_open
    assert new.partial
    # 09:00 US/Pacific in November is 17:00 UTC.
    assert new.started_at == datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    assert old.status == IncidentStatus.RESOLVED


def test_feed_resolved_time_comes_from_the_pacific_end_time():
    new = gfeed("resolved").incidents[0]
    assert new.status == IncidentStatus.RESOLVED
    assert new.resolved_at == datetime(2026, 11, 21, 19, 0, tzinfo=UTC)
    assert new.url == "https://status.cloud.google.com/incidents/z9x8c7v6b5n4m3l2k1j0"


def test_feed_matrix_and_keyword_filter():
    assert [i.is_open for i in gfeed("healthy").incidents] == [False]
    assert gfeed("degraded").incidents[0].is_open
    assert gfeed("maintenance").incidents[0].is_open
    assert gfeed("empty").incidents == ()
    kept = gfeed("incident", {"keywords": ["gemini"]}).incidents
    assert [i.external_id for i in kept] == ["z9x8c7v6b5n4m3l2k1j0"]


@pytest.mark.parametrize(
    "fixture",
    [
        "google_cloud_feed/changed.atom",
        "statuspage_feed/incident.atom",
        "feed/empty.xml",
        "google_cloud/incident.json",
    ],
)
def test_feed_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_google_cloud_feed(load_fixture(fixture), {})


@pytest.mark.django_db
def test_a_served_google_feed_and_the_json_merge_by_incident_id(status_server):
    json_source = make_source(url=status_server.url("/incidents.json"), filters=GEMINI)
    feed_source = make_source(url=status_server.url("/en/feed.atom"))
    assert serve_and_poll(status_server, json_source, "google_cloud/incident.json").state == "ok"
    assert (
        serve_and_poll(status_server, feed_source, "google_cloud_feed/incident.atom").state == "ok"
    )
    incident = Incident.objects.get(external_id="z9x8c7v6b5n4m3l2k1j0")
    assert incident.impact == "critical"  # from the JSON, which saw it first
    assert provider_status(json_source) == "major_outage"
