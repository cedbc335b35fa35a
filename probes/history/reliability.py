"""Reliability figures per provider: pure functions over incident intervals.

Definitions (all within a window [start, end); open incidents run until `end`):

* **incidents**: non-maintenance incidents that started in the window.
* **total downtime**: the union of the intervals of incidents with impact *major* or
  *critical* (partial or major outage), so two overlapping incidents count their shared time
  once. Minor incidents (degraded performance) are not downtime.
* **MTTR** (mean time to recovery): the mean duration of the window's resolved incidents,
  minor ones included: it measures how long the provider takes to close an incident.
* **MTBF** (mean time between failures): the mean up time between consecutive outages
  (merged downtime intervals): from the end of one to the start of the next. It needs at
  least two outages; with fewer it is None ("not enough data"), never a year divided by one.
* **longest outage**: the longest merged downtime interval.
* **by month**: the same figures per UTC calendar month of the incident's start.

Durations: `duration` is how long an incident lasted and `duration_minutes` the one way a
duration becomes whole minutes (rounded down, like every duration shown). Pages (through
dashboard.formatting), the CSV export, the uptime API and these figures all use them, so the
same incident never lasts 10 minutes on one and 11 on another.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DOWN_IMPACTS = frozenset({"major", "critical"})


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime | None
    impact: str
    is_maintenance: bool = False


@dataclass(frozen=True, slots=True)
class Reliability:
    start: datetime
    end: datetime
    incidents: int
    outages: int
    total_downtime: timedelta
    mttr: timedelta | None
    mtbf: timedelta | None
    longest_outage: timedelta | None


@dataclass(frozen=True, slots=True)
class MonthReliability:
    month: date  # the first day of the UTC month
    figures: Reliability


def duration(start: datetime, end: datetime | None) -> timedelta | None:
    """How long an incident lasted, from its start to its resolution; None while it is open."""
    return None if end is None else end - start


def duration_minutes(value: timedelta) -> int:
    """A duration in whole minutes, rounded down (10 min 40 s is 10): what pages, the CSV and
    the API show. Negative durations (a clock gone back) count as 0."""
    return max(0, int(value.total_seconds()) // 60)


def merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Union of intervals, sorted; touching intervals join."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def compute_reliability(
    intervals: Sequence[Interval], *, start: datetime, end: datetime
) -> Reliability:
    """The figures for one provider over [start, end)."""
    incidents = [i for i in intervals if not i.is_maintenance and start <= i.start < end]
    down = merge(
        (max(i.start, start), min(i.end or end, end))
        for i in intervals
        if not i.is_maintenance
        and i.impact in DOWN_IMPACTS
        and i.start < end
        and (i.end is None or i.end > start)
    )
    down = [(a, b) for a, b in down if a < b]
    total = sum((b - a for a, b in down), timedelta())
    durations = [d for d in (duration(i.start, i.end) for i in incidents) if d is not None]
    mttr = sum(durations, timedelta()) / len(durations) if durations else None
    # Up time between consecutive outages: at least two outages make one such gap.
    gaps = [later[0] - earlier[1] for earlier, later in itertools.pairwise(down)]
    mtbf = sum(gaps, timedelta()) / len(gaps) if gaps else None
    longest = max((b - a for a, b in down), default=None)
    return Reliability(
        start=start,
        end=end,
        incidents=len(incidents),
        outages=len(down),
        total_downtime=total,
        mttr=mttr,
        mtbf=mtbf,
        longest_outage=longest,
    )


def month_starts(start: datetime, end: datetime) -> list[datetime]:
    """The UTC month boundaries covering [start, end), first one at or before `start`."""
    cursor = datetime(start.year, start.month, 1, tzinfo=UTC)
    months = []
    while cursor < end:
        months.append(cursor)
        cursor = datetime(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1, tzinfo=UTC)
    return months


def by_month(
    intervals: Sequence[Interval], *, start: datetime, end: datetime
) -> list[MonthReliability]:
    """`compute_reliability` for each UTC month that [start, end) touches (clipped to it)."""
    months = month_starts(start, end)
    result = []
    for index, month in enumerate(months):
        following = months[index + 1] if index + 1 < len(months) else end
        lo, hi = max(month, start), min(following, end)
        result.append(
            MonthReliability(
                month=month.date(), figures=compute_reliability(intervals, start=lo, end=hi)
            )
        )
    return result
