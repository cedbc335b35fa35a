"""Detection lead and silent outages: our confirmed observed outages set against official posts.

`outage_episodes` and `match_incidents` are pure; `detection_for` reads one provider's rows,
`detections_for_many` as many providers' in the same two queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery

from probes.models import Incident, IncidentUpdate, ObservedTransition, Provider
from probes.observe.observed import OUTAGE_STATUSES
from probes.parsers.types import Status


@dataclass(frozen=True, slots=True)
class Episode:
    """A confirmed observed outage of a provider: from confirmation to recovery (None: ongoing)."""

    start: datetime
    end: datetime | None
    status: Status


@dataclass(frozen=True, slots=True)
class OfficialIncident:
    pk: int
    title: str
    started_at: datetime
    first_post_at: datetime
    resolved_at: datetime | None
    is_maintenance: bool = False
    external_id: str = ""


@dataclass(frozen=True, slots=True)
class Lead:
    incident: OfficialIncident
    observed_at: datetime

    @property
    def lead(self) -> timedelta:
        """Positive: we confirmed the outage before the provider's first post."""
        return self.incident.first_post_at - self.observed_at


def outage_episodes(transitions: Sequence[tuple[datetime, Status]]) -> list[Episode]:
    """Provider-level transitions (time, new status), oldest first -> outage episodes."""
    episodes: list[Episode] = []
    start: datetime | None = None
    worst_status = Status.PARTIAL_OUTAGE
    for at, status in transitions:
        if status in OUTAGE_STATUSES:
            if start is None:
                start, worst_status = at, status
            elif status == Status.MAJOR_OUTAGE:
                worst_status = status
        elif start is not None:
            episodes.append(Episode(start, at, worst_status))
            start = None
    if start is not None:
        episodes.append(Episode(start, None, worst_status))
    return episodes


def overlaps(
    episode: Episode, incident: OfficialIncident, window: timedelta, now: datetime
) -> bool:
    # An outage we saw may end before the provider posts: it still counts within `window`.
    episode_end = episode.end or now
    incident_end = incident.resolved_at or now
    anchor = min(incident.started_at, incident.first_post_at)
    return episode.start <= incident_end and episode_end >= anchor - window


def match_incidents(
    episodes: Sequence[Episode],
    incidents: Sequence[OfficialIncident],
    *,
    window: timedelta,
    now: datetime,
) -> tuple[list[Lead], list[Episode]]:
    """Detection leads for incidents we saw, and silent outages (episodes no incident covers).

    An incident's lead uses the earliest episode overlapping it (within `window` before its
    start or first post). Maintenance explains an outage but has no lead.
    """
    leads = []
    for incident in incidents:
        if incident.is_maintenance:
            continue
        matching = [e for e in episodes if overlaps(e, incident, window, now)]
        if matching:
            leads.append(Lead(incident, min(e.start for e in matching)))
    silent = [
        episode
        for episode in episodes
        if not any(overlaps(episode, incident, window, now) for incident in incidents)
    ]
    return leads, silent


