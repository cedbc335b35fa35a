"""Observed status rules, detection lead and silent outages (pure, then against the database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from probes.models import (
    Incident,
    IncidentUpdate,
    ObservedTransition,
    ProbeResult,
    Provider,
    Source,
)
from probes.observe import detection, observed
from probes.observe.detection import Episode, OfficialIncident, match_incidents, outage_episodes
from probes.observe.observed import ProbeState, Thresholds, combine, signal_for, step
from probes.parsers.types import Status

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
UP, DOWN, SLOW = Status.OPERATIONAL, Status.MAJOR_OUTAGE, Status.DEGRADED_PERFORMANCE


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def run_machine(signals, thresholds=None):
    thresholds = thresholds or Thresholds()
    state = ProbeState(UP)
    changes = []
    for index, signal in enumerate(signals):
        state, change = step(state, signal, minutes(index), thresholds)
        if change:
            changes.append((change.old, change.new, index))
    return state, changes


def test_one_blip_does_not_flap():
    state, changes = run_machine([UP, DOWN, UP, DOWN, UP, UP])
    assert changes == []
    assert state.status == UP


def test_a_change_needs_the_confirmation_count_and_recovery_the_recovery_count():
    _, changes = run_machine([DOWN, DOWN, DOWN, UP, UP, UP], Thresholds(confirm=3, recover=4))
    assert changes == [(UP, DOWN, 2)]
    _, changes = run_machine([DOWN, DOWN, UP, UP, UP, UP], Thresholds(confirm=2, recover=4))
    assert changes == [(UP, DOWN, 1), (DOWN, UP, 5)]


def test_inconclusive_results_neither_confirm_nor_break_a_streak():
    _, changes = run_machine([DOWN, None, None, DOWN])
    assert changes == [(UP, DOWN, 3)]


def test_failing_and_slow_results_in_a_row_make_one_streak():
    _, changes = run_machine([DOWN, SLOW])
    assert changes == [(UP, SLOW, 1)]


def test_a_slow_answer_is_degraded_against_the_probes_own_p95():
    kwargs = {
        "recent_verdicts": ["up"] * 10,
        "thresholds": Thresholds(slow_factor=3, slow_floor_ms=100),
    }
    assert signal_for("up", 1000, baseline_p95_ms=200, **kwargs) == SLOW
    assert signal_for("up", 500, baseline_p95_ms=200, **kwargs) == UP
    # Without a baseline (too few samples) latency says nothing.
    assert signal_for("up", 5000, baseline_p95_ms=None, **kwargs) == UP
    # Below the floor, a fast probe is never called slow.
    assert signal_for("up", 90, baseline_p95_ms=10, **kwargs) == UP


def test_a_failure_ratio_makes_successes_degraded():
    recent = ["up", "down"] * 5
    assert (
        signal_for(
            "up",
            10,
            baseline_p95_ms=None,
            recent_verdicts=recent,
            thresholds=Thresholds(failure_ratio=0.3),
        )
        == SLOW
    )
    assert (
        signal_for(
            "down", 10, baseline_p95_ms=None, recent_verdicts=recent, thresholds=Thresholds()
        )
        == DOWN
    )
    assert (
        signal_for(
            "inconclusive",
            10,
            baseline_p95_ms=None,
            recent_verdicts=recent,
            thresholds=Thresholds(),
        )
        is None
    )


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], Status.UNKNOWN),
        ([Status.UNKNOWN], Status.UNKNOWN),
        ([UP, UP], UP),
        ([UP, DOWN], Status.PARTIAL_OUTAGE),
        ([DOWN, DOWN, Status.UNKNOWN], DOWN),
        ([UP, SLOW], SLOW),
    ],
)
def test_a_providers_observed_status_combines_its_probes(statuses, expected):
    assert combine(statuses) == expected


def test_outage_episodes_come_from_provider_transitions():
    episodes = outage_episodes(
        [
            (minutes(0), UP),
            (minutes(10), Status.PARTIAL_OUTAGE),
            (minutes(15), DOWN),
            (minutes(30), UP),
            (minutes(50), DOWN),
        ]
    )
    assert episodes == [Episode(minutes(10), minutes(30), DOWN), Episode(minutes(50), None, DOWN)]


def incident(pk, start, first_post, end, maintenance=False):
    return OfficialIncident(pk, f"incident {pk}", start, first_post, end, maintenance)


def test_lead_is_positive_when_we_saw_it_first_and_unmatched_outages_are_silent():
    episodes = [
        Episode(minutes(0), minutes(40), DOWN),  # the provider posts 12 minutes later
        Episode(minutes(300), minutes(320), DOWN),  # nobody posts: silent
        Episode(minutes(600), minutes(650), DOWN),  # we confirm 5 minutes after their post
    ]
    incidents = [
        incident(1, minutes(5), minutes(12), minutes(60)),
        incident(2, minutes(590), minutes(595), minutes(700)),
        incident(3, minutes(2000), minutes(2000), None),  # we saw nothing
    ]
    leads, silent = match_incidents(
        episodes, incidents, window=timedelta(minutes=120), now=minutes(3000)
    )
    assert [(lead.incident.pk, lead.lead) for lead in leads] == [
        (1, timedelta(minutes=12)),
        (2, timedelta(minutes=-5)),
    ]
    assert silent == [episodes[1]]


def test_an_outage_that_ended_before_the_late_post_still_counts_within_the_window():
    episodes = [Episode(minutes(0), minutes(20), DOWN)]
    late = [incident(1, minutes(60), minutes(60), minutes(90))]
    leads, silent = match_incidents(episodes, late, window=timedelta(minutes=120), now=minutes(200))
    assert leads[0].lead == timedelta(minutes=60)
    assert silent == []
    leads, silent = match_incidents(episodes, late, window=timedelta(minutes=30), now=minutes(200))
    assert leads == []
    assert silent == episodes


def test_maintenance_explains_an_outage_but_has_no_lead():
    episodes = [Episode(minutes(0), minutes(20), DOWN)]
    planned = [incident(1, minutes(0), minutes(0), minutes(30), maintenance=True)]
    leads, silent = match_incidents(episodes, planned, window=timedelta(0), now=minutes(100))
    assert leads == []
    assert silent == []


@pytest.mark.django_db
def test_detection_for_reads_official_incident_fixtures_and_observed_transitions():
    provider = Provider.objects.create(slug="example", name="Example AI")
    for at, old, new in [
        (minutes(0), "unknown", "operational"),
        (minutes(10), "operational", "major_outage"),
        (minutes(40), "major_outage", "operational"),
        (minutes(200), "operational", "partial_outage"),
        (minutes(230), "partial_outage", "operational"),
    ]:
        ObservedTransition.objects.create(provider=provider, old_status=old, new_status=new, at=at)
    official = Incident.objects.create(
        provider=provider,
        external_id="inc-1",
        title="Elevated errors",
        impact="major",
        status="resolved",
        started_at=minutes(14),
        resolved_at=minutes(60),
    )
    IncidentUpdate.objects.create(incident=official, key="u2", status="resolved", at=minutes(60))
    IncidentUpdate.objects.create(
        incident=official, key="u1", status="investigating", at=minutes(25)
    )

    found = detection.detection_for(provider, now=minutes(300))
    assert [(lead.incident.pk, lead.lead) for lead in found.leads] == [
        (official.pk, timedelta(minutes=15))
    ]
    assert found.median_lead == timedelta(minutes=15)
    assert [(e.start, e.end) for e in found.silent] == [(minutes(200), minutes(230))]


@pytest.mark.django_db
def test_a_slow_probe_is_degraded_against_its_own_recent_results():
    provider = Provider.objects.create(slug="example", name="Example AI")
    source = Source.objects.create(
        provider=provider, url="https://api.example.test/v1/models", kind="http_probe"
    )
    for index in range(12):
        ProbeResult.objects.create(
            source=source,
            provider=provider,
            at=minutes(index),
            verdict="up",
            status_code=401,
            latency_ms=100 + index,
        )
    observed.apply_results(source)
    assert source.observed_status == "operational"
    for index in (12, 13):
        ProbeResult.objects.create(
            source=source,
            provider=provider,
            at=minutes(index),
            verdict="up",
            status_code=401,
            latency_ms=5000,
        )
    changes = observed.apply_results(source)
    assert [(c.old_status, c.new_status) for c in changes] == [
        ("operational", "degraded_performance")
    ]
    assert observed.apply_results(source) == []
