"""A provider page's own rows, each set read once for every part that shows it.

The recent incidents, the detection lead, the uptime history and each served model's record
all look at the provider's incidents over a window of their own; they are read in one query
over the widest window (with the newest ones of any age) and each part takes its window from
them. The same goes for its observed transitions (detection and the observed outage one
acknowledges). Each set is read when first asked for, and not at all when no part asks. When
each of its subjects was first watched (the uptime history's and the models' record) comes
with the provider's and its components' rows, read for the whole page, and which components
each incident touches (the features' state and the models' record) with the incidents' rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.db.models import Aggregate, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONArray

from alerts import alternatives
from probes.models import Component, Incident, ObservedTransition, Provider, StatusChange
from probes.observe import detection
from probes.parsers.types import Status

# How many of the provider's incidents the page lists, newest first, however old.
RECENT_INCIDENTS = 20
# The uptime history's window (dashboard.history): a year of UTC days.
HISTORY_DAYS = 365


def _first_change(changes: QuerySet[StatusChange]) -> Subquery:
    return Subquery(changes.order_by("at", "pk").values("at")[:1])


def provider_first_watched_columns() -> dict[str, Subquery]:
    """When each provider as a whole was first watched, as annotations of a query of providers:
    its first status change to a known status and its first of any (the models' watched time
    starts there). `ProviderRows` takes them from the page's provider."""
    overall = StatusChange.objects.filter(provider=OuterRef("pk"), component=None)
    return {
        "first_known_at": _first_change(overall.exclude(new_status=Status.UNKNOWN)),
        "first_change_at": _first_change(overall),
    }


def component_first_watched_columns() -> dict[str, Subquery]:
    """When each component was first watched (its first status change to a known status), as
    annotations of a query of components."""
    changes = StatusChange.objects.filter(
        provider=OuterRef("provider_id"), component=OuterRef("pk")
    )
    return {"first_known_at": _first_change(changes.exclude(new_status=Status.UNKNOWN))}


