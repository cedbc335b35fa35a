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
from probes.status import batches, polling, recording, scheduling

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
    """Enqueue one batch per POLL_BATCH_SIZE status pages and one per PROBE_BATCH_SIZE probes
    among `source_ids`; return how many sources. Used by the dispatcher and the admin's "Poll
    now" (which calls it on commit, so a worker never reads the row before the admin's change
    lands).

    A batch expires with the claim's lease (AIWATCH_POLL_LEASE_SECONDS): the sources are not
    claimed again before it has run or the lease has passed. Sources are batched in the order
    claimed (the most overdue first).
    """
    ids = list(source_ids)
    is_probe = {
        pk: kind in Source.PROBE_KINDS
        for pk, kind in Source.objects.filter(pk__in=ids).values_list("pk", "kind")
    }
    pages = [pk for pk in ids if pk in is_probe and not is_probe[pk]]
    probe_ids = sorted(pk for pk in ids if is_probe.get(pk))
    # A message lives as long as the claim that sent it (scheduling.not_under_way): the
    # source is not claimed again meanwhile, so an older message never polls it twice.
    expires = settings.AIWATCH_POLL_LEASE_SECONDS
    for chunk in _chunks(pages, POLL_BATCH_SIZE):
        poll_sources_task.apply_async((chunk,), expires=expires)
    # Probes run many at a time on one async client, so a whole chunk is one task.
    for chunk in _chunks(probe_ids, PROBE_BATCH_SIZE):
        run_probe_batch_task.apply_async((chunk,), expires=expires)
    return len(ids)


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


# Status pages fetched together on one async client: enough to share the connection and the
# transaction of the unchanged ones, few enough that a batch of changed pages (parsed and
# recorded one after the other) ends well inside the time limits below, and that the work of
# a round spreads over every worker process.
POLL_BATCH_SIZE = 10


@shared_task(name="probes.poll_sources", ignore_result=True, soft_time_limit=150, time_limit=180)
def poll_sources_task(source_ids: list[int]) -> None:
    sources = list(
        Source.objects.status_pages()
        .select_related("provider")
        .filter(pk__in=source_ids, enabled=True, provider__enabled=True)
        .order_by("pk")
    )
    if not sources:
        return  # deleted or disabled since they were enqueued
    started = timezone.now()
    try:
        batches.poll_batch(sources, now=started)
    except SoftTimeLimitExceeded:
        # Stopped by the soft time limit (stalled upstreams): the polls not recorded yet get a
        # failure, or they would keep showing their last good answer as fresh.
        recorded = set(
            Source.objects.filter(pk__in=source_ids, last_polled_at__gte=started).values_list(
                "pk", flat=True
            )
        )
        late = [source for source in sources if source.pk not in recorded]
        logger.warning("batch poll stopped at the soft time limit; %d not recorded", len(late))
        for source in late:
            recording.record_failure(
                source,
                "fetch failed (timeout): the batch of polls ran past its time limit",
                at=timezone.now(),
            )


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
