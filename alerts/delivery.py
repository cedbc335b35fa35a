"""Delivering the outbox: claim a delivery, send it, record what happened, retry with backoff.

Guarantees, stated plainly:

* Nothing is lost. Deliveries are rows written with the change that caused them; a broker
  restart loses at most a wake-up call, and beat's next tick (or `manage.py notify`) finds them.
* One worker at a time. A claim is a conditional UPDATE (pending and due, or a lease that ran
  out), so two workers never send the same delivery at once, on SQLite or PostgreSQL alike.
* At least once, not exactly once. A worker killed after the receiver got the message but before
  the result was written leaves a claim whose lease runs out; the delivery is then sent again.
  Every attempt carries the same idempotency key (`Idempotency-Key` and `X-AIWatch-Delivery`
  headers, and `delivery` in the webhook body), so a receiver that keeps the keys it has seen
  processes each event exactly once. Chat services reached through Apprise cannot dedupe, so a
  crash in that window can show a message twice there; it never shows zero times.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from alerts import transports
from alerts.messages import build_message
from alerts.models import Delivery

logger = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    lines: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: base, 2 x base, 4 x base... capped."""
    base = settings.AIWATCH_ALERT_RETRY_BASE_SECONDS
    cap = settings.AIWATCH_ALERT_RETRY_MAX_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def message_for(delivery: Delivery) -> transports.Message:
    event = delivery.event
    return build_message(
        event_type=event.type,
        types=list(event.types),
        severity=event.severity,
        at=event.at.isoformat(),
        payload=event.payload,
        event_id=str(event.uuid),
        thread=event.thread_uuid,
        is_update=event.is_followup,
        closes_thread=event.closes_thread,
        key=delivery.key,
        base_url=settings.AIWATCH_BASE_URL,
        language=delivery.channel.language,
    )


def claim(delivery_id: int, *, now: datetime, token: str, due_by: datetime | None) -> bool:
    """Take the delivery for this worker. False if another worker has it or it is not due."""
    lease = now + timedelta(seconds=settings.AIWATCH_ALERT_CLAIM_SECONDS)
    candidates = Delivery.objects.claimable(due_by or now)
    if due_by is not None and due_by > now:
        # Sending ahead of the backoff schedule, but never stealing a live claim.
        candidates = candidates.exclude(state=Delivery.State.SENDING, claimed_until__gte=now)
    updated = candidates.filter(pk=delivery_id).update(
        state=Delivery.State.SENDING,
        claimed_until=lease,
        claimed_by=token,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
    )
    return updated == 1


def deliver_one(delivery_id: int, *, due_by: datetime | None = None) -> str | None:
    """Claim, send and record one delivery. Returns its new state, or None if not claimed.

    Never raises for a failed send: the error is recorded and a retry scheduled.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    if not claim(delivery_id, now=now, token=token, due_by=due_by):
        return None
    delivery = Delivery.objects.select_related("event", "event__root", "channel").get(
        pk=delivery_id
    )
    channel = delivery.channel
    status_code: int | None = None
    error = ""
    if not channel.enabled:
        error = "channel disabled"
    else:
        try:
            message = message_for(delivery)
            result = transports.send(
                channel.kind,
                channel.url,
                message,
                secret_env=channel.secret_env,
                placeholders_allowed=not channel.is_personal,
            )
            status_code = result.status_code
        except transports.TransportError as failure:
            error = str(failure) or "not accepted"
            status_code = failure.status_code
        except Exception as failure:  # a bug or a library surprise must not stop the others
            logger.exception("delivery %s to %s failed unexpectedly", delivery_id, channel)
            error = f"{type(failure).__name__}: {failure}"[:1000]
    finished = timezone.now()
    mine = Delivery.objects.filter(pk=delivery_id, claimed_by=token)
    if not error:
        state = Delivery.State.SENT
        updated = mine.update(
            state=state,
            sent_at=finished,
            claimed_until=None,
            last_error="",
            response_code=status_code,
        )
    else:
        give_up = delivery.attempts >= settings.AIWATCH_ALERT_MAX_ATTEMPTS or not channel.enabled
        state = Delivery.State.FAILED if give_up else Delivery.State.PENDING
        updated = mine.update(
            state=state,
            claimed_until=None,
            last_error=error[:2000],
            response_code=status_code,
            next_attempt_at=finished + backoff(delivery.attempts),
        )
    if not updated:
        # Our lease ran out mid-send and another worker took the delivery over.
        logger.warning("delivery %s: claim expired before the result was recorded", delivery_id)
    return state


def deliver_pending(
    *, include_waiting: bool = False, budget_seconds: float | None = None, limit: int = 500
) -> DeliveryReport:
    """Deliver everything due (with `include_waiting`, also what waits for a retry).

    Each delivery is attempted at most once per call. Stops claiming after `budget_seconds`.
    """
    report = DeliveryReport()
    started = time.monotonic()
    tried: set[int] = set()
    while True:
        now = timezone.now()
        due_by = now + timedelta(days=3650) if include_waiting else now
        ids = [
            pk
            for pk in Delivery.objects.claimable(due_by)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[: limit + len(tried)]
            if pk not in tried
        ][:limit]
        if not ids:
            return report
        for delivery_id in ids:
            if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                return report
            tried.add(delivery_id)
            state = deliver_one(delivery_id, due_by=due_by)
            if state is None:
                continue
            if state == Delivery.State.SENT:
                report.sent += 1
            elif state == Delivery.State.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
            report.lines.append(_describe(delivery_id, state))


def _describe(delivery_id: int, state: str) -> str:
    delivery = Delivery.objects.select_related("event", "channel").get(pk=delivery_id)
    text = f"{state:<8} {delivery.channel.name}: {delivery.event.payload.get('title', '')}"
    if delivery.last_error and state != Delivery.State.SENT:
        text += f" ({delivery.last_error})"
    return text
