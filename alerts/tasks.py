"""Celery tasks: thin wrappers over alerts.delivery and alerts.reminders.

Nothing imports this module but Celery: the outbox wakes `deliver_pending` by name
(alerts.wakeup).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from alerts import delivery, monthly_report, reminders
from alerts.wakeup import DELIVER_PENDING


@shared_task(name=DELIVER_PENDING, ignore_result=True)
def deliver_pending_task() -> None:
    # Stop claiming well before the soft time limit; the next tick carries on.
    delivery.deliver_pending(budget_seconds=settings.CELERY_TASK_SOFT_TIME_LIMIT / 2)


@shared_task(name="alerts.schedule_reminders", ignore_result=True)
def schedule_reminders_task() -> None:
    reminders.schedule_reminders(timezone.now())


@shared_task(name="alerts.send_monthly_report", ignore_result=True)
def send_monthly_report_task() -> None:
    # Beat ticks every hour of the 1st; the month's dedupe key makes every tick after the first
    # a no-op.
    monthly_report.send_monthly_report(now=timezone.now())
