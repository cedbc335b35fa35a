"""Repeat reminders while a provider stays down: per channel, off unless `repeat_minutes` > 0."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from alerts.alternatives import observed_status
from alerts.events import DOWN_STATUSES, EventType, worst_severity
from alerts.messages import headline
from alerts.models import Channel, Delivery, Event
from alerts.snapshot import snapshot
from alerts.wakeup import wake_delivery_worker
from probes.parsers.types import Status


def schedule_reminders(now: datetime) -> int:
    """Create a reminder for each open thread and each channel whose interval has passed.

    Idempotent: a reminder is keyed by (thread, channel, interval number), so running this twice
    in the same interval creates nothing new. Reminders go only to channels that got the
    thread's first message. Returns how many were created.
    """
    created = 0
    roots = Event.objects.open_threads().filter(provider__isnull=False).select_related("provider")
    for root in roots:
        provider = root.provider
        assert provider is not None
        observed = observed_status(provider, now=now)
        if provider.status not in DOWN_STATUSES and observed not in DOWN_STATUSES:
            continue  # fine, in maintenance or unreadable: nothing to remind of
        channels = Channel.objects.filter(
            enabled=True, repeat_minutes__gt=0, deliveries__event=root
        ).distinct()
        for channel in channels:
            number = int((now - root.at) / timedelta(minutes=channel.repeat_minutes))
            if number < 1:
                continue
            key = f"reminder:{root.pk}:{channel.pk}:{number}"
            if Event.objects.filter(dedupe_key=key).exists():
                continue
            status = worst_severity(
                [Status(provider.status)] + ([Status(observed)] if observed else [])
            )
            payload = {
                **snapshot(provider, at=now),
                "status": {"old": None, "new": status.value},
                "since": root.at.isoformat(),
            }
            payload["title"] = headline(EventType.REMINDER, payload)
            try:
                with transaction.atomic():
                    event = Event.objects.create(
                        provider=provider,
                        type=EventType.REMINDER,
                        types=[EventType.REMINDER.value],
                        severity=status.value,
                        at=now,
                        root=root,
                        dedupe_key=key,
                        payload=payload,
                    )
                    Delivery.objects.create(event=event, channel=channel, next_attempt_at=now)
                    wake_delivery_worker()
            except IntegrityError:
                continue  # another scheduler run created it first
            created += 1
    return created
