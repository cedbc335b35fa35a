"""Channels choose providers, components, a minimum severity and event types."""

from __future__ import annotations

import pytest

from alerts.events import EventType
from alerts.models import Channel, Delivery, Event
from alerts.outbox import fan_out
from alerts.subscriptions import EventFacts, Subscription, matches
from probes.models import Provider
from probes.parsers.types import Status

OUTAGE = EventFacts(
    provider="openai",
    types=frozenset({EventType.STATUS_CHANGED, EventType.INCIDENT_OPENED}),
    severity=Status.MAJOR_OUTAGE,
    components=frozenset({"API", "cmp0api00002", "ChatGPT"}),
)


@pytest.mark.parametrize(
    ("subscription", "expected"),
    [
        (Subscription.build(), True),
        (Subscription.build(providers=["openai"]), True),
        (Subscription.build(providers=["anthropic"]), False),
        (Subscription.build(components=["api"]), True),
        (Subscription.build(components=["CMP0API00002"]), True),
        (Subscription.build(components=["Sora"]), False),
        (Subscription.build(min_severity=Status.MAJOR_OUTAGE), True),
        (Subscription.build(min_severity=Status.DEGRADED_PERFORMANCE), True),
        (Subscription.build(events=[EventType.INCIDENT_OPENED]), True),
        (Subscription.build(events=[EventType.INCIDENT_RESOLVED]), False),
        (Subscription.build(providers=["openai"], events=[EventType.MAINTENANCE_STARTED]), False),
    ],
)
def test_it_matches_an_outage_against_each_filter(subscription, expected):
    assert matches(subscription, OUTAGE) is expected


def test_a_mild_event_is_below_a_major_only_channel():
    degraded = EventFacts(
        provider="openai",
        types=frozenset({EventType.STATUS_CHANGED}),
        severity=Status.DEGRADED_PERFORMANCE,
    )
    assert not matches(Subscription.build(min_severity=Status.PARTIAL_OUTAGE), degraded)
    assert matches(Subscription.build(min_severity=Status.DEGRADED_PERFORMANCE), degraded)


def test_readable_again_goes_where_unreadable_went():
    recovered = EventFacts(
        provider="openai", types=frozenset({EventType.SOURCE_RECOVERED}), severity=Status.UNKNOWN
    )
    assert matches(Subscription.build(events=[EventType.SOURCE_UNREADABLE]), recovered)


def test_an_event_without_components_does_not_reach_a_component_channel():
    unreadable = EventFacts(
        provider="openai", types=frozenset({EventType.SOURCE_UNREADABLE}), severity=Status.UNKNOWN
    )
    assert not matches(Subscription.build(components=["API"]), unreadable)


@pytest.mark.django_db
def test_fan_out_creates_deliveries_only_for_matching_channels(django_capture_on_commit_callbacks):
    openai = Provider.objects.create(slug="openai", name="OpenAI")
    anthropic = Provider.objects.create(slug="anthropic", name="Anthropic")
    everything = Channel.objects.create(name="everything", url="json://127.0.0.1:9/a")
    only_openai = Channel.objects.create(name="openai-only", url="json://127.0.0.1:9/b")
    only_openai.providers.add(openai)
    only_anthropic = Channel.objects.create(name="anthropic-only", url="json://127.0.0.1:9/c")
    only_anthropic.providers.add(anthropic)
    Channel.objects.create(name="sora", url="json://127.0.0.1:9/d", components=["Sora"])
    Channel.objects.create(name="api", url="json://127.0.0.1:9/e", components=["api"])
    Channel.objects.create(name="major", url="json://127.0.0.1:9/f", min_severity="major_outage")
    Channel.objects.create(
        name="maintenance", url="json://127.0.0.1:9/g", events=["maintenance_started"]
    )
    Channel.objects.create(name="off", url="json://127.0.0.1:9/h", enabled=False)

    event = Event.objects.create(
        provider=openai,
        type=EventType.STATUS_CHANGED,
        types=[EventType.STATUS_CHANGED],
        severity=Status.PARTIAL_OUTAGE,
        at="2026-11-20T10:00:00Z",
        payload={
            "components": [
                {"name": "API", "external_id": "x", "old": "operational", "new": "partial_outage"}
            ]
        },
    )
    fan_out(event)
    got = set(Delivery.objects.values_list("channel__name", flat=True))
    assert got == {"everything", "openai-only", "api"}
    assert everything.pk in set(Delivery.objects.values_list("channel_id", flat=True))
