"""AWS Health currentevents (UTF-16) and the per-service RSS feeds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.models import Component, Incident
from probes.parsers.aws_health import parse_aws_health, parse_aws_rss, split_service_key
from probes.parsers.types import Impact, IncidentStatus, ParseError, Status
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll

BEDROCK = {"services": ["bedrock"], "regions": ["us-east-1", "us-west-2"]}


def events(name: str, filters=None):
    return parse_aws_health(load_fixture(f"aws_health/{name}.json"), filters or {})


def rss(name: str):
    return parse_aws_rss(load_fixture(f"aws_rss/{name}.rss"), {})


def test_fixtures_are_utf16_with_a_bom_like_the_real_endpoint():
    assert load_fixture("aws_health/incident.json").startswith(b"\xfe\xff")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("bedrock-us-east-1", ("bedrock", "us-east-1")),
        ("multipleservices-me-central-1", ("multipleservices", "me-central-1")),
        ("ec2-us-gov-west-1", ("ec2", "us-gov-west-1")),
        ("cloudfront", ("cloudfront", None)),
    ],
)
def test_service_keys_split_into_service_and_region(key, expected):
    assert split_service_key(key) == expected


def test_healthy_and_empty_answers_are_all_operational():
    page = events("healthy", BEDROCK)
    assert page.incidents == ()
    assert {c.status for c in page.components} == {Status.OPERATIONAL}
    assert [c.external_id for c in page.components] == ["bedrock-us-east-1", "bedrock-us-west-2"]
    assert events("empty").components == ()


def test_the_region_filter_drops_other_regions_events():
    unfiltered = events("degraded")
    assert len(unfiltered.incidents) == 2
    page = events("degraded", BEDROCK)
    (incident,) = page.incidents
    assert incident.impact == Impact.MINOR
    statuses = {c.external_id: c.status for c in page.components}
    assert statuses == {
        "bedrock-us-east-1": Status.DEGRADED_PERFORMANCE,
        "bedrock-us-west-2": Status.OPERATIONAL,
    }


def test_code_three_is_a_major_outage_with_its_event_log():
    page = events("incident", BEDROCK)
    (incident,) = page.incidents
    assert incident.impact == Impact.CRITICAL
    assert incident.is_open
    assert incident.started_at == datetime.fromtimestamp(1795787400, tz=UTC)
    assert len(incident.updates) == 3
    assert incident.component_ids == ("bedrock-us-east-1",)
    assert {c.external_id: c.status for c in page.components}["bedrock-us-east-1"] == (
        Status.MAJOR_OUTAGE
    )


def test_resolved_event_keeps_its_history_and_clears_the_component():
    page = events("resolved", BEDROCK)
    (incident,) = page.incidents
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == datetime.fromtimestamp(1795794600, tz=UTC)
    assert incident.title == "Increased error rates for model invocations"
    assert {c.status for c in page.components} == {Status.OPERATIONAL}


def test_an_informational_event_in_another_filtered_region():
    (incident,) = events("maintenance", BEDROCK).incidents
    assert incident.is_open
    assert incident.impact == Impact.MINOR


def test_an_unknown_code_is_unknown_not_operational():
    text = load_fixture("aws_health/incident.json").decode("utf-16")
    text = text.replace('"current": "3"', '"current": "7"').replace(
        '"status": "3"', '"status": "7"'
    )
    page = parse_aws_health(text.encode("utf-16"), BEDROCK)
    assert page.incidents[0].is_open
    assert {c.external_id: c.status for c in page.components}["bedrock-us-east-1"] == Status.UNKNOWN


@pytest.mark.parametrize(
    "fixture",
    [
        "aws_health/changed.json",
        "google_cloud/incident.json",
        "statuspage/summary_operational.json",
    ],
)
def test_currentevents_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_aws_health(load_fixture(fixture), {})


def test_rss_groups_posts_into_events():
    page = rss("resolved")
    old, recent = page.incidents
    assert old.status == IncidentStatus.RESOLVED
    assert len(old.updates) == 2
    assert recent.status == IncidentStatus.RESOLVED
    assert recent.impact == Impact.CRITICAL  # "Service disruption" was the worst post
    # PST times are converted to UTC.
    assert recent.started_at == datetime(2026, 11, 21, 14, 40, tzinfo=UTC)
    assert recent.resolved_at == datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
    assert page.components[0].external_id == "bedrock-us-east-1"
    assert page.components[0].name == "Amazon Bedrock (N. Virginia)"
    assert page.components[0].status == Status.OPERATIONAL


def test_rss_open_event_sets_the_service_state():
    page = rss("incident")
    assert page.incidents[-1].is_open
    assert page.components[0].status == Status.MAJOR_OUTAGE
    assert rss("degraded").components[0].status == Status.DEGRADED_PERFORMANCE
    assert rss("healthy").components[0].status == Status.OPERATIONAL
    assert rss("maintenance").incidents[0].is_open
    assert rss("empty").incidents == ()


@pytest.mark.parametrize(
    "fixture", ["aws_rss/changed.rss", "azure_status/incident.rss", "feed/healthy.xml"]
)
def test_rss_refuses_other_feeds_and_new_wording(fixture):
    with pytest.raises(ParseError):
        parse_aws_rss(load_fixture(fixture), {})


@pytest.mark.django_db
def test_served_currentevents_flip_bedrock_and_back(status_server):
    source = make_source(url=status_server.url("/public/currentevents"), filters=BEDROCK)
    assert serve_and_poll(status_server, source, "aws_health/healthy.json").state == "ok"
    source.refresh_from_db()
    assert source.detected_format == "aws_health"
    assert provider_status(source) == "operational"
    assert serve_and_poll(status_server, source, "aws_health/incident.json").state == "ok"
    assert provider_status(source) == "major_outage"
    assert Component.objects.get(external_id="bedrock-us-east-1").status == "major_outage"
    assert Incident.objects.get().components.count() == 1
    assert serve_and_poll(status_server, source, "aws_health/resolved.json").state == "ok"
    assert provider_status(source) == "operational"
    assert not Incident.objects.get().is_open


@pytest.mark.django_db
def test_served_service_rss_is_recorded(status_server):
    source = make_source(url=status_server.url("/rss/bedrock-us-east-1.rss"))
    assert serve_and_poll(status_server, source, "aws_rss/incident.rss").state == "ok"
    assert provider_status(source) == "major_outage"
    assert serve_and_poll(status_server, source, "aws_rss/resolved.rss").state == "ok"
    assert provider_status(source) == "operational"
    assert Incident.objects.open().count() == 0
