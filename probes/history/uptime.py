"""Uptime arithmetic: pure functions over status intervals, no database and no clock.

The rules
---------
* Time is split into **UTC days** (00:00-24:00 UTC). A day is the same 86,400 seconds for
  everyone; a viewer in New York on the day clocks change still sees UTC-day buckets (the page
  labels them as UTC dates). Durations are differences of aware UTC datetimes, so DST never
  adds or loses an hour.
* **Major outage** counts as down for 100 % of its time.
* **Partial outage** counts as down for ``PARTIAL_OUTAGE_WEIGHT`` (0.3) of its time: 30 minutes
  of partial outage are 9 minutes down. This follows the weighting Atlassian Statuspage uses
  for the uptime bars on its hosted pages (partial outage at 30 % of a major outage) as it is
  commonly described; we have not verified the figure against Statuspage's own text.
* **Degraded performance** and **operational** are up.
* **Under maintenance** is excluded from the denominator: planned work neither helps nor hurts.
* **Unknown** (we could not read the source) and **not watched** (before we first read the
  subject, or a gap) are excluded from the denominator too. A day with no watched second has
  uptime ``None`` ("no data"), never 100 %.

One rule for every row, the provider's overall row and each component's alike: **a figure is
the up share of the time we watched that row** within its window. The overall row follows the
provider's overall recorded status, each component its own, so they can differ; a row watched
for less than its window says so (`WindowUptime.watched_since`, the watched time), so "100 %"
over ten minutes never reads as 100 % over 90 days.

Sources of truth, combined per subject (a component, or a provider as a whole):

1. StatusChange intervals: each change holds until the next one; the last one holds until
   "now" (the end of the computation). Time before the first change is not watched.
2. Incident impacts: while an incident is open, its subject is at least as bad as the
   incident's impact says (critical → major outage, major → partial outage, minor → degraded),
   for the components it names (or per-component impacts a history source gave), and for the
   provider as a whole. The worse of the recorded status and the impact wins.
3. Incidents only ever worsen watched time; they never add any. An incident from before we
   watched (archived, backfilled, or the past entries of a new provider's feed) is listed and
   counts in the reliability figures (probes.history.reliability), but it gives no day an
   uptime: counting the rest of such a day as up would credit hours nobody watched.

`daily_totals` turns the combined intervals into per-day totals, which probes/rollups.py stores
as UptimeDay rows. `extend_days` carries the stored rows on to the present (the last known
status holds) without touching raw rows, so a page view costs one query.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from probes.parsers.types import Status, worst

PARTIAL_OUTAGE_WEIGHT = 0.3

DOWN_WEIGHTS: dict[Status, float] = {
    Status.MAJOR_OUTAGE: 1.0,
    Status.PARTIAL_OUTAGE: PARTIAL_OUTAGE_WEIGHT,
}

# Statuses whose time is left out of the denominator.
EXCLUDED: frozenset[Status] = frozenset({Status.UNDER_MAINTENANCE, Status.UNKNOWN})

DAY = timedelta(days=1)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Segment:
    """[start, end) in one status; `status` None means no data."""

    start: datetime
    end: datetime
    status: Status | None

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class ImpactSpan:
    """An incident's effect on a subject: at least `status` over [start, end); end None = open."""

    start: datetime
    end: datetime | None
    status: Status


@dataclass(frozen=True, slots=True)
class Counted:
    """Exact microseconds one stretch of a day spent in each status that counts (integers, so
    the sum of two stretches is exactly the stretch they make together)."""

    observed: int = 0
    major: int = 0
    partial: int = 0
    degraded: int = 0
    maintenance: int = 0

    def __add__(self, other: Counted) -> Counted:
        return Counted(
            self.observed + other.observed,
            self.major + other.major,
            self.partial + other.partial,
            self.degraded + other.degraded,
            self.maintenance + other.maintenance,
        )

    def as_list(self) -> list[int]:
        return [self.observed, self.major, self.partial, self.degraded, self.maintenance]


@dataclass(frozen=True, slots=True)
class DayTotals:
    """What one UTC day of one subject adds up to, up to `computed_until`."""

    day: date
    observed_seconds: int
    down_seconds: float
    major_seconds: int
    partial_seconds: int
    degraded_seconds: int
    maintenance_seconds: int
    computed_until: datetime
    # The recorded status (StatusChange only) at `computed_until`; None when there is none.
    tail_status: Status | None
    # The exact microseconds behind the figures: a later stretch of the same day adds to these.
    counted: Counted = Counted()

    @property
    def uptime(self) -> float | None:
        return uptime_ratio(self.observed_seconds, self.down_seconds)


@dataclass(frozen=True, slots=True)
class DayUptime:
    """One day as pages and the API show it."""

    day: date
    observed_seconds: float
    down_seconds: float

    @property
    def uptime(self) -> float | None:
        return uptime_ratio(self.observed_seconds, self.down_seconds)

    @property
    def minutes_down(self) -> float:
        return round(self.down_seconds / 60, 1)


