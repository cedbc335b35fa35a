"""Observed status settles: one outage, its recovery and healthy jitter make two changes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from alerts.events import EventType
from alerts.models import Event
from probes.models import ObservedTransition, Provider, Source
from probes.observe.observed import Thresholds, signal_for
from probes.observe.probing import record_probe_results
from probes.observe.verdicts import DOWN, UP, ProbeOutcome
from probes.parsers.types import Status

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def replay(source, outcomes, *, start=0):
    for minute, outcome in enumerate(outcomes, start=start):
        source.refresh_from_db()
        record_probe_results([(source, outcome, T0 + timedelta(minutes=minute))])


def healthy(count, rng, *, slowest=98.0):
    return [
        ProbeOutcome(UP, status_code=200, latency_ms=rng.uniform(10, slowest)) for _ in range(count)
    ]


def test_an_outage_its_recovery_and_healthy_jitter_make_two_changes_and_two_alerts():
    rng = random.Random(11)
    provider = Provider.objects.create(slug="example", name="Example AI")
    source = Source.objects.create(
        provider=provider, url="https://api.example.test/v1/models", kind="http_probe"
    )
    # A tight baseline (p95 about 20 ms): later answers at up to 98 ms are five times slower,
    # still far below the absolute floor, so they are never "degraded".
    replay(source, healthy(30, rng, slowest=20))
    provider.refresh_from_db()
    assert provider.observed_status == "operational"
    settled = ObservedTransition.objects.count()

    outage = [ProbeOutcome(DOWN, "overloaded", 503, 5.0, message="HTTP 503")] * 5
    replay(source, outage + healthy(60, rng), start=30)

    changes = ObservedTransition.objects.filter(source=None).order_by("at", "pk")[1:]
    assert [(c.old_status, c.new_status) for c in changes] == [
        ("operational", "major_outage"),
        ("major_outage", "operational"),
    ]
    assert (
        ObservedTransition.objects.count() - settled == 4
    )  # two for the probe, two for its provider
    assert [e.type for e in Event.objects.order_by("at", "pk")] == [
        EventType.OBSERVED_OUTAGE,
        EventType.OBSERVED_RECOVERED,
    ]


def test_a_timely_answer_during_a_confirmed_outage_points_to_recovery_not_degraded():
    failing = ["down"] * 8 + ["up", "up"]
    kwargs = {"baseline_p95_ms": None, "recent_verdicts": failing, "thresholds": Thresholds()}
    assert signal_for("up", 40, current=Status.MAJOR_OUTAGE, **kwargs) == Status.OPERATIONAL
    # Outside an outage the same history is intermittent trouble.
    assert signal_for("up", 40, current=Status.OPERATIONAL, **kwargs) == (
        Status.DEGRADED_PERFORMANCE
    )


def test_failures_before_a_confirmed_recovery_do_not_count_in_a_later_batch():
    provider = Provider.objects.create(slug="example", name="Example AI")
    source = Source.objects.create(
        provider=provider, url="https://api.example.test/v1/models", kind="http_probe"
    )
    down = ProbeOutcome(DOWN, "http_5xx", 500, 5.0)
    up = ProbeOutcome(UP, status_code=200, latency_ms=30.0)
    replay(source, [up] * 10 + [down] * 4 + [up] * 2)
    source.refresh_from_db()
    assert source.observed_status == "operational"
    # A later call (a new batch) still knows where the recovery began.
    replay(source, [up] * 8, start=16)
    source.refresh_from_db()
    assert source.observed_status == "operational"
    assert not ObservedTransition.objects.filter(new_status="degraded_performance").exists()
