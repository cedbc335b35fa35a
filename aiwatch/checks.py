"""System checks that catch a bad deployment at `manage.py check` and `migrate`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def check_configuration(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if settings.TIME_ZONE != "UTC":
        messages.append(
            Error(
                "TIME_ZONE must be UTC: times are stored in UTC and shown in the viewer's zone.",
                id="aiwatch.E001",
            )
        )
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        messages.append(
            Error(
                "SECRET_KEY is the development key while DEBUG is off.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value.",
                id="aiwatch.E002",
            )
        )
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "rediss://", "redis+socket://", "unix://")):
        messages.append(
            Error(
                f"REDIS_URL must be a redis:// , rediss:// or redis+socket:// URL, not {broker!r}.",
                id="aiwatch.E003",
            )
        )
    if settings.AIWATCH_MIN_INTERVAL_SECONDS < 10:
        messages.append(
            Warning(
                "AIWATCH_MIN_INTERVAL_SECONDS below 10 polls status pages impolitely often.",
                id="aiwatch.W001",
            )
        )
    if settings.AIWATCH_HTTP_MAX_BYTES <= 0:
        messages.append(Error("AIWATCH_HTTP_MAX_BYTES must be positive.", id="aiwatch.E004"))
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if visibility <= settings.CELERY_TASK_TIME_LIMIT:
        messages.append(
            Error(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility} s) must exceed CELERY_TASK_TIME_LIMIT "
                f"({settings.CELERY_TASK_TIME_LIMIT} s).",
                hint="Otherwise Redis redelivers a slow poll while it runs, and it runs twice.",
                id="aiwatch.E005",
            )
        )
    if settings.CELERY_TASK_SOFT_TIME_LIMIT >= settings.CELERY_TASK_TIME_LIMIT:
        messages.append(
            Error(
                "CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT.",
                id="aiwatch.E006",
            )
        )
    return messages
