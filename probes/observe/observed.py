"""Observed status: what our own probes see, per probe and per provider.

The rules are pure functions (`signal_for`, `step`, `combine`) so they are tested without a
database or a clock. The database side (`apply_results`, `refresh_provider_observed`) feeds
them and stores each confirmed transition exactly once: a probe remembers the last result it
applied (`Source.observed_through`), so applying the same results again changes nothing.

A change needs AIWATCH_OBSERVED_CONFIRM results in a row (recovery AIWATCH_OBSERVED_RECOVER
successes), so one blip never flaps. Observed status never feeds the official `Provider.status`.

An outage settles: once a recovery is confirmed, the failures before it have been told (as the
outage and its end) and no longer count toward the failure ratio, and while a probe is in a
confirmed outage its successes point to recovery, not to "degraded". So one outage is two
changes, never "down, up, degraded, up" on healthy answers. Latency is judged against the probe's
own p95 over at least BASELINE_MIN_SAMPLES answers and never below AIWATCH_OBSERVED_SLOW_FLOOR_MS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from probes import signals
from probes.models import ObservedTransition, ProbeResult, Provider, Source
from probes.observe.verdicts import DOWN, INCONCLUSIVE
from probes.parsers.types import Status

# Provider observed statuses that count as an outage for detection lead and silent outages.
OUTAGE_STATUSES = frozenset({Status.MAJOR_OUTAGE, Status.PARTIAL_OUTAGE})
# Results this recent decide the failure ratio; the baseline needs this many samples.
RATIO_WINDOW = 10
BASELINE_MIN_SAMPLES = 10


@dataclass(frozen=True, slots=True)
class Thresholds:
    confirm: int = 2
    recover: int = 2
    slow_factor: float = 3.0
    slow_floor_ms: float = 1000.0
    failure_ratio: float = 0.3

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            confirm=max(1, settings.AIWATCH_OBSERVED_CONFIRM),
            recover=max(1, settings.AIWATCH_OBSERVED_RECOVER),
            slow_factor=settings.AIWATCH_OBSERVED_SLOW_FACTOR,
            slow_floor_ms=settings.AIWATCH_OBSERVED_SLOW_FLOOR_MS,
            failure_ratio=settings.AIWATCH_OBSERVED_FAILURE_RATIO,
        )


@dataclass(frozen=True, slots=True)
class ProbeState:
    status: Status = Status.UNKNOWN
    pending: Status | None = None
    streak: int = 0
    pending_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Change:
    old: Status
    new: Status
    at: datetime
    # When the first result of the confirming streak came in.
    since: datetime


def signal_for(
    verdict: str,
    latency_ms: float | None,
    *,
    baseline_p95_ms: float | None,
    recent_verdicts: Sequence[str],
    thresholds: Thresholds,
    current: Status = Status.OPERATIONAL,
) -> Status | None:
    """The status one result points to; None when it cannot tell (inconclusive).

    Down for a failure; degraded for an answer slower than the probe's own recent p95 times
    the slow factor (and above the floor), or when the failure ratio over the last results
    (`recent_verdicts`, this one included, none from before the last confirmed recovery)
    reaches the threshold; operational otherwise. While the probe is in a confirmed outage
    (`current` major outage) a timely answer is a recovery signal: the failures of that outage
    are the outage itself, not intermittent trouble after it.
    """
    if verdict == INCONCLUSIVE:
        return None
    if verdict == DOWN:
        return Status.MAJOR_OUTAGE
    if (
        latency_ms is not None
        and baseline_p95_ms is not None
        and latency_ms > max(baseline_p95_ms * thresholds.slow_factor, thresholds.slow_floor_ms)
    ):
        return Status.DEGRADED_PERFORMANCE
    if current == Status.MAJOR_OUTAGE:
        return Status.OPERATIONAL
    conclusive = [v for v in recent_verdicts if v != INCONCLUSIVE]
    if len(conclusive) >= RATIO_WINDOW:
        failed = sum(v == DOWN for v in conclusive[-RATIO_WINDOW:])
        if failed / RATIO_WINDOW >= thresholds.failure_ratio:
            return Status.DEGRADED_PERFORMANCE
    return Status.OPERATIONAL


def step(
    state: ProbeState, signal: Status | None, at: datetime, thresholds: Thresholds
) -> tuple[ProbeState, Change | None]:
    """Feed one result's signal to the state machine; return the new state and any change."""
    if signal is None:
        return state, None
    if signal == state.status:
        return ProbeState(state.status), None
    bad = {Status.MAJOR_OUTAGE, Status.DEGRADED_PERFORMANCE}
    # Consecutive results that all disagree with the current status in the same direction
    # (failing, or slow, in any mix) build one streak; the latest decides where it lands.
    continues = state.pending is not None and (
        signal == state.pending or (signal in bad and state.pending in bad)
    )
    streak = state.streak + 1 if continues else 1
    since = state.pending_since if continues and state.pending_since else at
    needed = thresholds.recover if signal == Status.OPERATIONAL else thresholds.confirm
    if streak >= needed:
        return ProbeState(signal), Change(state.status, signal, at, since)
    return ProbeState(state.status, signal, streak, since), None


