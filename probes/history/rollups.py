"""Keep UptimeDay rows up to date: carry the open day on, recompute only when history moved.

`update_rollups` recomputes whole UTC days for one provider (its own row and one per component)
from the StatusChange rows of those days, the status in force before them and the incidents
overlapping them. A poll that changed something calls `catch_up`, inside the poll's own
transaction so rollups and raw rows never disagree: it carries the rows on from where they
stopped with the poll's own transitions (probes.history.increments, exactly what a recompute
would write), and recomputes the days since the provider's last rollup only when it cannot
(an incident that reaches back before the rows, a row missing). Pages read the rows only
(`read_days`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.dispatch import receiver
from django.utils import timezone

from probes import signals
from probes.history import increments, uptime
from probes.history.rollup_rows import Computed, incident_spans, running_state, store
from probes.models import Component, Incident, Provider, Source, StatusChange, UptimeDay
from probes.parsers.types import Status
from probes.signals import PollOutcome

logger = logging.getLogger(__name__)

# How far back an incremental update may reach; older days need `rebuild_uptime`.
MAX_CATCH_UP = timedelta(days=400)


@transaction.atomic
def update_rollups(
    provider: Provider, *, start: datetime, end: datetime, now: datetime | None = None
) -> int:
    """Recompute the provider's UptimeDay rows for every UTC day from `start` to `end`.

    Whole days are recomputed (the last one up to `now`). Idempotent; returns how many rows
    were written.
    """
    now = now or timezone.now()
    lo = uptime.day_start(start)
    hi = min(uptime.day_start(end) + uptime.DAY, now)
    if hi < lo:
        return 0

    components = list(Component.objects.filter(provider=provider, is_group=False))
    changes: dict[int | None, list[tuple[datetime, Status]]] = defaultdict(list)
    # Every change of the provider (groups' too) per UTC day: an open day's row keeps its count.
    changes_per_day: dict[date, int] = defaultdict(int)
    for component_id, at, new_status in (
        StatusChange.objects.filter(provider=provider, at__gte=lo, at__lte=hi)
        .order_by("at", "pk")
        .values_list("component_id", "at", "new_status")
    ):
        changes[component_id].append((at, Status(new_status)))
        changes_per_day[uptime.day_start(at).date()] += 1

    earlier = StatusChange.objects.filter(provider=provider, at__lt=lo).order_by("-at", "-pk")
    before: dict[int | None, Status | None] = {}
    provider_before = earlier.filter(component=None).values_list("new_status", flat=True).first()
    before[None] = Status(provider_before) if provider_before else None
    for pk, status in (
        Component.objects.filter(pk__in=[c.pk for c in components])
        .annotate(
            before=Subquery(earlier.filter(component=OuterRef("pk")).values("new_status")[:1])
        )
        .values_list("pk", "before")
    ):
        before[pk] = Status(status) if status else None

    incidents = (
        Incident.objects.filter(provider=provider)
        .overlapping(lo, hi)
        .prefetch_related("components")
    )
    spans = incident_spans(incidents)

    subjects: list[int | None] = [None, *(component.pk for component in components)]
    computed: list[Computed] = []
    for subject in subjects:
        for totals in uptime.compute_days(
            changes.get(subject, []),
            spans.get(subject, []),
            before=before.get(subject),
            start=lo,
            end=hi,
        ):
            seen = changes_per_day.get(totals.day, 0)
            running = running_state(totals, spans.get(subject, []), changes_seen=seen)
            computed.append((subject, totals, running))
    return store(provider, computed, lo.date(), max(lo, hi - timedelta(microseconds=1)).date())


def catch_up(
    provider: Provider,
    *,
    now: datetime,
    since: datetime | None = None,
    locked: bool = False,
    components: Iterable[Component] | None = None,
) -> int:
    """Bring the provider's rows up to `now` from where they stopped (or from `since`).

    Carried on incrementally when it can be done exactly, else the days are recomputed.
    `locked`: the caller's transaction holds the provider's row lock already. `components`:
    every component of the provider, as the caller's transaction read and wrote them.
    """
    if connection.features.has_select_for_update and not locked:
        # Two sources of one provider recorded at once: their writes of these rows queue
        # here, so neither carries on (or recomputes) rows the other is rewriting.
        Provider.objects.select_for_update().filter(pk=provider.pk).values_list("pk").first()
    # The rows of the newest day, where the provider's rows stopped, in one read.
    newest = UptimeDay.objects.filter(provider=provider).order_by("-day").values("day")[:1]
    rows = list(UptimeDay.objects.filter(provider=provider, day=Subquery(newest)))
    last = max((row.computed_until for row in rows), default=None)
    reaches_back = since is not None and last is not None and since < uptime.day_start(last)
    if last is not None and not reaches_back and now - last <= MAX_CATCH_UP:
        written = increments.advance(provider, rows, last=last, now=now, components=components)
        if written is not None:
            return written
    if last is None:
        # Never rolled up: start from the first recorded change.
        last = (
            StatusChange.objects.filter(provider=provider)
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
    start = min(filter(None, [last, since, now]))
    start = max(start, now - MAX_CATCH_UP)
    return update_rollups(provider, start=start, end=now, now=now)


def rebuild(provider: Provider, *, now: datetime | None = None) -> int:
    """Throw away and recompute every row of the provider from the raw history."""
    now = now or timezone.now()
    firsts = [
        StatusChange.objects.filter(provider=provider)
        .order_by("at")
        .values_list("at", flat=True)
        .first(),
        Incident.objects.filter(provider=provider)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first(),
    ]
    with transaction.atomic():
        UptimeDay.objects.filter(provider=provider).delete()
        known = [moment for moment in firsts if moment is not None]
        if not known:
            return 0
        return update_rollups(provider, start=min(known), end=now, now=now)


def refresh_incident_days(incidents: Iterable[Incident], *, now: datetime | None = None) -> int:
    """Recompute the days the given incidents cover (after an archive load or a backfill)."""
    now = now or timezone.now()
    by_provider: dict[int, list[Incident]] = defaultdict(list)
    for incident in incidents:
        by_provider[incident.provider_id].append(incident)
    written = 0
    for incidents_of_provider in by_provider.values():
        provider = incidents_of_provider[0].provider
        # Merge touching day ranges so a provider with many incidents is walked once per stretch.
        ranges = sorted(
            (uptime.day_start(i.started_at), uptime.day_start(i.resolved_at or now))
            for i in incidents_of_provider
        )
        merged: list[list[datetime]] = []
        for lo, hi in ranges:
            if merged and lo <= merged[-1][1] + uptime.DAY:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        for lo, hi in merged:
            written += update_rollups(provider, start=lo, end=hi, now=now)
    return written


def read_days(
    provider: Provider, days: int, *, now: datetime | None = None
) -> tuple[list[date], dict[int | None, list[uptime.DayUptime]]]:
    """The last `days` UTC days per subject (None = the provider), from rollup rows only."""
    now = now or timezone.now()
    window = uptime.window_days(now.date(), days)
    rows: dict[int | None, list[Any]] = defaultdict(list)
    # Plain named rows, not model instances: a year of a 30-component provider is ~11,000.
    for row in UptimeDay.objects.filter(
        provider=provider, day__gte=window[0], day__lte=window[-1]
    ).values_list(
        "component_id",
        "day",
        "observed_seconds",
        "down_seconds",
        "computed_until",
        "tail_status",
        named=True,
    ):
        rows[row.component_id].append(row)
    result = {
        subject: uptime.extend_days(subject_rows, window, now=now)
        for subject, subject_rows in rows.items()
    }
    result.setdefault(None, uptime.extend_days([], window, now=now))
    return window, result


@receiver(
    signals.poll_recorded, sender=Source, dispatch_uid="probes.history.rollups.on_poll_recorded"
)
def on_poll_recorded(
    sender: type[Source], source: Source, outcome: PollOutcome, at: datetime, **kwargs: Any
) -> None:
    """Same transaction as the poll: a change and its rollup commit (or roll back) together."""
    if not (outcome.changed or outcome.provider_change):
        return
    if outcome.impacts_compared:
        since = outcome.impacts_changed_from
    else:
        touched = [
            *outcome.incidents_opened,
            *outcome.incidents_updated,
            *outcome.incidents_resolved,
        ]
        since = min((incident.started_at for incident in touched), default=None)
    try:
        # A savepoint: should the rollup fail, the poll's own data still commits, and
        # `rebuild_uptime` (or the next change) repairs the days.
        with transaction.atomic():
            catch_up(
                source.provider,
                now=at,
                since=since,
                locked=outcome.provider_locked,
                components=outcome.rows.every_component if outcome.rows else None,
            )
    except (DatabaseError, ValueError) as error:
        logger.error("uptime rollup for %s failed: %s", source.provider.slug, error)
