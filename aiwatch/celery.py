"""The Celery app. Beat only ticks; the database says which sources are due."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiwatch.settings")

app = Celery("aiwatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _build_schedule() -> dict[str, dict[str, object]]:
    from django.conf import settings

    tick = settings.AIWATCH_DISPATCH_SECONDS
    alert_tick = settings.AIWATCH_ALERT_TICK_SECONDS
    return {
        # Every tick: claim due sources and enqueue one poll each. Expires before the next tick
        # so a stalled worker does not replay a backlog of dispatches.
        "dispatch-due-polls": {
            "task": "probes.dispatch_due_polls",
            "schedule": float(tick),
            "options": {"expires": tick * 0.9},
        },
        # The outbox safety net: deliveries whose wake-up call was lost (broker restart) or
        # whose retry is due. Claims make overlapping runs harmless.
        "deliver-pending-alerts": {
            "task": "alerts.deliver_pending",
            "schedule": float(alert_tick),
            "options": {"expires": alert_tick * 0.9},
        },
        # Repeat reminders for providers that stay down (only channels that ask for them).
        "schedule-alert-reminders": {
            "task": "alerts.schedule_reminders",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        # Hourly: carry every provider's uptime rows on to the present (quiet days get a row;
        # changes update their days as they arrive, in probes.history.rollups).
        "roll-uptime-days": {
            "task": "probes.roll_uptime_days",
            "schedule": 3600.0,
            "options": {"expires": 3000},
        },
        # Every 5 minutes: fold new probe results into hourly and daily rollups (incremental).
        "roll-up-probe-results": {
            "task": "probes.roll_up_probe_results",
            "schedule": 300.0,
            "options": {"expires": 240},
        },
        # Every hour of the 1st of each month: the last month's exposure report, once per
        # channel (alerts.monthly_report); hourly, so a beat down at midnight still sends it.
        "send-monthly-report": {
            "task": "alerts.send_monthly_report",
            "schedule": crontab(minute=7, day_of_month=1),
            "options": {"expires": 3000},
        },
        # Nightly: roll up, then delete raw probe results older than the retention.
        "prune-probe-results": {
            "task": "probes.prune_probe_results",
            "schedule": crontab(hour=3, minute=17),
            "options": {"expires": 3600},
        },
    }


app.conf.beat_schedule = _build_schedule()