@dataclass(frozen=True, slots=True)
class WindowUptime:
    """One row's figure over a window of days, with its coverage."""

    days: int
    observed_seconds: float
    down_seconds: float
    # When we first watched the row, when that falls inside the window (None: before it, or
    # never): the figure then covers only the time since.
    watched_since: datetime | None = None

    @property
    def uptime(self) -> float | None:
        return uptime_ratio(self.observed_seconds, self.down_seconds)

    @property
    def watched(self) -> timedelta:
        """How much of the window we watched: the time the figure is over."""
        return timedelta(seconds=round(self.observed_seconds))


class RollupRow(Protocol):
    """What `extend_days` needs from a stored day (probes.models.UptimeDay fits)."""

    day: date
    observed_seconds: int
    down_seconds: float
    computed_until: datetime
    tail_status: str


def uptime_ratio(observed_seconds: float, down_seconds: float) -> float | None:
    """Up share of observed time, 0..1; None when nothing was observed (no data, not 100 %)."""
    if observed_seconds <= 0:
        return None
    return max(0.0, min(1.0, 1.0 - down_seconds / observed_seconds))


def day_start(moment: datetime | date) -> datetime:
    """Midnight UTC starting the UTC day of `moment`."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    return datetime.combine(moment, time.min, tzinfo=UTC)


def utc_days(start: date, end: date) -> list[date]:
    """Every UTC day from `start` through `end`, inclusive."""
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def status_segments(
    changes: Sequence[tuple[datetime, Status]],
    *,
    before: Status | None,
    start: datetime,
    end: datetime,
) -> list[Segment]:
    """The recorded status over [start, end).

    `changes` are (at, new_status) in time order; `before` is the status in force at `start`
    (None when there was no data yet). Changes outside the window only move the state.
    """
    segments: list[Segment] = []
    current = before
    cursor = start
    for at, status in changes:
        if at <= start:
            current = status
            continue
        if at >= end:
            break
        if at > cursor:
            segments.append(Segment(cursor, at, current))
            cursor = at
        current = status
    if cursor < end:
        segments.append(Segment(cursor, end, current))
    return segments


def combine(
    recorded: Sequence[Segment], spans: Iterable[ImpactSpan], *, start: datetime, end: datetime
) -> list[Segment]:
    """Lay incident impacts over recorded segments (rules 2 and 3 of the module docstring)."""
    clipped = [
        (max(span.start, start), min(span.end or end, end), span.status)
        for span in spans
        if span.status != Status.OPERATIONAL
    ]
    clipped = [(a, b, status) for a, b, status in clipped if a < b]

    bounds = {start, end}
    for segment in recorded:
        bounds.update((segment.start, segment.end))
    for a, b, _ in clipped:
        bounds.update((a, b))
    midnight = day_start(start)
    while midnight < end:
        if midnight > start:
            bounds.add(midnight)
        midnight += DAY
    edges = sorted(bound for bound in bounds if start <= bound <= end)

    result: list[Segment] = []
    index = 0
    for a, b in itertools.pairwise(edges):
        while index < len(recorded) and recorded[index].end <= a:
            index += 1
        base = (
            recorded[index].status if index < len(recorded) and recorded[index].start <= a else None
        )
        # Rule 3: an impact only worsens time we watched (a recorded status), never adds any.
        active = [status for sa, sb, status in clipped if sa <= a and b <= sb]
        status = worst([*active, base]) if active and base is not None else base
        if result and result[-1].status == status and result[-1].end == a:
            result[-1] = Segment(result[-1].start, b, status)
        else:
            result.append(Segment(a, b, status))
    return result


def daily_totals(
    segments: Sequence[Segment],
    recorded: Sequence[Segment],
    *,
    start: datetime,
    end: datetime,
    handed_on: Callable[[datetime], Status | None] | None = None,
    prior: Counted | None = None,
) -> list[DayTotals]:
    """Totals per UTC day from `start`'s day up to `end` (the last day is cut at `end`).

    `segments` is the combined timeline (`combine`); `recorded` the StatusChange-only one, used
    for the status a day hands on to the next (or `handed_on(moment)` when given, which also
    sees a change made exactly at the end of the day). `prior` is what the first day counted
    before `start`. Time is summed in whole microseconds, so a day counted in two stretches
    (an incremental update) comes out exactly as the day counted at once.
    """
    totals: list[DayTotals] = []
    first_segment = 0
    first, last = start.astimezone(UTC).date(), (end - timedelta(microseconds=1)).astimezone(UTC)
    for day in utc_days(first, last.date()):
        lo = max(day_start(day), start)
        hi = min(day_start(day) + DAY, end)
        micros: dict[Status | None, int] = {}
        # Segments are in time order: skip those that ended before this day.
        while first_segment < len(segments) and segments[first_segment].end <= lo:
            first_segment += 1
        for segment in segments[first_segment:]:
            if segment.start >= hi:
                break
            a, b = max(segment.start, lo), min(segment.end, hi)
            if a < b:
                micros[segment.status] = micros.get(segment.status, 0) + (b - a) // MICROSECOND
        counted = Counted(
            observed=sum(
                value
                for status, value in micros.items()
                if status is not None and status not in EXCLUDED
            ),
            major=micros.get(Status.MAJOR_OUTAGE, 0),
            partial=micros.get(Status.PARTIAL_OUTAGE, 0),
            degraded=micros.get(Status.DEGRADED_PERFORMANCE, 0),
            maintenance=micros.get(Status.UNDER_MAINTENANCE, 0),
        )
        if prior is not None and day == first:
            counted = prior + counted
        totals.append(
            day_totals(
                day,
                counted,
                computed_until=hi,
                tail_status=status_at(recorded, hi) if handed_on is None else handed_on(hi),
            )
        )
    return totals


def day_totals(
    day: date, counted: Counted, *, computed_until: datetime, tail_status: Status | None
) -> DayTotals:
    """A day's figures from its exact microseconds (seconds rounded, downtime weighted)."""
    seconds = {
        Status.MAJOR_OUTAGE: counted.major / 1e6,
        Status.PARTIAL_OUTAGE: counted.partial / 1e6,
    }
    return DayTotals(
        day=day,
        observed_seconds=round(counted.observed / 1e6),
        down_seconds=sum(seconds[status] * weight for status, weight in DOWN_WEIGHTS.items()),
        major_seconds=round(counted.major / 1e6),
        partial_seconds=round(counted.partial / 1e6),
        degraded_seconds=round(counted.degraded / 1e6),
        maintenance_seconds=round(counted.maintenance / 1e6),
        computed_until=computed_until,
        tail_status=tail_status,
        counted=counted,
    )


