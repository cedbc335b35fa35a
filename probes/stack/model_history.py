"""Each model's record over a window: uptime, MTTR and its incidents, from official incidents.

An incident counts for a model as it does for the model's current state
(`probes.stack.model_health`): it names the model (title, products, a component named after
it), or it names no model at all. Non-maintenance incidents only.

* **uptime**: the up share of the time we watched the provider within the window, with the
  weights of the provider's own uptime (`probes.history.uptime`): a critical incident (major
  outage) is down for all its time, a major one (partial outage) for 30 %, a minor one is up.
  Overlapping incidents count their shared time once, at the worse weight. Time before we
  first recorded the provider's status is not watched: an archived incident from before then
  is listed and counted in MTTR, but gives no uptime (None: "no data"), never 100 %.
* **MTTR**: the mean duration of the window's resolved incidents that hit the model
  (`probes.history.reliability.compute_reliability`, minor ones included).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from probes.history.reliability import Interval, compute_reliability
from probes.history.uptime import DOWN_WEIGHTS
from probes.models import Incident, Provider, StatusChange
from probes.parsers.types import Impact
from probes.stack.model_health import ModelVerdict, model_status
from probes.stack.model_names import AliasTable
from probes.stack.provider_facts import ProviderFacts, incident_texts

WINDOW_DAYS = 90


@dataclass(frozen=True, slots=True)
class ModelIncident:
    start: datetime
    end: datetime | None
    impact: str
    models: frozenset[str]

    def hits(self, slug: str) -> bool:
        return not self.models or slug in self.models


@dataclass(frozen=True, slots=True)
class ModelRecord:
    slug: str
    name: str
    family: str
    current: ModelVerdict
    incidents: int
    down: timedelta
    uptime: float | None
    mttr: timedelta | None
    # When the uptime's watched time began (None: the whole window was watched).
    watched_since: datetime | None
    # Inference probes of ours that call this model.
    probes: int


def weighted_down(
    spans: Sequence[tuple[datetime, datetime, float]], *, start: datetime, end: datetime
) -> timedelta:
    """Down time over [start, end) of weighted spans: at each instant the heaviest one counts."""
    edges = sorted(
        {start, end}
        | {max(start, min(a, end)) for a, _, _ in spans}
        | {max(start, min(b, end)) for _, b, _ in spans}
    )
    total = 0.0
    for left, right in itertools.pairwise(edges):
        weight = max((w for a, b, w in spans if a <= left and right <= b), default=0.0)
        total += weight * (right - left).total_seconds()
    return timedelta(seconds=total)


def impact_weight(impact: str) -> float:
    try:
        return DOWN_WEIGHTS.get(Impact(impact).as_status(), 0.0)
    except ValueError:
        return 0.0


def model_record(
    slug: str,
    incidents: Sequence[ModelIncident],
    *,
    start: datetime,
    end: datetime,
    watched_from: datetime | None,
) -> tuple[int, timedelta, float | None, timedelta | None, datetime | None]:
    """(incidents, down time, uptime, MTTR, watched since) of one model over [start, end)."""
    mine = [incident for incident in incidents if incident.hits(slug)]
    figures = compute_reliability(
        [Interval(i.start, i.end, i.impact) for i in mine], start=start, end=end
    )
    if watched_from is None or watched_from >= end:
        return figures.incidents, timedelta(0), None, figures.mttr, None
    watched_start = max(start, watched_from)
    down = weighted_down(
        [(i.start, i.end or end, impact_weight(i.impact)) for i in mine],
        start=watched_start,
        end=end,
    )
    watched = (end - watched_start).total_seconds()
    uptime = 1 - down.total_seconds() / watched if watched > 0 else None
    since = watched_start if watched_start > start else None
    return figures.incidents, down, uptime, figures.mttr, since


class ModelReads(Protocol):
    """Where a record's rows come from: the provider's incidents (non-maintenance, overlapping
    a window, each with its components' names) and when we first recorded its status."""

    def model_incidents(
        self, start: datetime, end: datetime
    ) -> Sequence[tuple[Incident, Sequence[str]]]: ...

    def first_recorded(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class OwnReads:
    """`ModelReads` of one provider, read for the record: its incidents with their components
    (two queries) and when it was first watched (one)."""

    provider: Provider

    def model_incidents(self, start: datetime, end: datetime) -> list[tuple[Incident, list[str]]]:
        rows = (
            Incident.objects.filter(provider=self.provider, is_maintenance=False)
            .overlapping(start, end)
            .prefetch_related("components")
        )
        return [(incident, [c.name for c in incident.components.all()]) for incident in rows]

    def first_recorded(self) -> datetime | None:
        return first_watched(self.provider)


def window_incidents(
    provider: Provider,
    table: AliasTable,
    *,
    start: datetime,
    end: datetime,
    reads: ModelReads | None = None,
) -> list[ModelIncident]:
    """The provider's non-maintenance incidents overlapping the window, with the models they
    name (two queries, none with `reads`: what the page read)."""
    rows = (reads or OwnReads(provider)).model_incidents(start, end)
    return [
        ModelIncident(
            incident.started_at,
            incident.resolved_at,
            incident.impact,
            table.match(*incident_texts(incident, names)),
        )
        for incident, names in rows
    ]


def first_watched(provider: Provider) -> datetime | None:
    """When we first recorded the provider's status: watched time starts there."""
    return (
        StatusChange.objects.filter(provider=provider, component__isnull=True)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )


def model_records(
    provider: Provider,
    facts: ProviderFacts,
    *,
    now: datetime,
    days: int = WINDOW_DAYS,
    reads: ModelReads | None = None,
) -> list[ModelRecord]:
    """Every model of the provider's alias table, with its state now and its record.
    `reads`: the rows as the page read them (three queries fewer)."""
    table = facts.table
    if not table.models:
        return []
    reads = reads or OwnReads(provider)
    start = now - timedelta(days=days)
    incidents = window_incidents(provider, table, start=start, end=now, reads=reads)
    watched_from = reads.first_recorded()
    probed: dict[str, int] = {}
    # As for_dashboard() prefetched them, when it did.
    enabled = getattr(provider, "enabled_sources", None)
    if enabled is None:
        enabled = provider.sources.filter(enabled=True)
    for source in enabled:
        if source.kind != "inference" or not source.model:
            continue
        slug = table.model_of_probe(source.model)
        probed[slug] = probed.get(slug, 0) + 1
    records = []
    for model in table.models:
        count, down, uptime, mttr, since = model_record(
            model.slug, incidents, start=start, end=now, watched_from=watched_from
        )
        records.append(
            ModelRecord(
                slug=model.slug,
                name=model.name or model.slug,
                family=model.family,
                current=model_status(facts.evidence, model.slug),
                incidents=count,
                down=down,
                uptime=uptime,
                mttr=mttr,
                watched_since=since,
                probes=probed.get(model.slug, 0),
            )
        )
    # Trouble first, then by family and name.
    return sorted(
        records, key=lambda r: (-r.current.status.severity, r.family.lower(), r.name.lower())
    )
