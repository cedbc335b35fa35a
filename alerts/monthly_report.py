"""Sending the monthly exposure report through the outbox: once per month, once per channel.

The report is probes.stack.exposure's (the page /stack/report/ shows the same). Its event has no
provider and a dedupe key naming the month, so beat ticking all day on the 1st, a second
`manage.py monthly_report --send` or two workers at once still give one event, and the
outbox's (event, channel) key gives each channel one delivery of it. Which channels: those
whose filters take it (`alerts.outbox.fan_out`): every enabled channel that takes every
provider (no provider or feature chosen) and every severity, and whose `events` list is empty
or names "monthly_report".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse

from alerts.events import EventType
from alerts.messages import headline
from alerts.models import Delivery, Event
from alerts.outbox import fan_out
from probes.parsers.types import Status
from probes.stack.exposure import MonthlyReport, month_bounds, monthly_report, previous_month


def dedupe_key(month: date) -> str:
    return f"monthly-report:{month:%Y-%m}"


def report_page_url(month: date) -> str:
    try:
        path = reverse("dashboard:stack-report")
    except NoReverseMatch:
        path = "/stack/report/"
    return f"{path}?month={month:%Y-%m}"


def report_payload(report: MonthlyReport) -> dict[str, Any]:
    """The snapshot the message is written from (kept with the event, so a retry says the same)."""
    return {
        "report": {
            "month": f"{report.month:%Y-%m}",
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
            "page": report_page_url(report.month),
            "features": [
                {
                    "slug": entry.feature.slug,
                    "name": entry.feature.name,
                    "criticality": entry.feature.criticality,
                    "affected_minutes": entry.exposure.total.affected_minutes,
                    "down_minutes": entry.exposure.total.down_minutes,
                    "incidents": len(entry.incidents),
                    "drills": len(entry.drills),
                    "plan_b": bool(entry.feature.plan_b.strip()),
                }
                for entry in report.entries
            ],
        }
    }


def send_monthly_report(
    *, now: datetime, month: date | None = None
) -> tuple[Event | None, list[Delivery]]:
    """Write the report event for `month` (default: the last complete one) and its deliveries.

    (None, []) when that month's report was already written (sending is idempotent) or there
    is no enabled feature to report on. Raises ValueError for a month that is not over yet (its
    report would be partial, and only one is ever sent).
    """
    month = month or previous_month(now)
    if month_bounds(month)[1] > now:
        raise ValueError(f"{month:%Y-%m} is not over yet; its report is sent once it is")
    key = dedupe_key(month)
    if Event.objects.filter(dedupe_key=key).exists():
        return None, []
    report = monthly_report(month, now=now)
    if not report.entries:
        return None, []  # no feature to report on: nothing to send (and nothing recorded)
    payload = report_payload(report)
    payload["title"] = headline(EventType.MONTHLY_REPORT, payload)
    try:
        with transaction.atomic():
            event = Event.objects.create(
                provider=None,
                type=EventType.MONTHLY_REPORT,
                types=[EventType.MONTHLY_REPORT.value],
                severity=Status.OPERATIONAL.value,
                at=now,
                # A thread of its own, closed at once: no reminder follows a report.
                thread_closed_at=now,
                dedupe_key=key,
                payload=payload,
            )
            deliveries = fan_out(event)
    except IntegrityError:
        return None, []  # another run wrote it first
    return event, deliveries
