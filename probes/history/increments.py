"""Carry a provider's open uptime day on from where its rows stopped, with the new changes only.

A recompute (probes.history.rollups.update_rollups) walks the whole day of every subject on
every poll. Here each subject's row of the open day is extended from its `computed_until` to
now: the exact microseconds it counted (`UptimeDay.running`) plus the stretch since, in the
status it handed on and the changes recorded after it, under the incidents open meanwhile.
Time is counted in whole microseconds, so the rows come out exactly as a recompute writes them.

That holds only while what the rows counted still stands, so `advance` declines (returns None,
and the caller recomputes) when it cannot be sure: a subject without an open row, rows that
stopped at different times, a change of that day the rows have not seen (written by another
process in between), an incident whose impact over the counted stretch differs from the one
counted (opened with an earlier start, closed at an earlier time, its components changed),
or a clock that went back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, Subquery

from probes.history import uptime
from probes.history.rollup_rows import (
    Computed,
    counted_from,
    incident_spans,
    running_state,
    span_fingerprint,
    store,
)
from probes.models import Component, Incident, Provider, StatusChange, UptimeDay
from probes.parsers.types import Status


def advance(
    provider: Provider,
    newest: Sequence[UptimeDay],
    *,
    last: datetime,
    now: datetime,
    components: Iterable[Component] | None = None,
) -> int | None:
    """Extend the provider's rows of its newest day (`newest`, which stop at `last`) up to
    `now`. `components`: every component of the provider, when the caller has read them.

    Returns how many rows were written, or None when only a recompute is exact (see the
    module docstring). Runs inside the poll's transaction, under the provider's row lock
    (probes.history.rollups.catch_up), which `newest` was read after.
    """
    opened = uptime.day_start(last)
    if now <= last or now == uptime.day_start(now):
        return None
    rows = {row.component_id: row for row in newest if row.day == opened.date()}
    subjects: list[int | None] = [
        None,
        *(
            Component.objects.filter(provider=provider, is_group=False).values_list("pk", flat=True)
            if components is None
            else (c.pk for c in components if not c.is_group)
        ),
    ]
    seen = _changes_seen(rows, subjects, last)
    if seen is None:
        return None

    counted = StatusChange.objects.filter(provider=provider, at__gte=opened, at__lte=last)
    # The changes since `last`, each with the count of the day's changes up to `last` (the
    # same scalar subquery on every row, evaluated once): one read instead of two.
    later = list(
        StatusChange.objects.filter(provider=provider, at__gt=last, at__lte=now)
        .order_by("at", "pk")
        .annotate(counted=Subquery(counted.values("provider").annotate(n=Count("pk")).values("n")))
        .values_list("component_id", "at", "new_status", "counted")
    )
    recorded = (later[0][3] or 0) if later else counted.count()
    if recorded != seen:
        return None
    changes: dict[int | None, list[tuple[datetime, Status]]] = defaultdict(list)
    per_day: dict[Any, int] = defaultdict(int)
    for component_id, at, new_status, _counted in later:
        changes[component_id].append((at, Status(new_status)))
        per_day[uptime.day_start(at).date()] += 1
    unknown = set(changes) - set(subjects)
    if unknown and unknown - _groups(provider, unknown):
        return None  # a component this read did not know (created meanwhile): recompute
    spans = incident_spans(
        Incident.objects.filter(provider=provider)
        .overlapping(opened, now)
        .prefetch_related("components")
    )

    computed: list[Computed] = []
    # Subjects with equal inputs (most of them: no change, no incident, all operational since
    # midnight) get equal days: each distinct input is computed once.
    memo: dict[tuple[Any, ...], list[uptime.DayTotals]] = {}
    for subject in subjects:
        row = rows[subject]
        subject_spans = spans.get(subject, [])
        if span_fingerprint(subject_spans, start=opened, end=last) != (row.running or {}).get(
            "spans"
        ):
            return None
        prior = counted_from(row.running)
        assert prior is not None  # checked by _changes_seen
        before = Status(row.tail_status) if row.tail_status else None
        subject_changes = changes.get(subject, [])
        key = (before, tuple(subject_changes), _span_key(subject_spans), prior)
        days = memo.get(key)
        if days is None:
            days = memo[key] = uptime.compute_days(
                subject_changes, subject_spans, before=before, start=last, end=now, prior=prior
            )
        for totals in days:
            count = per_day.get(totals.day, 0) + (seen if totals.day == opened.date() else 0)
            computed.append(
                (subject, totals, running_state(totals, subject_spans, changes_seen=count))
            )

    existing = (
        {(row.component_id, row.day): row for row in rows.values()}
        if now.date() == opened.date()
        else None
    )
    return store(provider, computed, opened.date(), now.date(), existing=existing)


def _changes_seen(
    rows: dict[int | None, UptimeDay], subjects: list[int | None], last: datetime
) -> int | None:
    """The count of the day's changes every subject's open row saw (they must agree), or None
    when a subject has no open row carrying a running state up to `last`."""
    counts = set()
    for subject in subjects:
        row = rows.get(subject)
        running = row.running if row is not None else None
        if row is None or row.computed_until != last or counted_from(running) is None:
            return None
        assert isinstance(running, dict)
        spans, count = running.get("spans"), running.get("changes")
        if not isinstance(spans, str) or not isinstance(count, int):
            return None
        counts.add(count)
    return counts.pop() if len(counts) == 1 else None


def _groups(provider: Provider, subjects: set[int | None]) -> set[int | None]:
    """Which of `subjects` are group containers (their changes count for no row)."""
    wanted = [pk for pk in subjects if pk is not None]
    if not wanted:
        return set()
    return set(
        Component.objects.filter(provider=provider, pk__in=wanted, is_group=True).values_list(
            "pk", flat=True
        )
    )


def _span_key(spans: list[uptime.ImpactSpan]) -> tuple[Any, ...]:
    return tuple(
        sorted(
            (span.start, span.end is None, span.end or span.start, span.status.value)
            for span in spans
        )
    )
