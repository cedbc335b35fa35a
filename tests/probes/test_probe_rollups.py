"""Rollups equal aggregates of the raw rows; retention keeps them after the raw rows go."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count, Max, Q

from probes.models import ProbeResult, ProbeRollup, Provider, Source
from probes.observe import rollups
from probes.observe.observed import percentile

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 10, 12, 30, tzinfo=UTC)


@pytest.fixture
def source() -> Source:
    provider = Provider.objects.create(slug="example", name="Example AI")
    return Source.objects.create(
        provider=provider, url="https://api.example.test/v1/models", kind="http_probe"
    )


def add_results(source: Source, start: datetime, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        verdict = rng.choice(["up"] * 8 + ["down", "inconclusive"])
        answered = verdict != "down" or rng.random() < 0.5
        rows.append(
            ProbeResult(
                source=source,
                provider_id=source.provider_id,
                at=start + timedelta(minutes=7 * index),
                verdict=verdict,
                latency_ms=rng.uniform(50, 900) if answered else None,
            )
        )
    ProbeResult.objects.bulk_create(rows)


def assert_rollups_match_raw(period: str) -> None:
    step = rollups.PERIODS[period]
    buckets = list(ProbeRollup.objects.filter(period=period))
    assert buckets
    for bucket in buckets:
        raw = ProbeResult.objects.filter(
            source_id=bucket.source_id, at__gte=bucket.start, at__lt=bucket.start + step
        )
        totals = raw.aggregate(
            count=Count("pk"), failures=Count("pk", filter=Q(verdict="down")), max=Max("latency_ms")
        )
        latencies = [v for v in raw.values_list("latency_ms", flat=True) if v is not None]
        assert (bucket.count, bucket.failures, bucket.max_ms) == (
            totals["count"],
            totals["failures"],
            totals["max"],
        )
        assert bucket.p50_ms == percentile(latencies, 50)
        assert bucket.p95_ms == percentile(latencies, 95)
    assert sum(b.count for b in buckets) == ProbeResult.objects.filter(at__lte=NOW).count()


def test_hourly_and_daily_rollups_equal_the_aggregates_of_the_raw_rows(source):
    add_results(source, NOW - timedelta(days=3), 600)
    rollups.roll_up(now=NOW)
    assert_rollups_match_raw("hour")
    assert_rollups_match_raw("day")


def test_rolling_up_is_incremental_and_idempotent(source):
    add_results(source, NOW - timedelta(hours=10), 80, seed=1)
    rollups.roll_up(now=NOW - timedelta(hours=5))
    first = ProbeRollup.objects.filter(period="hour").count()
    rollups.roll_up(now=NOW)
    rollups.roll_up(now=NOW)
    assert ProbeRollup.objects.filter(period="hour").count() > first
    assert_rollups_match_raw("hour")
    before = list(ProbeRollup.objects.values_list("start", "count", "failures", "p95_ms"))
    rollups.roll_up(now=NOW)
    assert list(ProbeRollup.objects.values_list("start", "count", "failures", "p95_ms")) == before


def test_a_bucket_of_no_answers_has_no_latency(source):
    ProbeResult.objects.create(
        source=source,
        provider=source.provider,
        at=NOW - timedelta(minutes=5),
        verdict="down",
        error_class="timeout",
    )
    rollups.roll_up(now=NOW)
    hour = ProbeRollup.objects.get(period="hour")
    assert (hour.count, hour.failures, hour.p50_ms, hour.p95_ms, hour.max_ms) == (
        1,
        1,
        None,
        None,
        None,
    )


def test_pruning_rolls_up_first_then_drops_old_raw_rows_and_keeps_the_rollups(source, settings):
    settings.AIWATCH_PROBE_RETENTION_DAYS = 7
    add_results(source, NOW - timedelta(days=10), 2000)
    raw_total = ProbeResult.objects.filter(at__lte=NOW).count()
    report = rollups.prune(now=NOW)
    assert report.results_deleted > 0
    assert not ProbeResult.objects.filter(at__lt=NOW - timedelta(days=7)).exists()
    daily = ProbeRollup.objects.filter(period="day")
    assert sum(daily.values_list("count", flat=True)) == raw_total
    # Later roll-ups never recompute a bucket from the rows that are left.
    before = list(daily.order_by("start").values_list("start", "count"))
    rollups.roll_up(now=NOW + timedelta(days=1))
    assert (
        list(daily.order_by("start").values_list("start", "count"))[: len(before) - 1]
        == before[:-1]
    )
