"""incident.io's own /proxy/<host> JSON and its Atom feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from probes.models import Component, Incident
from probes.parsers.incidentio import parse_incidentio_feed, parse_incidentio_proxy
from probes.parsers.types import Impact, IncidentStatus, ParseError, Status
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll

API = "01JX3KQ8A1B2C3D4E5F6G7H8J9"
CHAT = "01JX3KQ8A1B2C3D4E5F6G7H8JA"
VIDEO = "01JX3KQ8A1B2C3D4E5F6G7H8JB"
LOGIN = "01JX3KQ8A1B2C3D4E5F6G7H8JC"
GROUP = "01JX3KQ9Z9Y8X7W6V5T4S3R2Q1"


def proxy(name: str, filters=None):
    return parse_incidentio_proxy(load_fixture(f"incidentio_proxy/{name}.json"), filters or {})


def feed(name: str):
    return parse_incidentio_feed(load_fixture(f"incidentio_feed/{name}.atom"), {})


def statuses(page):
    return {c.external_id: c.status for c in page.components}


def test_proxy_healthy_page_has_every_component_operational():
    page = proxy("healthy")
    assert page.has_component_states
    assert page.lists_all_open_incidents
    assert set(statuses(page).values()) == {Status.OPERATIONAL}
    group = next(c for c in page.components if c.external_id == GROUP)
    assert group.is_group
    assert next(c for c in page.components if c.external_id == API).group_id == GROUP
    assert page.incidents == ()


def test_proxy_degraded_component_comes_from_affected_components():
    page = proxy("degraded")
    assert statuses(page)[CHAT] == Status.DEGRADED_PERFORMANCE
    assert statuses(page)[API] == Status.OPERATIONAL
    assert page.incidents[0].impact == Impact.MINOR


def test_proxy_full_outage_is_a_major_outage_with_component_impacts():
    page = proxy("incident")
    assert statuses(page)[VIDEO] == Status.MAJOR_OUTAGE
    assert statuses(page)[API] == Status.PARTIAL_OUTAGE
    (incident,) = page.incidents
    assert incident.status == IncidentStatus.MONITORING
    assert incident.impact == Impact.CRITICAL
    assert [u.status for u in incident.updates] == [
        IncidentStatus.INVESTIGATING,
        IncidentStatus.IDENTIFIED,
        IncidentStatus.MONITORING,
    ]
    impacts = {i.component_id: i for i in incident.component_impacts}
    assert impacts[VIDEO].end_at is None
    assert impacts[API].end_at == datetime(2026, 11, 21, 14, 50, tzinfo=UTC)
    assert incident.started_at == datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    assert incident.url == f"https://status.example-ai.test/incidents/{incident.external_id}"


def test_proxy_resolved_incident_closes_at_its_last_update():
    (incident,) = proxy("resolved").incidents
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == datetime(2026, 11, 21, 16, 0, tzinfo=UTC)


def test_proxy_maintenance_is_in_progress():
    page = proxy("maintenance")
    (maintenance,) = page.incidents
    assert maintenance.is_maintenance
    assert maintenance.status == IncidentStatus.IN_PROGRESS
    assert maintenance.scheduled_until == datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    assert statuses(page)[LOGIN] == Status.UNDER_MAINTENANCE


def test_proxy_empty_page_and_filters():
    assert proxy("empty").components == ()
    page = proxy("incident", {"components": [VIDEO]})
    assert [c.external_id for c in page.components] == [VIDEO]
    assert len(page.incidents) == 1


def test_proxy_unknown_component_status_is_unknown_not_operational():
    content = load_fixture("incidentio_proxy/degraded.json").replace(
        b'"status": "degraded_performance"', b'"status": "sparkly"', 1
    )
    page = parse_incidentio_proxy(content, {})
    assert statuses(page)[CHAT] == Status.UNKNOWN


@pytest.mark.parametrize(
    "fixture",
    [
        "incidentio_proxy/changed.json",
        "incidentio/summary_degraded.json",
        "statuspage/summary_operational.json",
        "challenge_page.html",
    ],
)
def test_proxy_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_incidentio_proxy(load_fixture(fixture), {})


def test_feed_keys_on_the_trailing_ulid_and_reads_the_latest_update():
    page = feed("incident")
    incident = page.incidents[0]
    assert incident.external_id == "01M5C8D0E2F4G6H8J0K2M4N6P8"
    assert incident.url == "https://status.example-chat.test/incidents/01M5C8D0E2F4G6H8J0K2M4N6P8"
    assert incident.status == IncidentStatus.IDENTIFIED
    assert incident.impact == Impact.CRITICAL  # "Full outage" among the components
    assert incident.component_names == ("Chat app", "Responses API")
    assert incident.updates[0].body == "We found the cause and are fixing it & watching."
    assert incident.partial
    assert not page.lists_all_open_incidents
    assert not page.has_component_states


def test_feed_matrix():
    assert [i.status for i in feed("healthy").incidents] == [IncidentStatus.RESOLVED]
    degraded = feed("degraded").incidents[0]
    assert degraded.status == IncidentStatus.INVESTIGATING
    assert degraded.impact == Impact.MINOR
    resolved = feed("resolved").incidents[0]
    assert resolved.status == IncidentStatus.RESOLVED
    assert resolved.resolved_at == datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
    maintenance = feed("maintenance").incidents[0]
    assert maintenance.is_maintenance
    assert maintenance.status == IncidentStatus.IN_PROGRESS
    assert feed("empty").incidents == ()


def test_feed_unknown_status_word_keeps_the_incident_open():
    content = load_fixture("incidentio_feed/resolved.atom").replace(
        b"Status: Resolved</b><br/><br/>All", b"Status: Mostly fine</b><br/><br/>All"
    )
    incident = parse_incidentio_feed(content, {}).incidents[0]
    assert incident.is_open
    assert incident.status == IncidentStatus.INVESTIGATING


@pytest.mark.parametrize(
    "fixture",
    [
        "incidentio_feed/changed.atom",
        "statuspage_feed/incident.atom",
        "feed/healthy.xml",
        "incidentio/summary_degraded.json",
    ],
)
def test_feed_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_incidentio_feed(load_fixture(fixture), {})


@pytest.mark.django_db
def test_a_served_proxy_page_flips_components_and_back(status_server):
    source = make_source(url=status_server.url("/proxy/status.example-ai.test"))
    assert serve_and_poll(status_server, source, "incidentio_proxy/healthy.json").state == "ok"
    assert provider_status(source) == "operational"
    assert serve_and_poll(status_server, source, "incidentio_proxy/incident.json").state == "ok"
    assert provider_status(source) == "major_outage"
    assert Component.objects.get(external_id=VIDEO).status == "major_outage"
    incident = Incident.objects.get()
    assert set(incident.components.values_list("external_id", flat=True)) == {VIDEO, API}
    assert serve_and_poll(status_server, source, "incidentio_proxy/healthy.json").state == "ok"
    incident.refresh_from_db()
    assert not incident.is_open
    assert provider_status(source) == "operational"


@pytest.mark.django_db
def test_a_served_incidentio_feed_is_recorded_with_components_by_name(status_server):
    source = make_source(url=status_server.url("/history.atom"))
    assert serve_and_poll(status_server, source, "incidentio_feed/incident.atom").state == "ok"
    source.refresh_from_db()
    assert source.detected_format == "incidentio_feed"
    incident = Incident.objects.get(external_id="01M5C8D0E2F4G6H8J0K2M4N6P8")
    assert incident.is_open
    assert incident.impact == "critical"
    assert provider_status(source) == "major_outage"
    assert serve_and_poll(status_server, source, "incidentio_feed/resolved.atom").state == "ok"
    incident.refresh_from_db()
    assert not incident.is_open
    # The start stays where the first poll saw it, though the feed only shows the last update.
    assert incident.started_at == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    assert incident.updates.count() == 2
    assert provider_status(source) == "operational"


def test_feed_keeps_an_archived_statuspage_id_as_an_alias():
    content = load_fixture("incidentio_feed/healthy.atom").replace(
        b'<link href="https://status.example-chat.test//incidents/01M4Z0000000000000000QRS01"/>',
        b'<link href="https://status.example-chat.test/incidents/6bwlxnvdncnm"/>',
    )
    (incident,) = parse_incidentio_feed(content, {}).incidents
    assert incident.external_id == "01M4Z0000000000000000QRS01"
    assert incident.aliases == ("6bwlxnvdncnm",)
    only_old = content.replace(
        b"<id>https://status.example-chat.test//incidents/01M4Z0000000000000000QRS01</id>",
        b"<id>https://status.example-chat.test/incidents/6bwlxnvdncnm</id>",
    )
    (incident,) = parse_incidentio_feed(only_old, {}).incidents
    assert incident.external_id == "6bwlxnvdncnm"
    assert incident.aliases == ()


@pytest.mark.django_db
def test_a_feed_may_raise_an_incidents_impact_but_never_lowers_it(status_server):
    source = make_source(url=status_server.url("/feed.atom"))
    first = (
        load_fixture("incidentio_feed/incident.atom")
        .replace(b"<li>Chat app (Full outage)</li>", b"<li>Chat app (Degraded performance)</li>")
        .replace(b"<li>Responses API (Partial outage)</li>", b"")
    )
    status_server.set("/feed.atom", first)
    from probes.status.polling import poll_source

    assert poll_source(source).state == "ok"
    incident = Incident.objects.get(external_id="01M5C8D0E2F4G6H8J0K2M4N6P8")
    assert incident.impact == "minor"
    assert serve_and_poll(status_server, source, "incidentio_feed/incident.atom").state == "ok"
    incident.refresh_from_db()
    assert incident.impact == "critical"
    assert serve_and_poll(status_server, source, "incidentio_feed/resolved.atom").state == "ok"
    incident.refresh_from_db()
    assert incident.impact == "critical"
    assert not incident.is_open


def test_proxy_update_messages_may_be_rich_text_trees():
    document = json.loads(load_fixture("incidentio_proxy/incident.json"))
    update = document["summary"]["ongoing_incidents"][0]["updates"][0]
    del update["message_string"]
    update["message"] = {
        "type": "doc",
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "First line."}]},
            {
                "type": "paragraph",
                "content": [{"type": "text", "text": "Second "}, {"type": "text", "text": "line."}],
            },
        ],
    }
    (incident,) = parse_incidentio_proxy(json.dumps(document).encode(), {}).incidents
    assert incident.updates[0].body == "First line.\nSecond line."


def test_rich_text_of_odd_values_is_empty():
    from probes.parsers.incidentio import rich_text

    assert rich_text(None) == ""
    assert rich_text(42) == ""
    assert rich_text("plain") == "plain"
