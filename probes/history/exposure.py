"""Exposure: how long each of the team's features was affected, from recorded status intervals.

Pure: status timelines in, minutes out. No database, no clock.

The rules
---------
* A provider's **recorded status** is its provider-wide `StatusChange` history (the official
  status, docs/status-model.md): each change holds until the next one, the last one until the
  end of the window. Time before its first change was not watched and counts for nothing.
* A dependency **affects** a feature while its status is one that `probes.stack.state` turns
  into a degraded or down feature: degraded performance, partial outage, major outage, and
  under maintenance (announced work the feature may not survive). Operational and unknown
  (nothing we could read) do not count. **Down** minutes are the major-outage ones.
* A feature needs every dependency, so it is affected while **any** of them is: its minutes
  are the **union** of its dependencies' affected intervals, clipped to the window. Two
  providers down at the same time count their shared minutes once.
* **By provider**: the minutes that one dependency was affecting the feature (a share of the
  union; the rows can add up to more than the total when outages overlapped).
* **By upstream**: the minutes the feature was affected *while* a cloud under one of its
  providers was in trouble too (the intersection of the feature's time with the cloud's).
  A cloud's outage that hurt none of the feature's providers adds nothing.

So for every feature: each row ≤ the total ≤ the sum of the provider rows, and the total is
never more than the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from probes.history.reliability import merge
from probes.history.uptime import status_segments
from probes.parsers.types import Status
from probes.stack.state import DEPENDENCY_STATE, FeatureState

Span = tuple[datetime, datetime]

#: Statuses during which a dependency affects a feature (the feature is degraded or down).
AFFECTING: frozenset[Status] = frozenset(
    status
    for status, state in DEPENDENCY_STATE.items()
    if state in (FeatureState.DEGRADED, FeatureState.DOWN)
)
#: Statuses during which a dependency takes the feature down.
DOWN: frozenset[Status] = frozenset(
    status for status, state in DEPENDENCY_STATE.items() if state == FeatureState.DOWN
)

WINDOWS_DAYS = (30, 90, 365)


@dataclass(frozen=True, slots=True)
class Timeline:
    """A provider's recorded status: (at, new status) in time order, and the status in force
    before the first of them (None: not watched yet)."""

    changes: Sequence[tuple[datetime, Status]] = ()
    before: Status | None = None


@dataclass(frozen=True, slots=True)
class Minutes:
    """Time affected, and the part of it that was down."""

    affected: timedelta = timedelta()
    down: timedelta = timedelta()

    @property
    def affected_minutes(self) -> int:
        return whole_minutes(self.affected)

    @property
    def down_minutes(self) -> int:
        return whole_minutes(self.down)


@dataclass(frozen=True, slots=True)
class FeatureExposure:
    start: datetime
    end: datetime
    total: Minutes
    # provider slug -> its minutes; upstream slug -> the feature's minutes while it was in trouble
    by_provider: Mapping[str, Minutes] = field(default_factory=dict)
    by_upstream: Mapping[str, Minutes] = field(default_factory=dict)
    # When it was affected: the merged intervals the total adds up.
    spans: tuple[Span, ...] = ()

    @property
    def window(self) -> timedelta:
        return self.end - self.start

    @property
    def share(self) -> float:
        """The affected share of the window, 0..1."""
        seconds = self.window.total_seconds()
        return self.total.affected.total_seconds() / seconds if seconds > 0 else 0.0

    @property
    def percent(self) -> float:
        return 100 * self.share


def whole_minutes(value: timedelta) -> int:
    """Minutes rounded down, as every duration is shown (probes.history.reliability)."""
    return max(0, int(value.total_seconds()) // 60)


def spans_in(
    timeline: Timeline, statuses: frozenset[Status], *, start: datetime, end: datetime
) -> list[Span]:
    """The merged intervals of [start, end) during which the recorded status is in `statuses`."""
    if end <= start:
        return []
    segments = status_segments(timeline.changes, before=timeline.before, start=start, end=end)
    return merge(
        (segment.start, segment.end)
        for segment in segments
        if segment.status is not None and segment.status in statuses
    )


def union(*groups: Iterable[Span]) -> list[Span]:
    return merge(span for group in groups for span in group if span[0] < span[1])


def intersect(left: Sequence[Span], right: Sequence[Span]) -> list[Span]:
    """The time in both (each side merged and sorted)."""
    result: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        if left[i][1] <= right[j][1]:
            i += 1
        else:
            j += 1
    return result


def total(spans: Iterable[Span]) -> timedelta:
    return sum((end - start for start, end in spans), timedelta())


def _minutes(affected: Sequence[Span], down: Sequence[Span]) -> Minutes:
    return Minutes(affected=total(affected), down=total(down))


@dataclass(frozen=True, slots=True)
class ProviderSpans:
    """When one provider was affecting what rides on it over a window, and when it was down."""

    affected: tuple[Span, ...] = ()
    down: tuple[Span, ...] = ()


def provider_spans(timeline: Timeline, *, start: datetime, end: datetime) -> ProviderSpans:
    return ProviderSpans(
        affected=tuple(spans_in(timeline, AFFECTING, start=start, end=end)),
        down=tuple(spans_in(timeline, DOWN, start=start, end=end)),
    )


def spans_by_provider(
    timelines: Mapping[str, Timeline], *, start: datetime, end: datetime
) -> dict[str, ProviderSpans]:
    """Every provider's spans over one window: computed once, shared by every feature."""
    return {
        slug: provider_spans(timeline, start=start, end=end) for slug, timeline in timelines.items()
    }


def feature_exposure(
    dependencies: Sequence[str],
    timelines: Mapping[str, Timeline],
    *,
    upstreams: Mapping[str, Sequence[str]],
    start: datetime,
    end: datetime,
) -> FeatureExposure:
    """One feature's exposure over [start, end).

    `dependencies` are the provider slugs it rides on; `timelines` each provider's recorded
    status (a provider without one was never watched: it adds nothing); `upstreams` the clouds
    each provider runs on.
    """
    wanted = set(dependencies) | {
        cloud for slug in dependencies for cloud in upstreams.get(slug, ())
    }
    spans = spans_by_provider(
        {slug: timeline for slug, timeline in timelines.items() if slug in wanted},
        start=start,
        end=end,
    )
    return exposure_from_spans(dependencies, spans, upstreams=upstreams, start=start, end=end)


def exposure_from_spans(
    dependencies: Sequence[str],
    spans: Mapping[str, ProviderSpans],
    *,
    upstreams: Mapping[str, Sequence[str]],
    start: datetime,
    end: datetime,
) -> FeatureExposure:
    """`feature_exposure` from spans already computed for the window (`spans_by_provider`)."""
    empty = ProviderSpans()
    mine = {slug: spans.get(slug, empty) for slug in dict.fromkeys(dependencies)}
    all_affected = union(*(item.affected for item in mine.values()))
    all_down = union(*(item.down for item in mine.values()))
    by_upstream: dict[str, Minutes] = {}
    for slug in mine:
        for cloud in upstreams.get(slug, ()):
            if cloud in by_upstream:
                continue
            trouble = list(spans.get(cloud, empty).affected)
            by_upstream[cloud] = _minutes(
                intersect(all_affected, trouble), intersect(all_down, trouble)
            )
    return FeatureExposure(
        start=start,
        end=end,
        total=_minutes(all_affected, all_down),
        by_provider={slug: _minutes(item.affected, item.down) for slug, item in mine.items()},
        by_upstream=by_upstream,
        spans=tuple(all_affected),
    )
