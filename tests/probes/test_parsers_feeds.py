"""Generic RSS/Atom feeds (xAI-style categories), Azure's status RSS, and safe XML loading."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.models import Incident
from probes.parsers.feeds import html_to_text, load_feed, parse_azure_status, parse_feed
from probes.parsers.payload import refuse_xml_declarations
from probes.parsers.types import Impact, IncidentStatus, ParseError
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll


def feed(name: str, filters=None):
    return parse_feed(load_fixture(f"feed/{name}"), filters or {})


def azure(name: str, filters=None):
    return parse_azure_status(load_fixture(f"azure_status/{name}.rss"), filters or {})


def test_resolved_history_with_severity_and_state_categories():
    page = feed("healthy.xml")
    assert not page.lists_all_open_incidents
    assert not page.has_component_states
    (incident,) = page.incidents
    assert incident.external_id == "INC5a1b2c3d"
    assert incident.title == "[API Console] Console not loading"
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.impact == Impact.NONE  # "available"
    assert [u.status for u in incident.updates] == [
        IncidentStatus.INVESTIGATING,
        IncidentStatus.UPDATE,
    ]
    assert incident.resolved_at == datetime(2026, 11, 10, 4, 0, tzinfo=UTC)


def test_degraded_and_outage_categories():
    degraded = feed("degraded.xml").incidents[0]
    assert degraded.impact == Impact.MINOR
    assert degraded.status == IncidentStatus.INVESTIGATING
    outage = feed("incident.xml").incidents[0]
    assert outage.impact == Impact.CRITICAL
    assert outage.status == IncidentStatus.IDENTIFIED
    assert [u.body for u in outage.updates] == [
        "Chat fails to load.",
        "A bad deploy; rolling back.",
        "Rolled back; watching.",
    ]
    assert outage.started_at == datetime(2026, 11, 21, 14, 55, tzinfo=UTC)


def test_resolved_and_maintenance_and_empty():
    resolved = feed("resolved.xml").incidents[0]
    assert resolved.status == IncidentStatus.RESOLVED
    assert resolved.resolved_at == datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    maintenance = feed("maintenance.xml").incidents[0]
    assert maintenance.is_maintenance
    assert maintenance.status == IncidentStatus.SCHEDULED
    assert feed("empty.xml").incidents == ()


def test_title_prefixes_and_entries_without_any_state():
    resolved, unknown = feed("betterstack_style.rss").incidents
    assert resolved.status == IncidentStatus.RESOLVED
    assert resolved.title == "Inference API unavailable"
    # Nothing says it ended: it stays open, with a guessed impact the owner may correct.
    assert unknown.is_open
    assert unknown.partial
    assert feed("betterstack_style.rss").notes


def test_keyword_filter():
    page = feed("incident.xml", {"keywords": ["chat"]})
    assert [i.external_id for i in page.incidents] == ["INC7e8f9a0b"]


def test_azure_healthy_feed_has_no_items():
    page = azure("healthy")
    assert page.incidents == ()
    assert page.lists_all_open_incidents


def test_azure_items_are_active_incidents_without_severity():
    page = azure("incident")
    assert len(page.incidents) == 2
    first = page.incidents[0]
    assert first.external_id == "AZ-7K2-LQ9"
    assert first.is_open
    assert first.impact == Impact.MINOR
    assert first.partial
    assert "Engineers are rerouting traffic." in first.updates[0].body
    filtered = azure("incident", {"keywords": ["OpenAI"]})
    assert [i.external_id for i in filtered.incidents] == ["AZ-7K2-LQ9"]
    assert azure("degraded").incidents[0].started_at == datetime(2026, 11, 21, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "fixture", ["azure_status/changed.rss", "feed/healthy.xml", "aws_rss/incident.rss"]
)
def test_azure_refuses_other_feeds(fixture):
    with pytest.raises(ParseError):
        parse_azure_status(load_fixture(fixture), {})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://x.test/a.dtd"><rss/>', "DOCTYPE"),
        (b'<?xml version="1.0"?>\n<!ENTITY lol "lol"><rss version="2.0"/>', "DOCTYPE or entity"),
        (
            '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE x [<!ENTITY a "b">]><rss/>'.encode(
                "utf-16"
            ),
            "DOCTYPE",
        ),
        (b'{"items": []}', "got JSON"),
        (b"<html><body>hello</body></html>", "HTML"),
        (load_fixture("feed/changed.xml"), "not an RSS or Atom feed"),
        (b"   ", "empty body"),
    ],
)
def test_feed_loading_refuses_declarations_json_html_and_non_feeds(content, reason):
    with pytest.raises(ParseError, match=reason):
        load_feed(content)


def test_xml_declaration_check_passes_plain_feeds():
    refuse_xml_declarations(load_fixture("feed/healthy.xml"))


def test_html_to_text_keeps_line_breaks_and_decodes_entities_once():
    assert html_to_text("<p>a &amp;amp; b</p><p>c<br/>d</p>") == "a &amp; b\nc\nd"


@pytest.mark.django_db
def test_a_served_feed_opens_and_resolves_an_incident(status_server):
    source = make_source(url=status_server.url("/feed.xml"))
    assert serve_and_poll(status_server, source, "feed/incident.xml").state == "ok"
    source.refresh_from_db()
    assert source.detected_format == "feed"
    assert provider_status(source) == "major_outage"
    assert serve_and_poll(status_server, source, "feed/resolved.xml").state == "ok"
    incident = Incident.objects.get(external_id="INC7e8f9a0b")
    assert not incident.is_open
    assert provider_status(source) == "operational"


@pytest.mark.django_db
def test_a_served_azure_feed_closes_items_that_leave_it(status_server):
    source = make_source(
        url=status_server.url("/en-us/status/feed/"), filters={"keywords": ["OpenAI"]}
    )
    assert serve_and_poll(status_server, source, "azure_status/incident.rss").state == "ok"
    assert provider_status(source) == "degraded_performance"
    assert serve_and_poll(status_server, source, "azure_status/healthy.rss").state == "ok"
    assert Incident.objects.open().count() == 0
    assert provider_status(source) == "operational"


def test_an_update_prefix_leaves_the_incident_investigating():
    content = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>S</title>'
        b"<link>https://status.example.test</link><item><title>Update: Slow logins</title>"
        b"<guid>a1</guid><pubDate>Sat, 21 Nov 2026 12:00:00 +0000</pubDate>"
        b"<description>Still looking.</description></item></channel></rss>"
    )
    (incident,) = parse_feed(content, {}).incidents
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.title == "Slow logins"
    assert incident.updates[0].status == IncidentStatus.UPDATE