def status_at(segments: Sequence[Segment], moment: datetime) -> Status | None:
    """The status in force just before `moment` (the state handed on), None without data."""
    for segment in reversed(segments):
        if segment.start < moment <= segment.end:
            return segment.status
    return None


def compute_days(
    changes: Sequence[tuple[datetime, Status]],
    spans: Iterable[ImpactSpan],
    *,
    before: Status | None,
    start: datetime,
    end: datetime,
    prior: Counted | None = None,
) -> list[DayTotals]:
    """The whole recipe for one subject: recorded status, incident impacts, daily totals.

    Times may come in any zone; they are compared as instants and bucketed by UTC day.
    `prior` is what `start`'s day counted before `start` (see `daily_totals`).
    """
    changes = [(at.astimezone(UTC), status) for at, status in changes]
    spans = [
        ImpactSpan(span.start.astimezone(UTC), span.end and span.end.astimezone(UTC), span.status)
        for span in spans
    ]
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    recorded = status_segments(changes, before=before, start=start, end=end)
    combined = combine(recorded, spans, start=start, end=end)

    times = [at for at, _ in changes]

    def handed_on(moment: datetime) -> Status | None:
        # The last change at or before `moment`, else what held before the window.
        index = bisect.bisect_right(times, moment)
        return changes[index - 1][1] if index else before

    if end <= start:
        # An empty stretch (a change at the very start of a day, read at that instant): only
        # the status it hands on is known.
        return [
            day_totals(
                start.date(), prior or Counted(), computed_until=start, tail_status=handed_on(start)
            )
        ]
    return daily_totals(combined, recorded, start=start, end=end, handed_on=handed_on, prior=prior)


def extend_days(
    rows: Iterable[RollupRow], days: Sequence[date], *, now: datetime
) -> list[DayUptime]:
    """The uptime of each of `days`, from stored rows, carried on to `now`.

    A row covers its day up to `computed_until`; the rest of the day (up to `now`) is in the
    row's `tail_status`. A day with no row inherits the status the last earlier row handed on
    (no change arrived, so nothing changed). Days after `now` and days before any row have no
    data.
    """
    by_day: Mapping[date, RollupRow] = {row.day: row for row in rows}
    result: list[DayUptime] = []
    carried: Status | None = None
    for day in days:
        lo, hi = day_start(day), min(day_start(day) + DAY, now)
        row = by_day.get(day)
        observed = 0.0
        down = 0.0
        if row is not None:
            observed, down = float(row.observed_seconds), float(row.down_seconds)
            carried = Status(row.tail_status) if row.tail_status else None
            lo = max(lo, row.computed_until)
        if carried is not None and lo < hi and carried not in EXCLUDED:
            extra = (hi - lo).total_seconds()
            observed += extra
            down += extra * DOWN_WEIGHTS.get(carried, 0.0)
        result.append(DayUptime(day=day, observed_seconds=observed, down_seconds=down))
    return result


def summarize(days: Sequence[DayUptime], *, first_watched: datetime | None = None) -> WindowUptime:
    """One figure for a window of days: observed-time weighted, so no-data days do not count.

    `first_watched` is when the row was first watched; kept as `watched_since` when it falls
    inside the window, so the figure can say it covers only the time since.
    """
    inside = first_watched is not None and bool(days) and first_watched > day_start(days[0].day)
    return WindowUptime(
        days=len(days),
        observed_seconds=sum(day.observed_seconds for day in days),
        down_seconds=sum(day.down_seconds for day in days),
        watched_since=first_watched if inside else None,
    )


def window_days(today: date, count: int) -> list[date]:
    """The last `count` UTC days ending with `today`, oldest first."""
    return utc_days(today - timedelta(days=count - 1), today)