class _JSONArrayAgg(Aggregate):
    """The values of a group as one JSON array: SQLite's JSON_GROUP_ARRAY, PostgreSQL's
    JSONB_AGG (jsonb, which JSONField reads as it reads its own column)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def incident_parts_columns() -> dict[str, Subquery]:
    """Which components each incident touches, as an annotation of a query of incidents:
    [component id, component name] pairs (`parts_of()`). `ProviderRows` takes them from the
    open incidents and its own read."""
    touched = Component.objects.filter(incidents=OuterRef("pk")).order_by()
    pairs = touched.values("incidents").annotate(pairs=_JSONArrayAgg(JSONArray("pk", "name")))
    return {"component_parts": Subquery(pairs.values("pairs"), output_field=JSONField())}


def parts_of(incident: Incident) -> list[tuple[int, str]]:
    """(component id, name) of each component an incident read with `incident_parts_columns()`
    touches, by id."""
    pairs = incident.component_parts or []  # type: ignore[attr-defined]
    return sorted((component_id, name) for component_id, name in pairs)


class ProviderRows:
    """The rows of one provider that several parts of its page show (`page`: the whole page;
    otherwise the live fragment, which shows neither the uptime history nor the recent list).

    `provider` is read with `provider_first_watched_columns()` and its components (prefetched)
    with `component_first_watched_columns()`.
    `open_incidents`: every enabled provider's open incidents, read with
    `incident_parts_columns()`, whose components the features' state asks for along with this
    provider's. `candidates`: the providers plan B weighs as alternatives
    (`alerts.alternatives.candidates_for`), whose recent incidents are read with the
    provider's."""

    def __init__(
        self,
        provider: Provider,
        *,
        now: datetime,
        page: bool,
        open_incidents: Iterable[Incident] = (),
        candidates: Iterable[Provider] = (),
    ) -> None:
        self.provider = provider
        self.now = now
        self.page = page
        self.open_incidents = list(open_incidents)
        self.candidates = [other.pk for other in candidates if other.pk != provider.pk]

    @cached_property
    def _read(self) -> list[Incident]:
        """The provider's incidents that a part looks at and the candidates' of the last
        `RELIABILITY_WINDOW`, in one query, by pk. The provider's are those overlapping the
        widest window (detection's margin around it) and, on the page, the newest ones; each
        carries `first_post` (detection.first_post_at()) and its components
        (`incident_parts_columns()`)."""
        start, end = detection.incident_window(self.now)
        if self.page:
            # A day more than the year: the history's first UTC day starts before now - 365d.
            start = min(start, self.now - timedelta(days=HISTORY_DAYS + 1))
        own = Q(started_at__lt=end) & (Q(resolved_at__isnull=True) | Q(resolved_at__gt=start))
        if self.page:
            newest = Incident.objects.filter(provider=self.provider).order_by("-started_at", "-pk")
            own |= Q(pk__in=newest.values("pk")[:RECENT_INCIDENTS])
        wanted = Q(own, provider=self.provider)
        if self.candidates:
            since = self.now - alternatives.RELIABILITY_WINDOW
            wanted |= Q(
                Q(resolved_at__isnull=True) | Q(resolved_at__gt=since),
                provider_id__in=self.candidates,
                is_maintenance=False,
                started_at__lt=self.now,
            )
        return list(
            Incident.objects.filter(wanted)
            .annotate(first_post=detection.first_post_at(), **incident_parts_columns())
            .order_by("pk")
        )

    @cached_property
    def incidents(self) -> list[Incident]:
        """The provider's own incidents of `_read`."""
        return [incident for incident in self._read if incident.provider_id == self.provider.pk]

    @cached_property
    def incident_spans(self) -> dict[int, list[tuple[datetime, datetime | None]]]:
        """What `alerts.alternatives.Loaded.incident_spans` holds, for the candidates."""
        return alternatives.incident_spans_of(self._read, now=self.now)

    def overlapping(
        self, start: datetime, end: datetime, *, maintenance: bool = True
    ) -> list[Incident]:
        """`Incident.objects.overlapping(start, end)` of the provider, oldest first (without
        maintenance unless `maintenance`)."""
        found = [
            incident
            for incident in self.incidents
            if incident.started_at < end
            and (incident.resolved_at is None or incident.resolved_at > start)
            and (maintenance or not incident.is_maintenance)
        ]
        return sorted(found, key=lambda incident: (incident.started_at, incident.pk))

    def recent(self) -> list[Incident]:
        """The provider's newest incidents, however old (the page's list)."""
        newest = sorted(self.incidents, key=lambda i: (i.started_at, i.pk), reverse=True)
        return newest[:RECENT_INCIDENTS]

    def detection_incidents(self) -> list[detection.OfficialIncident]:
        """What detection.detection_for() sets the provider's outages against."""
        found = self.overlapping(*detection.incident_window(self.now))
        return [detection.official(incident) for incident in sorted(found, key=lambda i: i.pk)]

    @cached_property
    def observed_transitions(self) -> list[ObservedTransition]:
        """Its provider-level observed transitions over detection's days, and the newest before
        (`detection.provider_transitions()`): detection and the observed outage's start."""
        since = self.now - timedelta(days=detection.DAYS)
        return detection.provider_transitions([self.provider.pk], since=since)[self.provider.pk]

    # -- what model_history.ModelReads asks for ------------------------------------------------

    def model_incidents(self, start: datetime, end: datetime) -> list[tuple[Incident, list[str]]]:
        names = self.component_names
        return [
            (incident, names.get(incident.pk, []))
            for incident in self.overlapping(start, end, maintenance=False)
        ]

    def first_recorded(self) -> datetime | None:
        return self.provider.first_change_at  # type: ignore[attr-defined]

    # -- first watched ---------------------------------------------------------------------------

    def first_watched(self) -> dict[int | None, datetime]:
        """When we first knew each subject's status (None: the provider as a whole), as
        dashboard.history.first_watched() gives it, for the provider and its active
        components (those the uptime history shows)."""
        found: dict[int | None, datetime | None] = {
            None: self.provider.first_known_at  # type: ignore[attr-defined]
        }
        for component in self.provider.components.all():
            found[component.pk] = component.first_known_at  # type: ignore[attr-defined]
        return {subject: first for subject, first in found.items() if first is not None}

    # -- incidents' components -------------------------------------------------------------------

    @cached_property
    def _parts(self) -> dict[int, list[tuple[int, str]]]:
        """(component, component's name) of each component that an open incident or one of the
        provider's incidents touches, by incident, as they were read with them."""
        return {
            incident.pk: parts_of(incident) for incident in [*self.open_incidents, *self.incidents]
        }

    def incident_parts(self, incident_ids: Iterable[int]) -> dict[int, frozenset[int]]:
        """As probes.stack.provider_facts.incident_parts(), for open incidents."""
        found = {pk: self._parts.get(pk, []) for pk in incident_ids}
        return {pk: frozenset(c for c, _name in parts) for pk, parts in found.items() if parts}

    @cached_property
    def component_names(self) -> dict[int, list[str]]:
        return {pk: [name for _c, name in parts] for pk, parts in self._parts.items() if parts}