@dataclass(frozen=True, slots=True)
class Detection:
    leads: list[Lead]
    silent: list[Episode]
    episodes: list[Episode]

    @property
    def median_lead(self) -> timedelta | None:
        if not self.leads:
            return None
        ordered = sorted(lead.lead for lead in self.leads)
        return ordered[(len(ordered) - 1) // 2]


# The days detection looks back over, unless told.
DAYS = 90


def detection_for(
    provider: Provider,
    *,
    now: datetime,
    days: int = DAYS,
    incidents: Sequence[OfficialIncident] | None = None,
    transitions: Sequence[ObservedTransition] | None = None,
) -> Detection:
    """Leads and silent outages of `provider` over the last `days`. `incidents`: its incidents
    overlapping `incident_window(now, days)`, and `transitions`: its
    `provider_transitions()` since `days` ago, as the page read them (a query fewer each)."""
    if incidents is None and transitions is None:
        return detections_for_many([provider], now=now, days=days)[provider.pk]
    since = now - timedelta(days=days)
    if transitions is None:
        transitions = provider_transitions([provider.pk], since=since)[provider.pk]
    if incidents is None:
        incidents = _official([provider.pk], now=now, days=days)[provider.pk]
    return _detect(_timeline(transitions, since=since), incidents, now=now)


def incident_window(now: datetime, days: int = DAYS) -> tuple[datetime, datetime]:
    """The incidents detection sets against the last `days` of outages: those overlapping
    this span (an outage may come `AIWATCH_DETECTION_WINDOW_MINUTES` before or after a post)."""
    window = timedelta(minutes=settings.AIWATCH_DETECTION_WINDOW_MINUTES)
    return now - timedelta(days=days) - window, now + window


def first_post_at() -> Subquery:
    """When an incident's first update was posted, as an annotation."""
    # Per incident through the updates' incident index: an aggregate over a join let
    # PostgreSQL read every update of every provider (bench/pages.py's EXPLAIN).
    return Subquery(
        IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by("at").values("at")[:1]
    )


def official(incident: Incident) -> OfficialIncident:
    """An incident annotated with `first_post_at()` as `first_post`, as detection sets it."""
    return OfficialIncident(
        pk=incident.pk,
        title=incident.title,
        started_at=incident.started_at,
        first_post_at=incident.first_post or incident.started_at,  # type: ignore[attr-defined]
        resolved_at=incident.resolved_at,
        is_maintenance=incident.is_maintenance,
        external_id=incident.external_id,
    )


def detections_for_many(
    providers: Sequence[Provider], *, now: datetime, days: int = DAYS
) -> dict[int, Detection]:
    """`detection_for` each of `providers` (by pk), in two queries however many."""
    since = now - timedelta(days=days)
    ids = [provider.pk for provider in providers]
    timelines = _timelines(ids, since=since)
    incidents = _official(ids, now=now, days=days)
    return {pk: _detect(timelines[pk], incidents[pk], now=now) for pk in ids}


def _official(ids: Sequence[int], *, now: datetime, days: int) -> dict[int, list[OfficialIncident]]:
    """Each provider's incidents overlapping `incident_window(now, days)`, in one query."""
    incidents: dict[int, list[OfficialIncident]] = {pk: [] for pk in ids}
    rows = (
        Incident.objects.filter(provider_id__in=ids)
        .overlapping(*incident_window(now, days))
        .annotate(first_post=first_post_at())
        .values_list(
            "provider_id",
            "pk",
            "title",
            "started_at",
            "first_post",
            "resolved_at",
            "is_maintenance",
            "external_id",
        )
    )
    for provider_id, pk, title, started, first_post, resolved, maintenance, external in rows:
        incidents[provider_id].append(
            OfficialIncident(
                pk=pk,
                title=title,
                started_at=started,
                first_post_at=first_post or started,
                resolved_at=resolved,
                is_maintenance=maintenance,
                external_id=external,
            )
        )
    return incidents


def provider_transitions(
    ids: Sequence[int], *, since: datetime
) -> dict[int, list[ObservedTransition]]:
    """Each provider's provider-level observed transitions from `since` on, oldest first, with
    the newest before `since` (so its newest of all is among them), in one query."""
    found: dict[int, list[ObservedTransition]] = {pk: [] for pk in ids}
    for transition in _provider_level(ids, since=since):
        found[transition.provider_id].append(transition)
    return found


def _timelines(ids: Sequence[int], *, since: datetime) -> dict[int, list[tuple[datetime, Status]]]:
    """`_timeline()` of each provider's `provider_transitions()`, in one query (of tuples)."""
    timelines: dict[int, list[tuple[datetime, Status]]] = {pk: [] for pk in ids}
    for provider_id, at, status in _provider_level(ids, since=since).values_list(
        "provider_id", "at", "new_status"
    ):
        timelines[provider_id].append((max(at, since), Status(status)))
    return timelines


def _provider_level(ids: Sequence[int], *, since: datetime) -> QuerySet[ObservedTransition]:
    provider_level = ObservedTransition.objects.filter(provider_id__in=ids, source__isnull=True)
    # The outage may have started before the window: begin from the status in force then,
    # each provider's newest transition before it, read with those inside it.
    before = provider_level.filter(provider_id=OuterRef("pk"), at__lt=since).order_by("-at", "-pk")
    newest_before = Provider.objects.filter(pk__in=ids).values(
        newest=Subquery(before.values("pk")[:1])
    )
    return provider_level.filter(Q(at__gte=since) | Q(pk__in=newest_before)).order_by("at", "pk")


def _timeline(
    transitions: Sequence[ObservedTransition], *, since: datetime
) -> list[tuple[datetime, Status]]:
    """(time, new status) of each transition, oldest first, from `since` at the earliest."""
    return [(max(t.at, since), Status(t.new_status)) for t in transitions]


def _detect(
    timeline: Sequence[tuple[datetime, Status]],
    incidents: Sequence[OfficialIncident],
    *,
    now: datetime,
) -> Detection:
    window = timedelta(minutes=settings.AIWATCH_DETECTION_WINDOW_MINUTES)
    episodes = outage_episodes(timeline)
    leads, silent = match_incidents(episodes, incidents, window=window, now=now)
    return Detection(leads=leads, silent=silent, episodes=episodes)
