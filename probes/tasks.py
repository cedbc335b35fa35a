"""Celery tasks: thin wrappers that take ids and call plain functions."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from probes import health
from probes.history import rollups
from probes.models import Provider, Source
from probes.observe import probing
from probes.observe import rollups as probe_rollups
from probes.status import polling, recording, scheduling

logger = logging.getLogger(__name__)


@shared_task(name="probes.poll_source", ignore_result=True)
def poll_source_task(source_id: int) -> None:
    source = Source.objects.select_related("provider").filter(pk=source_id).first()
    if source is None or not source.enabled or source.is_probe:
        return  # deleted or disabled since it was enqueued; probes run in batches
    try:
        polling.poll_source(source)
    except SoftTimeLimitExceeded:
        # Stopped by the soft time limit (a stalled upstream): without a recorded failure the
        # source would keep showing its last good answer as fresh.
        logger.warning("poll of source %s stopped at the soft time limit", source_id)
        recording.record_failure(
            source,
            "fetch failed (timeout): the poll ran past the task's "
            f"{settings.CELERY_TASK_SOFT_TIME_LIMIT} s time limit",
            at=timezone.now(),
        )


@shared_task(name="probes.dispatch_due_polls", ignore_result=True)
def dispatch_due_polls() -> None:
    """Claim the due sources; enqueue one poll per status source and one batch for the probes.

    Notes the tick for the health checks.
    """
    now = timezone.now()
    try:
        health.record_dispatch_heartbeat(now)
    except redis.RedisError:
        # The enqueues below need Redis too and will fail loudly; the heartbeat is secondary.
        logger.warning("could not record the dispatcher heartbeat")
    enqueue_sources(scheduling.claim_due_sources(now))


def enqueue_sources(source_ids: Iterable[int]) -> int:
    """Enqueue one poll per status page and one batch per PROBE_BATCH_SIZE probes among
    `source_ids`; return how many sources. Used by the dispatcher and the admin's "Poll now"
    (which calls it on commit, so a worker never reads the row before the admin's change lands).
    """
    ids = list(source_ids)
    probe_ids = sorted(Source.objects.filter(pk__in=ids).probes().values_list("pk", flat=True))
    # A poll not started before the next tick is stale: the next claim enqueues a fresh one.
    expires = settings.AIWATCH_DISPATCH_SECONDS * 4
    probes = set(probe_ids)
    for source_id in ids:
        if source_id not in probes:
            poll_source_task.apply_async((source_id,), expires=expires)
    # Probes run many at a time on one async client, so a whole chunk is one task.
    for start in range(0, len(probe_ids), PROBE_BATCH_SIZE):
        run_probe_batch_task.apply_async(
            (probe_ids[start : start + PROBE_BATCH_SIZE],), expires=expires
        )
    return len(ids)


@shared_task(name="probes.roll_uptime_days", ignore_result=True)
def roll_uptime_days_task() -> None:
    """Write each provider's uptime rows up to now, so quiet days get their row too."""
    now = timezone.now()
    for provider in Provider.objects.filter(enabled=True):
        rollups.catch_up(provider, now=now)


# A batch runs at most AIWATCH_PROBE_CONCURRENCY probes at once, each bounded by its timeout
# (at most 30 s): this many per task keeps a batch well inside the task time limits below.
PROBE_BATCH_SIZE = 60


@shared_task(name="probes.run_probe_batch", ignore_result=True, soft_time_limit=150, time_limit=180)
def run_probe_batch_task(source_ids: list[int]) -> None:
    sources = list(
        Source.objects.probes()
        .select_related("provider")
        .filter(pk__in=source_ids, enabled=True, provider__enabled=True)
        .order_by("pk")
    )
    if sources:
        probing.run_probes(sources)


@shared_task(name="probes.roll_up_probe_results", ignore_result=True)
def roll_up_probe_results_task() -> None:
    probe_rollups.roll_up(now=timezone.now())


@shared_task(name="probes.prune_probe_results", ignore_result=True)
def prune_probe_results_task() -> None:
    probe_rollups.prune(now=timezone.now())
