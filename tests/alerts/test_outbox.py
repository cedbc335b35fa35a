"""Events are written with the poll that caused them: one per transition, grouped, threaded."""

from __future__ import annotations

import pytest
from django.db import transaction

from alerts.events import EventType
from alerts.models import Channel, Delivery, Event
from probes.models import Provider, Source
from probes.status.polling import poll_source
from tests.alerts.pages import incident, summary
from tests.factories import make_provider, make_source

pytestmark = pytest.mark.django_db

TWELVE = [f"component-{n:02d}" for n in range(12)]


@pytest.fixture
def source(status_server) -> Source:
    """The example provider's Statuspage summary, served by the local server."""
    provider = make_provider("example", capabilities=["chat"], url="https://status.example.test")
    return make_source(provider, url=status_server.url("/example/summary.json"), kind="statuspage")


def serve(server, source: Source, body: bytes) -> None:
    server.set(source.url.split(str(server.port), 1)[1], body)


def poll(server, source: Source, body: bytes):
    serve(server, source, body)
    source.refresh_from_db()
    return poll_source(source)


def test_the_first_healthy_sighting_of_a_provider_is_not_an_event(status_server, source):
    Channel.objects.create(name="all", url="json://127.0.0.1:9/hook")
    poll(status_server, source, summary(dict.fromkeys(TWELVE, "operational")))
    assert Event.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_twelve_components_going_down_in_one_poll_make_one_event_and_one_delivery(
    status_server, source
):
    channel = Channel.objects.create(name="all", url="json://127.0.0.1:9/hook")
    poll(status_server, source, summary(dict.fromkeys(TWELVE, "operational")))

    down = incident(
        "inc1",
        "Everything is failing",
        components=tuple(TWELVE),
        updates=(("u1", "investigating", "We are looking into it."),),
    )
    poll(status_server, source, summary(dict.fromkeys(TWELVE, "major_outage"), incidents=(down,)))

    event = Event.objects.get()
    assert event.type == EventType.STATUS_CHANGED
    assert set(event.types) == {EventType.STATUS_CHANGED, EventType.INCIDENT_OPENED}
    assert event.severity == "major_outage"
    assert event.payload["status"] == {"old": "operational", "new": "major_outage"}
    assert sorted(c["name"] for c in event.payload["components"]) == TWELVE
    assert [i["title"] for i in event.payload["incidents"]] == ["Everything is failing"]
    assert event.root is None
    assert event.thread_closed_at is None
    assert list(Delivery.objects.values_list("event_id", "channel_id")) == [(event.pk, channel.pk)]


def test_recovery_is_a_follow_up_that_closes_the_thread(status_server, source):
    poll(status_server, source, summary(dict.fromkeys(TWELVE, "operational")))
    down = incident("inc1", "Everything is failing", components=tuple(TWELVE))
    poll(status_server, source, summary(dict.fromkeys(TWELVE, "major_outage"), incidents=(down,)))
    poll(status_server, source, summary(dict.fromkeys(TWELVE, "operational")))

    outage, recovery = Event.objects.order_by("at", "pk")
    assert recovery.root == outage
    assert recovery.closes_thread
    assert set(recovery.types) == {EventType.STATUS_CHANGED, EventType.INCIDENT_RESOLVED}
    assert recovery.payload["status"] == {"old": "major_outage", "new": "operational"}
    # "Recovered from a major outage" is as severe as the outage, so it passes the same filters.
    assert recovery.severity == "major_outage"
    outage.refresh_from_db()
    assert outage.thread_closed_at == recovery.at


def test_an_incident_update_in_a_later_poll_is_a_follow_up_of_the_outage(status_server, source):
    poll(status_server, source, summary({"api": "operational"}))
    first = incident(
        "inc1", "API down", components=("api",), updates=(("u1", "investigating", "Looking."),)
    )
    poll(status_server, source, summary({"api": "major_outage"}, incidents=(first,)))
    second = incident(
        "inc1",
        "API down",
        status="identified",
        components=("api",),
        updates=(("u1", "investigating", "Looking."), ("u2", "identified", "Found the cause.")),
    )
    poll(status_server, source, summary({"api": "major_outage"}, incidents=(second,)))

    outage, update = Event.objects.order_by("at", "pk")
    assert update.type == EventType.INCIDENT_UPDATED
    assert update.root == outage
    assert not update.closes_thread
    assert update.payload["incidents"][0]["latest_update"] == "Found the cause."


