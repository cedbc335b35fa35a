"""Events the team itself causes: a burst of "I'm affected" reports, and an acknowledgement.

Both go through the outbox like any other event, written in the transaction that stored the
report or the acknowledgement. A report burst is an event of its own kind (channels subscribe
to "report_burst"); an acknowledgement is a follow-up in the thread of the outage it
acknowledges, sent to every channel that heard of that thread, and written once per
acknowledgement (its dedupe key).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from alerts.events import EventType
from alerts.models import Delivery, Event
from alerts.outbox import open_thread, write_event
from probes.models import Acknowledgement, Provider
from probes.parsers.types import Status

logger = logging.getLogger(__name__)


def on_report_burst_started(
    sender: object, *, provider: Provider, burst: Any, at: datetime, **kwargs: object
) -> None:
    """probes.signals.report_burst_started. A failure loses this alert, never the report."""
    try:
        with transaction.atomic():
            record_report_burst(provider, recent=burst.recent, at=at)
    except Exception:
        logger.exception("alerts: could not write the report-burst event for %s", provider)


def on_acknowledged(sender: object, *, acknowledgement: Acknowledgement, **kwargs: object) -> None:
    """probes.signals.acknowledged. A failure loses this message, never the acknowledgement."""
    try:
        with transaction.atomic():
            record_acknowledgement(acknowledgement)
    except Exception:
        logger.exception(
            "alerts: could not write the event for acknowledgement %s", acknowledgement.pk
        )


def record_report_burst(provider: Provider, *, recent: int, at: datetime) -> Event | None:
    """One event per burst: none while another burst event of the provider is this recent."""
    minutes = max(1, settings.AIWATCH_REPORT_WINDOW_MINUTES)
    if Event.objects.filter(
        provider=provider, type=EventType.REPORT_BURST, at__gt=at - timedelta(minutes=minutes)
    ).exists():
        return None
    facts = {"report_burst": {"recent": recent, "minutes": minutes}}
    return _team_event(provider, EventType.REPORT_BURST, Status.DEGRADED_PERFORMANCE, facts, at=at)


def record_acknowledgement(ack: Acknowledgement) -> Event | None:
    """The acknowledgement as a follow-up in its provider's open thread (or alone if none).

    Once per acknowledgement: a second call finds the event by its dedupe key.
    """
    key = f"acknowledgement:{ack.pk}"
    existing = Event.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    provider = Provider.objects.get(pk=ack.provider_id)
    target: dict[str, Any] = {"kind": "incident" if ack.incident_id else "observed"}
    if ack.incident_id and ack.incident is not None:
        target |= {"title": ack.incident.title, "url": ack.incident.url, "id": ack.incident_id}
    facts = {
        "acknowledgement": {
            "by": ack.by_name,
            "on_it": ack.on_it,
            "note": ack.note,
            "plan_b_in_place": ack.plan_b_in_place,
            "after_seconds": int(ack.after.total_seconds()) if ack.after is not None else None,
            "target": target,
        }
    }
    return _team_event(
        provider, EventType.ACKNOWLEDGED, Status.OPERATIONAL, facts, at=ack.at, dedupe_key=key
    )


def _team_event(
    provider: Provider,
    kind: str,
    severity: Status,
    facts: dict[str, Any],
    *,
    at: datetime,
    dedupe_key: str | None = None,
) -> Event:
    """Write it in the provider's open thread without ever closing the thread: what the team
    says is never the end of an outage."""
    root = open_thread(provider)
    told: frozenset[int] = frozenset()
    if root is not None and kind == EventType.ACKNOWLEDGED:
        told = frozenset(
            Delivery.objects.filter(event__in=[root, *root.followups.all()]).values_list(
                "channel_id", flat=True
            )
        )
    return write_event(
        provider,
        {kind},
        severity,
        facts,
        at=at,
        root=root,
        team_says=True,
        dedupe_key=dedupe_key,
        also=told,
    )
