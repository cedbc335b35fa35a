"""A long random run of page states: one event per transition, each delivered exactly once."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from alerts.delivery import deliver_pending
from alerts.models import Channel, Delivery, Event
from probes.models import Provider, Source, StatusChange
from probes.status.polling import poll_source
from tests.alerts.pages import summary

pytestmark = pytest.mark.django_db

STATES = ["operational", "operational", "degraded_performance", "partial_outage", "major_outage"]
COMPONENTS = [f"c{n:02d}" for n in range(12)]


def test_a_random_run_gives_one_event_per_poll_that_changed_something(status_server, receiver):
    chooser = random.Random(20261120)
    provider = Provider.objects.create(slug="example", name="Example AI", capabilities=["chat"])
    source = Source.objects.create(
        provider=provider, url=status_server.url("/s.json"), kind="statuspage"
    )
    Channel.objects.create(name="hook", kind="webhook", url=receiver.url("/hook"))
    status_server.set("/s.json", summary(dict.fromkeys(COMPONENTS, "operational")))
    poll_source(source)

    changed_polls = 0
    for _ in range(25):
        # Mostly whole-provider swings (many components at once), sometimes a single component.
        if chooser.random() < 0.7:
            state = chooser.choice(STATES)
            statuses = dict.fromkeys(COMPONENTS, state)
        else:
            statuses = {c: "operational" for c in COMPONENTS}
            statuses[chooser.choice(COMPONENTS)] = chooser.choice(STATES)
        before = StatusChange.objects.count()
        status_server.set("/s.json", summary(statuses))
        source.refresh_from_db()
        poll_source(source)
        changed_polls += StatusChange.objects.count() > before
        if chooser.random() < 0.3:
            deliver_pending()
    deliver_pending()

    assert Event.objects.count() == changed_polls
    assert Delivery.objects.filter(state="sent").count() == changed_polls
    keys = Counter(request.headers["Idempotency-Key"] for request in receiver.requests)
    assert len(keys) == changed_polls
    assert set(keys.values()) == {1}
    # Every thread opens with a first message and each later one is marked as its update.
    for request in receiver.requests:
        event = json.loads(request.body)["event"]
        assert event["is_update"] == (event["in_reply_to"] is not None)
        if event["is_update"]:
            assert json.loads(request.body)["title"].startswith("Update: ")
