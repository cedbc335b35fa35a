"""A page's API and its feed merge: each incident and update once, each transition alerted once.

A provider with Statuspage's summary.json and its history.atom, both served by the local
server, replayed through an outage and its resolution in both orders.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts.events import EventType
from alerts.models import Channel, Event
from probes.models import Incident, IncidentUpdate, Provider, Source
from probes.status import resolution
from probes.status.polling import PollResult, poll_source
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v2/summary.json"
FEED = "/history.atom"
ENDPOINT = "/api/v2/incidents/k2v9x8w7q1rt.json"
RESOLUTION = (
    "This incident has been resolved. All traffic is back on the primary database and error "
    "rates are normal."
)


@pytest.fixture(autouse=True)
def _no_broker_wakeups(settings):
    settings.AIWATCH_ALERT_ENQUEUE_ON_COMMIT = False


@pytest.fixture
def sources(status_server) -> tuple[Source, Source]:
    provider = Provider.objects.create(slug="example", name="Example AI")
    Channel.objects.create(name="all", url="json://127.0.0.1:9/hook")
    summary = Source.objects.create(
        provider=provider, url=status_server.url(SUMMARY), kind="statuspage"
    )
    feed = Source.objects.create(
        provider=provider, url=status_server.url(FEED), kind="statuspage_feed"
    )
    return summary, feed


def poll(status_server, source: Source, fixture: str) -> PollResult:
    path = SUMMARY if source.url.endswith(SUMMARY) else FEED
    status_server.set(path, load_fixture(fixture))
    source.refresh_from_db()
    result = poll_source(source)
    assert result.state in ("ok", "unchanged"), result
    return result


def rows() -> tuple[int, int, int]:
    return Incident.objects.count(), IncidentUpdate.objects.count(), Event.objects.count()


def the_incident() -> Incident:
    return Incident.objects.get(external_id="k2v9x8w7q1rt")


def test_summary_and_feed_store_each_update_once_and_alert_each_transition_once(
    status_server, sources
):
    summary, feed = sources
    status_server.set(ENDPOINT, load_fixture("same_page/incident_resolved.json"))
    poll(status_server, summary, "statuspage/summary_operational.json")
    poll(status_server, summary, "statuspage/summary_major_outage.json")
    poll(status_server, feed, "same_page/history_outage.atom")
    assert the_incident().updates.count() == 3
    # The feed's older, resolved incident is history, not news.
    assert Event.objects.count() == 1

    poll(status_server, summary, "statuspage/summary_operational.json")
    poll(status_server, feed, "same_page/history_resolved.atom")

    incident = the_incident()
    assert not incident.is_open
    assert incident.resolved_at == datetime(2026, 11, 20, 11, 12, 30, 412000, tzinfo=UTC)
    assert list(incident.updates.values_list("status", flat=True)) == [
        "investigating",
        "investigating",
        "identified",
        "resolved",
    ]
    outage, recovery = Event.objects.order_by("at", "pk")
    assert outage.payload["status"] == {"old": "operational", "new": "major_outage"}
    assert recovery.root_id == outage.pk
    assert recovery.closes_thread
    assert EventType.INCIDENT_RESOLVED in recovery.types
    [entry] = recovery.payload["incidents"]
    assert entry["latest_update"] == RESOLUTION

    # Idempotent: the same payloads again change nothing.
    before = rows()
    for source, fixture in (
        (summary, "statuspage/summary_operational.json"),
        (feed, "same_page/history_resolved.atom"),
    ):
        Source.objects.filter(pk=source.pk).update(body_hash="")
        poll(status_server, source, fixture)
    assert rows() == before


def test_the_feed_first_then_the_api_still_gives_one_incident_with_each_update_once(
    status_server, sources
):
    summary, feed = sources
    status_server.set(ENDPOINT, load_fixture("same_page/incident_resolved.json"))
    poll(status_server, feed, "same_page/history_outage.atom")
    poll(status_server, summary, "statuspage/summary_major_outage.json")
    incident = the_incident()
    assert incident.updates.count() == 3
    # The API, the fuller reading, owns the incident now: its impact and its closing count.
    assert incident.source_id == summary.pk
    assert incident.impact == "critical"

    # The feed sees the resolution first: stored once, and announced once, by the owner.
    poll(status_server, feed, "same_page/history_resolved.atom")
    assert the_incident().is_open
    events_while_open = Event.objects.count()
    poll(status_server, summary, "statuspage/summary_operational.json")
    incident = the_incident()
    assert not incident.is_open
    assert incident.updates.count() == 4
    resolved_events = [e for e in Event.objects.all() if EventType.INCIDENT_RESOLVED in e.types]
    assert len(resolved_events) == 1
    assert Event.objects.count() == events_while_open + 1
    assert resolved_events[0].payload["incidents"][0]["latest_update"] == RESOLUTION


def test_a_failed_resolution_fetch_resolves_anyway_and_records_the_text_later(
    status_server, sources
):
    summary, feed = sources
    status_server.set(ENDPOINT, b"upstream error", status=502)
    poll(status_server, summary, "statuspage/summary_major_outage.json")
    poll(status_server, summary, "statuspage/summary_operational.json")
    incident = the_incident()
    assert not incident.is_open
    assert incident.details[resolution.PENDING_KEY] == {"pending": True, "tries": 1}
    [recovery] = [e for e in Event.objects.all() if EventType.INCIDENT_RESOLVED in e.types]
    # The last text held is from before the fix: not passed off as the closing words.
    entry = recovery.payload["incidents"][0]
    assert (entry["latest_update"], entry["closing_words_pending"]) == ("", True)
    events = Event.objects.count()

    # The next poll (same body) asks again; now the endpoint answers.
    status_server.set(ENDPOINT, load_fixture("same_page/incident_resolved.json"))
    poll(status_server, summary, "statuspage/summary_operational.json")
    incident = the_incident()
    assert incident.updates.order_by("-at").first().body == RESOLUTION
    assert incident.resolved_at == datetime(2026, 11, 20, 11, 12, 30, 412000, tzinfo=UTC)
    assert resolution.PENDING_KEY not in incident.details
    # The text arrived late: stored, not announced a second time.
    assert Event.objects.count() == events
    # And the feed bringing the same text stores nothing more.
    poll(status_server, feed, "same_page/history_resolved.atom")
    assert the_incident().updates.count() == 4
    assert Event.objects.count() == events


def test_the_feed_brings_the_text_when_the_endpoint_never_answers(status_server, sources):
    summary, feed = sources
    status_server.set(ENDPOINT, b"not found", status=404)
    poll(status_server, summary, "statuspage/summary_major_outage.json")
    poll(status_server, summary, "statuspage/summary_operational.json")
    events = Event.objects.count()
    poll(status_server, feed, "same_page/history_resolved.atom")
    incident = the_incident()
    assert incident.updates.order_by("-at").first().body == RESOLUTION
    assert resolution.PENDING_KEY not in incident.details
    assert Event.objects.count() == events


def test_asking_stops_after_a_few_tries(status_server, sources):
    summary, _feed = sources
    status_server.set(ENDPOINT, b"not found", status=404)
    poll(status_server, summary, "statuspage/summary_major_outage.json")
    for _ in range(resolution.MAX_TRIES + 2):
        poll(status_server, summary, "statuspage/summary_operational.json")
    asked = [r for r in status_server.requests if r.path == ENDPOINT]
    assert len(asked) == resolution.MAX_TRIES
    assert the_incident().details[resolution.PENDING_KEY]["pending"] is False


def test_a_hanging_endpoint_cannot_hold_the_poll_past_its_budget(status_server, sources, settings):
    summary, _feed = sources
    settings.AIWATCH_HTTP_TOTAL_TIMEOUT = 1.5
    status_server.set(ENDPOINT, load_fixture("same_page/incident_resolved.json"), delay=10)
    poll(status_server, summary, "statuspage/summary_major_outage.json")
    result = poll(status_server, summary, "statuspage/summary_operational.json")
    assert result.state == "ok"
    incident = the_incident()
    assert not incident.is_open
    assert incident.details[resolution.PENDING_KEY]["pending"] is True


def test_incidentio_api_and_atom_merge_and_the_resolution_comes_from_incidents_json(
    status_server,
):
    provider = Provider.objects.create(slug="chat", name="Example Chat")
    Channel.objects.create(name="all", url="json://127.0.0.1:9/hook")
    api = Source.objects.create(provider=provider, url=status_server.url(SUMMARY), kind="auto")
    feed = Source.objects.create(provider=provider, url=status_server.url(FEED), kind="auto")
    status_server.set("/api/v2/incidents.json", load_fixture("same_page/incidentio_incidents.json"))
    poll(status_server, api, "same_page/incidentio_summary_clear.json")
    poll(status_server, api, "same_page/incidentio_summary_outage.json")
    poll(status_server, feed, "same_page/incidentio_history.atom")
    incident = Incident.objects.get()
    # The feed's Markdown-free rendering of the latest update is the API's update.
    assert incident.updates.count() == 2
    assert Event.objects.count() == 1

    poll(status_server, api, "same_page/incidentio_summary_clear.json")
    incident = Incident.objects.get()
    assert not incident.is_open
    assert incident.updates.order_by("-at").first().body.startswith("All impacted services")
    outage, recovery = Event.objects.order_by("at", "pk")
    assert recovery.root_id == outage.pk
    assert recovery.payload["incidents"][0]["latest_update"].startswith("All impacted services")
