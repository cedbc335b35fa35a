"""Celery tasks: thin wrappers that take ids and call plain functions."""

from __future__ import annotations

import logging

import redis
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from probes import health, polling, rollups, scheduling
from probes.models import Provider, Source

logger = logging.getLogger(__name__)


@shared_task(name="probes.poll_source", ignore_result=True)
def poll_source_task(source_id: int) -> None:
    source = Source.objects.select_related("provider").filter(pk=source_id).first()
    if source is None or not source.enabled:
        return  # deleted or disabled since it was enqueued
    polling.poll_source(source)


@shared_task(name="probes.dispatch_due_polls", ignore_result=True)
def dispatch_due_polls() -> None:
    """Claim the due sources and enqueue one poll each; note the tick for the health checks."""
    now = timezone.now()
    try:
        health.record_dispatch_heartbeat(now)
    except redis.RedisError:
        # The enqueues below need Redis too and will fail loudly; the heartbeat is secondary.
        logger.warning("could not record the dispatcher heartbeat")
    for source_id in scheduling.claim_due_sources(now):
        # A poll not started before the next tick is stale: the next claim enqueues a fresh one.
        poll_source_task.apply_async((source_id,), expires=settings.AIWATCH_DISPATCH_SECONDS * 4)


@shared_task(name="probes.roll_uptime_days", ignore_result=True)
def roll_uptime_days_task() -> None:
    """Write each provider's uptime rows up to now, so quiet days get their row too."""
    now = timezone.now()
    for provider in Provider.objects.filter(enabled=True):
        rollups.catch_up(provider, now=now)