def test_each_incident_of_an_event_carries_its_own_newest_post_and_components(
    status_server, source
):
    poll(status_server, source, summary({"api": "operational", "chat": "operational"}))
    api = incident(
        "inc1",
        "API down",
        components=("api",),
        updates=(("u1", "investigating", "Looking."), ("u2", "identified", "Found it.")),
    )
    chat = incident(
        "inc2",
        "Chat slow",
        components=("api", "chat"),
        updates=(("u3", "investigating", "Chat is slow."),),
    )
    quiet = incident("inc3", "Nothing said yet")
    states = {"api": "major_outage", "chat": "degraded_performance"}
    poll(status_server, source, summary(states, incidents=(api, chat, quiet)))

    event = Event.objects.get()
    listed = {entry["title"]: entry for entry in event.payload["incidents"]}
    assert listed["API down"]["latest_update"] == "Found it."
    assert listed["API down"]["components"] == ["api"]
    assert listed["Chat slow"]["latest_update"] == "Chat is slow."
    assert listed["Chat slow"]["components"] == ["api", "chat"]
    assert listed["Nothing said yet"]["latest_update"] == ""
    assert listed["Nothing said yet"]["components"] == []


def test_a_source_that_blinks_unreadable_once_says_nothing(status_server, settings, source):
    settings.AIWATCH_ALERT_UNREADABLE_AFTER = 3
    poll(status_server, source, summary({"api": "operational"}))
    status_server.set("/example/summary.json", b"<html>busy</html>", status=503)
    source.refresh_from_db()
    poll_source(source)
    assert Provider.objects.get().status == "unknown"
    poll(status_server, source, summary({"api": "operational"}))
    assert Event.objects.count() == 0


def test_a_source_unreadable_for_n_polls_alerts_once_and_its_recovery_follows_up(
    status_server, settings, source
):
    settings.AIWATCH_ALERT_UNREADABLE_AFTER = 2
    poll(status_server, source, summary({"api": "operational"}))
    status_server.set("/example/summary.json", b"nope", status=500)
    for _ in range(4):
        source.refresh_from_db()
        poll_source(source)
    unreadable = Event.objects.get()
    assert unreadable.type == EventType.SOURCE_UNREADABLE
    assert "HTTP 500" in unreadable.payload["source"]["error"]

    poll(status_server, source, summary({"api": "operational"}))
    readable = Event.objects.exclude(pk=unreadable.pk).get()
    assert readable.type == EventType.SOURCE_RECOVERED
    assert readable.root == unreadable
    assert readable.closes_thread


def test_an_event_rolls_back_with_the_poll_that_caused_it(status_server, source):
    Channel.objects.create(name="all", url="json://127.0.0.1:9/hook")
    poll(status_server, source, summary({"api": "operational"}))
    seen_inside = []

    def poll_then_fail() -> None:
        with transaction.atomic():
            poll(status_server, source, summary({"api": "major_outage"}))
            seen_inside.append(Event.objects.count())
            raise RuntimeError("the recording transaction fails after the signal")

    with pytest.raises(RuntimeError):
        poll_then_fail()
    assert seen_inside == [1]
    assert Event.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_a_maintenance_starting_and_ending_makes_two_events(status_server, source):
    poll(status_server, source, summary({"api": "operational"}))
    window = incident(
        "mnt1", "Database upgrade", status="in_progress", impact="maintenance", components=("api",)
    )
    window["scheduled_for"] = "2026-11-20T10:00:00.000Z"
    window["scheduled_until"] = "2026-11-20T12:00:00.000Z"
    poll(status_server, source, summary({"api": "under_maintenance"}, maintenances=(window,)))
    poll(status_server, source, summary({"api": "operational"}))

    started, ended = Event.objects.order_by("at", "pk")
    assert started.type == EventType.MAINTENANCE_STARTED
    assert ended.type == EventType.MAINTENANCE_ENDED
    assert ended.root == started
    assert ended.closes_thread


def test_an_observed_outage_and_its_recovery_are_events_of_their_own(status_server, source):
    from alerts.outbox import record_observed_change

    poll(status_server, source, summary({"api": "operational"}))
    at = source.last_polled_at
    assert at is not None
    confirmed = record_observed_change(
        source.provider, "operational", "major_outage", at=at, detail="5 of 5 probes failed"
    )
    assert confirmed is not None
    assert confirmed.type == EventType.OBSERVED_OUTAGE
    assert confirmed.severity == "major_outage"
    assert record_observed_change(source.provider, "major_outage", "major_outage", at=at) is None
    recovered = record_observed_change(source.provider, "major_outage", "operational", at=at)
    assert recovered is not None
    assert recovered.type == EventType.OBSERVED_RECOVERED


