"""Delivering the outbox: claims, retries with backoff, the same key on every attempt."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from alerts import delivery
from alerts.events import EventType
from alerts.models import Channel, Delivery, Event
from alerts.outbox import fan_out
from probes.models import Provider
from tests.fakeserver import Answer

pytestmark = pytest.mark.django_db


def make_delivery(url: str, *, kind: str = "webhook") -> Delivery:
    provider = Provider.objects.create(slug="example", name="Example AI", status="major_outage")
    channel = Channel.objects.create(name="hook", kind=kind, url=url)
    event = Event.objects.create(
        provider=provider,
        type=EventType.STATUS_CHANGED,
        types=[EventType.STATUS_CHANGED],
        severity="major_outage",
        at=timezone.now(),
        payload={
            "title": "Example AI: Major outage",
            "provider": {"slug": "example", "name": "Example AI"},
            "status": {"old": "operational", "new": "major_outage"},
        },
    )
    (created,) = fan_out(event)
    assert created.channel == channel
    return created


def test_backoff_doubles_and_is_capped(settings):
    settings.AIWATCH_ALERT_RETRY_BASE_SECONDS = 30
    settings.AIWATCH_ALERT_RETRY_MAX_SECONDS = 600
    assert [delivery.backoff(n).total_seconds() for n in range(1, 7)] == [
        30,
        60,
        120,
        240,
        480,
        600,
    ]


def test_a_failed_send_is_retried_later_with_the_same_key_and_body(receiver, settings):
    settings.AIWATCH_ALERT_RETRY_BASE_SECONDS = 30
    receiver.set_sequence("/hook", [Answer(status=500), Answer(status=200, body=b"{}")])
    item = make_delivery(receiver.url("/hook"))

    assert delivery.deliver_pending().retrying == 1
    item.refresh_from_db()
    assert item.state == "pending"
    assert item.attempts == 1
    assert item.last_error == "HTTP 500"
    assert item.next_attempt_at > timezone.now() + timedelta(seconds=25)
    # Not due yet: a beat tick now sends nothing.
    assert delivery.deliver_pending().sent == 0

    with time_machine.travel(item.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_pending().sent == 1
    item.refresh_from_db()
    assert item.state == "sent"
    assert item.attempts == 2
    assert item.last_error == ""
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == item.key
    assert json.loads(second.body)["delivery"] == item.key


def test_it_gives_up_after_the_last_attempt(receiver, settings):
    settings.AIWATCH_ALERT_MAX_ATTEMPTS = 2
    receiver.set("/hook", b"", status=500)
    item = make_delivery(receiver.url("/hook"))
    assert delivery.deliver_pending(include_waiting=True).retrying == 1
    assert delivery.deliver_pending(include_waiting=True).failed == 1
    item.refresh_from_db()
    assert item.state == "failed"
    assert item.attempts == 2


def test_a_live_claim_is_not_taken_twice(receiver):
    item = make_delivery(receiver.url("/hook"))
    now = timezone.now()
    assert delivery.claim(item.pk, now=now, token="a", due_by=now)
    assert not delivery.claim(item.pk, now=now, token="b", due_by=now)
    assert not delivery.claim(item.pk, now=now, token="c", due_by=now + timedelta(days=1))
    assert delivery.deliver_pending(include_waiting=True).sent == 0
    assert receiver.requests == []


def test_a_claim_whose_worker_died_is_taken_again_after_its_lease(receiver, settings):
    settings.AIWATCH_ALERT_CLAIM_SECONDS = 60
    item = make_delivery(receiver.url("/hook"))
    now = timezone.now()
    assert delivery.claim(item.pk, now=now, token="dead-worker", due_by=now)
    # The worker dies here: nothing records a result.
    assert delivery.deliver_pending().sent == 0
    with time_machine.travel(now + timedelta(seconds=61)):
        assert delivery.deliver_pending().sent == 1
    item.refresh_from_db()
    assert item.state == "sent"
    assert item.attempts == 2


def test_a_result_is_not_recorded_over_a_claim_that_another_worker_took(receiver):
    item = make_delivery(receiver.url("/hook"))
    now = timezone.now()
    assert delivery.claim(item.pk, now=now, token="mine", due_by=now)
    Delivery.objects.filter(pk=item.pk).update(claimed_by="someone-else")
    assert Delivery.objects.filter(pk=item.pk, claimed_by="mine").update(state="sent") == 0


def test_notify_delivers_pending_without_a_broker_and_reports(receiver):
    make_delivery(receiver.url("/hook"))
    call_command("notify", stdout=(out := StringIO()))
    assert "1 sent, 0 to retry, 0 failed" in out.getvalue()
    assert len(receiver.requests) == 1
    call_command("notify", stdout=(out := StringIO()))
    assert "0 sent" in out.getvalue()
    assert len(receiver.requests) == 1


def test_notify_exits_non_zero_when_a_delivery_fails_for_good(receiver, settings):
    settings.AIWATCH_ALERT_MAX_ATTEMPTS = 1
    receiver.set("/hook", b"", status=404)
    make_delivery(receiver.url("/hook"))
    with pytest.raises(CommandError):
        call_command("notify", stdout=StringIO())


def test_a_disabled_channel_fails_its_deliveries_without_sending(receiver):
    item = make_delivery(receiver.url("/hook"))
    Channel.objects.update(enabled=False)
    assert delivery.deliver_pending().failed == 1
    item.refresh_from_db()
    assert item.last_error == "channel disabled"
    assert receiver.requests == []
