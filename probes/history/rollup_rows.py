"""UptimeDay rows in and out: incident impacts per subject, and writing computed days.

Shared by the two ways rows are kept up to date (probes.history.rollups): recomputing whole
days from raw rows, and carrying the open day on from where its rows stopped
(probes.history.increments). A row of a day still open keeps, in `running`, what carrying it
on needs: the exact microseconds it counted, a digest of the incident impacts it counted them
with, and how many of the provider's changes of that day it had seen.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from probes.history import uptime
from probes.models import Incident, Provider, UptimeDay
from probes.parsers.types import Impact, Status

FIELDS = (
    "observed_seconds",
    "down_seconds",
    "major_seconds",
    "partial_seconds",
    "degraded_seconds",
    "maintenance_seconds",
    "computed_until",
    "tail_status",
    "running",
)


def incident_spans(incidents: Iterable[Incident]) -> dict[int | None, list[uptime.ImpactSpan]]:
    """Impact spans per subject: None for the provider, else a component pk.

    Component impacts a history source reported (details["component_impacts"], matched by the
    component's external id) win over the incident's plain component list.
    """
    spans: dict[int | None, list[uptime.ImpactSpan]] = defaultdict(list)
    for incident in incidents:
        status = _incident_status(incident)
        if status is None:
            continue
        spans[None].append(uptime.ImpactSpan(incident.started_at, incident.resolved_at, status))
        components = list(incident.components.all())
        reported = incident.details.get("component_impacts") if incident.details else None
        by_external = {component.external_id: component.pk for component in components}
        if isinstance(reported, list) and reported:
            for item in reported:
                pk = by_external.get(str(item.get("component_id")))
                parsed = _impact_span(item)
                if pk is not None and parsed is not None:
                    spans[pk].append(parsed)
            continue
        for component in components:
            spans[component.pk].append(
                uptime.ImpactSpan(incident.started_at, incident.resolved_at, status)
            )
    return spans


def _incident_status(incident: Incident) -> Status | None:
    if incident.is_maintenance:
        return Status.UNDER_MAINTENANCE
    try:
        status = Impact(incident.impact).as_status()
    except ValueError:
        return None
    return None if status == Status.OPERATIONAL else status


def _impact_span(item: Any) -> uptime.ImpactSpan | None:
    try:
        start = datetime.fromisoformat(item["start_at"])
        end = datetime.fromisoformat(item["end_at"]) if item.get("end_at") else None
        return uptime.ImpactSpan(start, end, Status(item["status"]))
    except (KeyError, TypeError, ValueError):
        return None


def span_fingerprint(spans: Iterable[uptime.ImpactSpan], *, start: datetime, end: datetime) -> str:
    """A short digest of what `spans` do to [start, end), clipped as `uptime.combine` clips them.

    Equal digests mean equal impacts over the stretch, so its counted time still stands; an
    incident opened with an earlier start, or closed at an earlier time, changes the digest.
    """
    clipped = sorted(
        (max(span.start, start).astimezone(UTC), min(span.end or end, end).astimezone(UTC), status)
        for span in spans
        if (status := span.status.value) != Status.OPERATIONAL
    )
    text = ";".join(f"{a.isoformat()},{b.isoformat()},{s}" for a, b, s in clipped if a < b)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def running_state(
    totals: uptime.DayTotals, spans: Sequence[uptime.ImpactSpan], *, changes_seen: int
) -> dict[str, Any] | None:
    """What a row of a day still open keeps to be carried on exactly; None once the day is
    complete (no incremental update reaches a finished day)."""
    opened = uptime.day_start(totals.day)
    if totals.computed_until >= opened + uptime.DAY:
        return None
    return {
        "us": totals.counted.as_list(),
        "spans": span_fingerprint(spans, start=opened, end=totals.computed_until),
        "changes": changes_seen,
    }


def counted_from(running: Any) -> uptime.Counted | None:
    """The exact microseconds a row's `running` state holds, None when it holds none."""
    if not isinstance(running, dict):
        return None
    micros = running.get("us")
    if not (isinstance(micros, list) and len(micros) == 5):
        return None
    if not all(isinstance(value, int) and value >= 0 for value in micros):
        return None
    return uptime.Counted(*micros)


Computed = tuple[int | None, uptime.DayTotals, dict[str, Any] | None]


def store(
    provider: Provider,
    computed: Sequence[Computed],
    first: date,
    last: date,
    *,
    existing: Mapping[tuple[int | None, date], UptimeDay] | None = None,
) -> int:
    """Write `computed` (subject, totals, running state) for days `first`..`last`; only rows
    whose values differ are written. Returns how many rows were written.

    `existing` is every stored row of those days by (subject, day), when the caller has read
    them already.
    """
    if existing is None:
        existing = {
            (row.component_id, row.day): row
            for row in UptimeDay.objects.filter(provider=provider, day__gte=first, day__lte=last)
        }
    to_create: list[UptimeDay] = []
    # Rows needing the same new values share one plain UPDATE: a poll moves every subject's
    # computed_until on, and most subjects of a day hold equal totals (all operational since
    # midnight), so this is a few statements where bulk_update built a CASE per row and field.
    to_update: dict[str, tuple[dict[str, Any], list[int]]] = {}
    for subject, totals, running in computed:
        values: dict[str, Any] = {
            "observed_seconds": totals.observed_seconds,
            "down_seconds": totals.down_seconds,
            "major_seconds": totals.major_seconds,
            "partial_seconds": totals.partial_seconds,
            "degraded_seconds": totals.degraded_seconds,
            "maintenance_seconds": totals.maintenance_seconds,
            "computed_until": totals.computed_until,
            "tail_status": totals.tail_status.value if totals.tail_status else "",
            "running": running,
        }
        row = existing.get((subject, totals.day))
        if row is None:
            if (
                totals.observed_seconds == 0
                and not totals.maintenance_seconds
                and (totals.tail_status is None)
            ):
                continue  # nothing known: no row is the same as "no data"
            to_create.append(
                UptimeDay(provider=provider, component_id=subject, day=totals.day, **values)
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            key = json.dumps([values[name] for name in FIELDS], default=str, sort_keys=True)
            to_update.setdefault(key, (values, []))[1].append(row.pk)
    UptimeDay.objects.bulk_create(to_create, batch_size=500)
    updated = 0
    for values, pks in to_update.values():
        for start in range(0, len(pks), 500):
            updated += UptimeDay.objects.filter(pk__in=pks[start : start + 500]).update(**values)
    return len(to_create) + updated
