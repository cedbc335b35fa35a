"""Probe rollups: hourly and daily aggregates (count, failures, p50/p95/max latency) and retention.

Percentiles cannot be merged from partial aggregates, so each bucket is recomputed exactly from
the raw rows. That stays incremental: a run starts at the newest bucket already stored (it may
have been partial) and recomputes only from there on. Raw rows are deleted after
AIWATCH_PROBE_RETENTION_DAYS, always after a roll-up, so no row is deleted before it is counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction

from probes.models import ProbeResult, ProbeRollup, Source, TeamReport
from probes.observe.observed import percentile

PERIODS: dict[str, timedelta] = {
    ProbeRollup.Period.HOUR: timedelta(hours=1),
    ProbeRollup.Period.DAY: timedelta(days=1),
}


@dataclass(frozen=True, slots=True)
class Aggregate:
    count: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None
    max_ms: float | None


def aggregate(rows: Iterable[tuple[str, float | None]]) -> Aggregate:
    """(verdict, latency) rows -> their aggregate. Latency statistics cover answered results."""
    count = failures = 0
    latencies: list[float] = []
    for verdict, latency in rows:
        count += 1
        failures += verdict == ProbeResult.Verdict.DOWN
        if latency is not None:
            latencies.append(latency)
    return Aggregate(
        count=count,
        failures=failures,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        max_ms=max(latencies) if latencies else None,
    )


def bucket_start(at: datetime, period: str) -> datetime:
    """The UTC start of the bucket holding `at` (computed in UTC, so no DST surprises)."""
    hour = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour if period == ProbeRollup.Period.HOUR else hour.replace(hour=0)


def roll_up_source(source: Source, period: str, *, now: datetime) -> int:
    """Recompute `source`'s buckets from its newest stored one on; return how many were written."""
    last = (
        ProbeRollup.objects.filter(source=source, period=period)
        .order_by("-start")
        .values_list("start", flat=True)
        .first()
    )
    if last is None:
        first = (
            ProbeResult.objects.filter(source=source)
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
        if first is None:
            return 0
        start = bucket_start(first, period)
    else:
        # A bucket whose raw rows may already be pruned is final: never recompute it from less
        # (a probe that was off for longer than the retention has such a stale newest bucket).
        retention_start = now - timedelta(days=settings.AIWATCH_PROBE_RETENTION_DAYS)
        start = max(last, bucket_start(retention_start, period) + PERIODS[period])
    rows = ProbeResult.objects.filter(source=source, at__gte=start, at__lte=now).values_list(
        "at", "verdict", "latency_ms"
    )
    grouped: dict[datetime, list[tuple[str, float | None]]] = {}
    for at, verdict, latency in rows:
        grouped.setdefault(bucket_start(at, period), []).append((verdict, latency))
    with transaction.atomic():
        for bucket, bucket_rows in grouped.items():
            totals = aggregate(bucket_rows)
            ProbeRollup.objects.update_or_create(
                source=source,
                period=period,
                start=bucket,
                defaults={
                    "provider_id": source.provider_id,
                    "count": totals.count,
                    "failures": totals.failures,
                    "p50_ms": totals.p50_ms,
                    "p95_ms": totals.p95_ms,
                    "max_ms": totals.max_ms,
                },
            )
    return len(grouped)


def roll_up(*, now: datetime) -> int:
    """Roll up every probe's new results into hourly and daily buckets. Idempotent."""
    written = 0
    for source in Source.objects.probes().order_by("pk"):
        for period in PERIODS:
            written += roll_up_source(source, period, now=now)
    return written


@dataclass(frozen=True, slots=True)
class PruneReport:
    rolled_up: int
    results_deleted: int
    hourly_deleted: int
    reports_deleted: int


# Team reports only matter as recent history; a year is plenty for "usual level".
REPORT_RETENTION_DAYS = 365


def prune(*, now: datetime) -> PruneReport:
    """Roll up first, then delete raw results past retention and hourly rollups past theirs."""
    rolled = roll_up(now=now)
    cutoff = now - timedelta(days=settings.AIWATCH_PROBE_RETENTION_DAYS)
    results, _ = ProbeResult.objects.filter(at__lt=cutoff).delete()
    hourly_cutoff = now - timedelta(days=settings.AIWATCH_PROBE_HOURLY_RETENTION_DAYS)
    hourly, _ = ProbeRollup.objects.filter(
        period=ProbeRollup.Period.HOUR, start__lt=hourly_cutoff
    ).delete()
    reports, _ = TeamReport.objects.filter(
        at__lt=now - timedelta(days=REPORT_RETENTION_DAYS)
    ).delete()
    return PruneReport(rolled, results, hourly, reports)


def latency_points(
    provider_id: int, *, period: str, since: datetime
) -> dict[int, list[tuple[datetime, float | None, float | None]]]:
    """Per probe of the provider: (bucket start, p50, p95) from `since`, oldest first."""
    points: dict[int, list[tuple[datetime, float | None, float | None]]] = {}
    rows = (
        ProbeRollup.objects.filter(provider_id=provider_id, period=period, start__gte=since)
        .order_by("start", "pk")
        .values_list("source_id", "start", "p50_ms", "p95_ms")
    )
    for source_id, start, p50, p95 in rows:
        points.setdefault(source_id, []).append((start, p50, p95))
    return points
