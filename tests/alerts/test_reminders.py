"""Repeat reminders while a provider stays down: off by default, once per interval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.delivery import message_for
from alerts.events import EventType
from alerts.models import Channel, Delivery, Event
from alerts.outbox import fan_out
from alerts.reminders import schedule_reminders
from probes.models import Provider

pytestmark = pytest.mark.django_db


def open_outage(started):
    provider = Provider.objects.create(slug="example", name="Example AI", status="major_outage")
    root = Event.objects.create(
        provider=provider,
        type=EventType.STATUS_CHANGED,
        types=[EventType.STATUS_CHANGED],
        severity="major_outage",
        at=started,
        payload={"title": "Example AI: Major outage"},
    )
    fan_out(root)
    return provider, root


def test_no_channel_gets_reminders_unless_it_asks():
    Channel.objects.create(name="quiet", url="json://127.0.0.1:9/hook")
    open_outage(timezone.now() - timedelta(days=1))
    assert schedule_reminders(timezone.now()) == 0


def test_a_channel_gets_one_reminder_per_interval_while_the_provider_is_down():
    started = timezone.now() - timedelta(minutes=65)
    loud = Channel.objects.create(name="loud", url="json://127.0.0.1:9/a", repeat_minutes=30)
    Channel.objects.create(name="quiet", url="json://127.0.0.1:9/b")
    _provider, root = open_outage(started)

    now = started + timedelta(minutes=65)
    assert schedule_reminders(now) == 1
    assert schedule_reminders(now) == 0  # same interval: nothing new
    reminder = Event.objects.get(type=EventType.REMINDER)
    assert reminder.root == root
    assert reminder.payload["title"] == "Example AI is still major outage"
    assert list(Delivery.objects.filter(event=reminder).values_list("channel", flat=True)) == [
        loud.pk
    ]
    text = message_for(Delivery.objects.get(event=reminder)).body
    assert f"Not operational since {started:%Y-%m-%d %H:%M} UTC." in text
    assert f"Update to alert {root.uuid}" in text
    assert schedule_reminders(started + timedelta(minutes=95)) == 1


def test_reminders_stop_when_the_thread_closes():
    Channel.objects.create(name="loud", url="json://127.0.0.1:9/a", repeat_minutes=30)
    started = timezone.now() - timedelta(hours=2)
    _provider, root = open_outage(started)
    Event.objects.filter(pk=root.pk).update(thread_closed_at=timezone.now())
    assert schedule_reminders(timezone.now()) == 0