@pytest.mark.django_db(transaction=True)
def test_a_committed_delivery_wakes_a_worker_through_the_broker(
    status_server, redis_server, settings, source
):
    from aiwatch.celery import app

    settings.AIWATCH_ALERT_ENQUEUE_ON_COMMIT = True
    client = redis_server.client()
    client.delete("control", "celery")
    previous = app.conf.broker_url
    app.conf.broker_url = redis_server.celery_url  # type: ignore[misc]
    try:
        Channel.objects.create(name="all", url="json://127.0.0.1:9/hook")
        poll(status_server, source, summary({"api": "operational"}))
        assert client.llen("control") == 0
        poll(status_server, source, summary({"api": "major_outage"}))
        # On the control queue, ahead of any backlog of poll batches.
        assert client.llen("control") == 1
        assert client.llen("celery") == 0
    finally:
        app.conf.broker_url = previous  # type: ignore[misc]
        client.delete("control", "celery")


def test_the_observed_signal_receiver_takes_only_provider_wide_changes(status_server, source):
    from alerts.outbox import on_observed_status_changed

    poll(status_server, source, summary({"api": "operational"}))
    at = source.last_polled_at
    on_observed_status_changed(
        None, provider=source.provider, source=source, old="operational", new="major_outage", at=at
    )
    assert not Event.objects.exists()
    on_observed_status_changed(
        None, provider=source.provider, source=None, old="operational", new="major_outage", at=at
    )
    assert Event.objects.get().type == EventType.OBSERVED_OUTAGE


def test_a_component_change_inside_an_ongoing_outage_is_one_follow_up(status_server, source):
    poll(status_server, source, summary({"api": "operational", "chat": "operational"}))
    poll(status_server, source, summary({"api": "major_outage", "chat": "operational"}))
    poll(status_server, source, summary({"api": "major_outage", "chat": "partial_outage"}))
    outage, follow_up = Event.objects.order_by("at", "pk")
    assert "status" not in follow_up.payload
    assert follow_up.root == outage
    assert follow_up.payload["title"] == "Example: chat partial outage"


def test_a_failure_in_the_outbox_never_rolls_back_the_poll(status_server, monkeypatch, source):
    poll(status_server, source, summary({"api": "operational"}))

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in alerts")

    monkeypatch.setattr("alerts.outbox.record_poll_event", broken)
    assert poll(status_server, source, summary({"api": "major_outage"})).state == "ok"
    assert Provider.objects.get().status == "major_outage"
    assert not Event.objects.exists()


def test_the_probing_signal_writes_an_observed_outage_event(status_server, source):
    from probes import signals
    from probes.parsers.types import Status

    poll(status_server, source, summary({"api": "operational"}))
    Channel.objects.create(name="all", url="json://127.0.0.1:9/hook")
    signals.observed_status_changed.send(
        sender=Provider,
        provider=source.provider,
        source=None,
        old=Status.OPERATIONAL,
        new=Status.MAJOR_OUTAGE,
        at=source.last_polled_at,
        transition=None,
    )
    event = Event.objects.get()
    assert event.type == EventType.OBSERVED_OUTAGE
    assert event.payload["observed"] == {"old": "operational", "new": "major_outage", "detail": ""}
    assert Delivery.objects.filter(event=event).count() == 1


def test_one_of_two_sources_breaking_never_says_now_unknown(status_server, settings, source):
    from alerts.messages import build_message

    settings.AIWATCH_ALERT_UNREADABLE_AFTER = 2
    feed = make_source(source.provider, url=status_server.url("/example/history.atom"), kind="feed")
    status_server.set(
        "/example/history.atom",
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>',
    )
    poll_source(feed)
    poll(status_server, source, summary({"api": "major_outage"}))
    outage = Event.objects.get()
    assert outage.payload["status"]["new"] == "major_outage"

    status_server.set("/example/history.atom", b"nope", status=500)
    for _ in range(3):
        feed.refresh_from_db()
        poll_source(feed)
    assert Provider.objects.get().status == "major_outage"
    unreadable = Event.objects.exclude(pk=outage.pk).get()
    assert unreadable.type == EventType.SOURCE_UNREADABLE
    assert "status" not in unreadable.payload
    assert unreadable.payload["source"]["others_say"] == "major_outage"
    message = build_message(
        event_type=unreadable.type,
        types=unreadable.types,
        severity=unreadable.severity,
        at=unreadable.at.isoformat(),
        payload=unreadable.payload,
        event_id="2",
        thread="1",
        is_update=True,
        closes_thread=False,
        key="k",
        base_url="http://localhost:8000",
    )
    assert message.title == (
        "Update: Example: one status source unreadable; the others still say Major outage"
    )
    assert "Unknown" not in message.body
    assert "now **" not in message.body
