"""Celery tasks: thin wrappers over alerts.delivery and alerts.reminders."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from alerts import delivery, reminders

logger = logging.getLogger(__name__)


@shared_task(name="alerts.deliver_pending", ignore_result=True)
def deliver_pending_task() -> None:
    # Stop claiming well before the soft time limit; the next tick carries on.
    delivery.deliver_pending(budget_seconds=settings.CELERY_TASK_SOFT_TIME_LIMIT / 2)


@shared_task(name="alerts.schedule_reminders", ignore_result=True)
def schedule_reminders_task() -> None:
    reminders.schedule_reminders(timezone.now())


def enqueue_delivery() -> None:
    """Wake a worker now. Best effort: without a broker, beat's next tick or `notify` delivers.

    Gives up after one quick connection attempt, so `manage.py poll` run without a broker is
    not slowed down by Celery's usual connection retries.
    """
    from aiwatch.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            deliver_pending_task.apply_async(  # type: ignore[call-arg]
                connection=conn, retry=False, expires=settings.AIWATCH_ALERT_TICK_SECONDS * 6
            )
    except (OperationalError, OSError) as error:
        logger.info("alerts: broker unreachable (%s); deliveries wait for the next tick", error)
