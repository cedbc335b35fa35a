"""Waking a delivery worker once new deliveries commit.

The task is sent by its name, so the modules that write deliveries (the outbox, reminders, the
admin's test message) never import `alerts.tasks`, which imports them: dependencies run one way,
tasks -> logic -> wakeup.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

DELIVER_PENDING = "alerts.deliver_pending"


def wake_delivery_worker() -> None:
    """After commit, ask a worker to deliver now rather than at the next beat tick."""
    if settings.AIWATCH_ALERT_ENQUEUE_ON_COMMIT:
        transaction.on_commit(send_deliver_pending, robust=True)


def send_deliver_pending() -> None:
    """Wake a worker now. Best effort: without a broker, beat's next tick or `notify` delivers.

    Gives up after one quick connection attempt, so `manage.py poll` run without a broker is
    not slowed down by Celery's usual connection retries.
    """
    from aiwatch.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            app.send_task(
                DELIVER_PENDING,
                connection=conn,
                retry=False,
                expires=settings.AIWATCH_ALERT_TICK_SECONDS * 6,
            )
    except (OperationalError, OSError) as error:
        logger.info("alerts: broker unreachable (%s); deliveries wait for the next tick", error)