def combine(statuses: Iterable[Status]) -> Status:
    """A provider's observed status from its probes' observed statuses.

    All known probes down: major outage; some down: partial outage; any slow: degraded; all
    fine: operational; none known: unknown.
    """
    known = [status for status in statuses if status != Status.UNKNOWN]
    if not known:
        return Status.UNKNOWN
    down = sum(status == Status.MAJOR_OUTAGE for status in known)
    if down == len(known):
        return Status.MAJOR_OUTAGE
    if down:
        return Status.PARTIAL_OUTAGE
    if Status.DEGRADED_PERFORMANCE in known:
        return Status.DEGRADED_PERFORMANCE
    return Status.OPERATIONAL


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of `values` (any order); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


# The database side.


def _state_of(source: Source) -> ProbeState:
    return ProbeState(
        status=Status(source.observed_status),
        pending=Status(source.observed_pending) if source.observed_pending else None,
        streak=source.observed_streak,
        pending_since=source.observed_pending_since,
    )


def _baseline_p95(source_id: int, before: datetime) -> float | None:
    start = before - timedelta(hours=settings.AIWATCH_OBSERVED_BASELINE_HOURS)
    latencies = ProbeResult.objects.filter(
        source_id=source_id,
        verdict="up",
        latency_ms__isnull=False,
        at__gte=start,
        at__lt=before,
    ).values_list("latency_ms", flat=True)
    values = [value for value in latencies if value is not None]
    if len(values) < BASELINE_MIN_SAMPLES:
        return None
    return percentile(values, 95)


def _recent_verdicts(
    source_id: int, upto: ProbeResult, settled_since: datetime | None
) -> list[str]:
    results = ProbeResult.objects.filter(source_id=source_id, pk__lte=upto.pk)
    if settled_since is not None:
        results = results.filter(at__gte=settled_since)
    verdicts = list(
        results.exclude(verdict=INCONCLUSIVE)
        .order_by("-at", "-pk")
        .values_list("verdict", flat=True)[:RATIO_WINDOW]
    )
    return verdicts[::-1]


def _last_recovery_since(source_id: int) -> datetime | None:
    """Where the probe's last confirmed recovery began: the failure ratio starts there."""
    return (
        ObservedTransition.objects.filter(source_id=source_id, new_status=Status.OPERATIONAL)
        .order_by("-at", "-pk")
        .values_list("since", flat=True)
        .first()
    )


@transaction.atomic
def apply_results(
    source: Source, *, thresholds: Thresholds | None = None
) -> list[ObservedTransition]:
    """Apply the probe's results not applied yet, in order; store each confirmed transition.

    Idempotent: results up to `observed_through` are never applied twice.
    """
    thresholds = thresholds or Thresholds.from_settings()
    locked = Source.objects.select_for_update().get(pk=source.pk)
    results = list(
        ProbeResult.objects.filter(source_id=locked.pk, pk__gt=locked.observed_through).order_by(
            "at", "pk"
        )
    )
    if not results:
        return []
    state = _state_of(locked)
    settled_since = _last_recovery_since(locked.pk)
    transitions = []
    for result in results:
        signal = signal_for(
            result.verdict,
            result.latency_ms,
            # The baseline stops where the current streak began, so slow answers that are
            # still being confirmed do not raise the bar they are measured against.
            baseline_p95_ms=_baseline_p95(locked.pk, state.pending_since or result.at)
            if result.verdict == "up" and result.latency_ms is not None
            else None,
            recent_verdicts=_recent_verdicts(locked.pk, result, settled_since),
            thresholds=thresholds,
            current=state.status,
        )
        state, change = step(state, signal, result.at, thresholds)
        if change is not None and change.new == Status.OPERATIONAL:
            settled_since = change.since
        if change is not None:
            transition = ObservedTransition.objects.create(
                provider_id=locked.provider_id,
                source=locked,
                old_status=change.old.value,
                new_status=change.new.value,
                at=change.at,
                since=change.since,
            )
            transitions.append(transition)
            locked.observed_changed_at = change.at
            signals.observed_status_changed.send(
                sender=Source,
                provider=locked.provider,
                source=locked,
                old=change.old,
                new=change.new,
                at=change.at,
                transition=transition,
            )
    fields = {
        "observed_status": state.status.value,
        "observed_pending": state.pending.value if state.pending else "",
        "observed_streak": state.streak,
        "observed_pending_since": state.pending_since,
        "observed_changed_at": locked.observed_changed_at,
        "observed_through": results[-1].pk,
    }
    Source.objects.filter(pk=locked.pk).update(**fields)
    for name, value in fields.items():
        setattr(source, name, value)
    return transitions


@transaction.atomic
def refresh_provider_observed(provider_id: int, *, at: datetime) -> ObservedTransition | None:
    """Recompute a provider's observed status from its enabled probes; record a change once."""
    probes = Source.objects.filter(
        provider_id=provider_id, enabled=True, kind__in=Source.PROBE_KINDS
    ).values_list("observed_status", "observed_pending_since", "observed_changed_at")
    rows = list(probes)
    new_status = combine(Status(status) for status, _, _ in rows)
    current = (
        Provider.objects.select_for_update()
        .filter(pk=provider_id)
        .values_list("observed_status", flat=True)
        .first()
    )
    if current is None:
        return None
    Provider.objects.filter(pk=provider_id).update(observed_checked_at=at)
    if current == new_status.value:
        return None
    claimed = Provider.objects.filter(pk=provider_id, observed_status=current).update(
        observed_status=new_status.value, observed_status_changed_at=at
    )
    if not claimed:
        return None  # another writer recorded this change first
    transition = ObservedTransition.objects.create(
        provider_id=provider_id,
        source=None,
        old_status=current,
        new_status=new_status.value,
        at=at,
        since=at,
    )
    signals.observed_status_changed.send(
        sender=Provider,
        provider=Provider.objects.get(pk=provider_id),
        source=None,
        old=Status(current),
        new=new_status,
        at=at,
        transition=transition,
    )
    return transition


# Freshness: an observed status older than this many probe intervals is shown as unknown.
STALE_AFTER_INTERVALS = 3


@dataclass(frozen=True, slots=True)
class ObservedView:
    """The observed status as pages and the API show it, with provenance and freshness."""

    status: Status
    checked_at: datetime | None
    changed_at: datetime | None
    is_fresh: bool
    has_probes: bool

    @property
    def label(self) -> str:
        return self.status.label

    provenance = "observed"


def observed_view(
    provider: Provider, probe_intervals: Sequence[int], now: datetime
) -> ObservedView:
    """What to show for `provider`: its observed status, or unknown once it has gone stale."""
    if not probe_intervals:
        return ObservedView(Status.UNKNOWN, None, None, is_fresh=False, has_probes=False)
    checked = provider.observed_checked_at
    horizon = timedelta(seconds=STALE_AFTER_INTERVALS * max(probe_intervals))
    fresh = checked is not None and now - checked <= horizon
    status = Status(provider.observed_status) if fresh else Status.UNKNOWN
    return ObservedView(
        status, checked, provider.observed_status_changed_at, is_fresh=fresh, has_probes=True
    )
