"""Detection lead and silent outages: our confirmed observed outages set against official posts.

`outage_episodes` and `match_incidents` are pure; `detection_for` reads one provider's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from probes.models import Incident, ObservedTransition, Provider
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


def detection_for(provider: Provider, *, now: datetime, days: int = 90) -> Detection:
    """Leads and silent outages of `provider` over the last `days`."""
    since = now - timedelta(days=days)
    transitions = list(
        ObservedTransition.objects.filter(provider=provider, source__isnull=True, at__gte=since)
        .order_by("at", "pk")
        .values_list("at", "new_status")
    )
    # The outage may have started before the window: begin from the status in force then.
    before = (
        ObservedTransition.objects.filter(provider=provider, source__isnull=True, at__lt=since)
        .order_by("-at", "-pk")
        .values_list("new_status", flat=True)
        .first()
    )
    timeline = [(since, Status(before))] if before else []
    timeline += [(at, Status(status)) for at, status in transitions]
    episodes = outage_episodes(timeline)
    window = timedelta(minutes=settings.AIWATCH_DETECTION_WINDOW_MINUTES)
    incidents = []
    for incident in (
        Incident.objects.filter(provider=provider)
        .overlapping(since - window, now + window)
        .prefetch_related("updates")
    ):
        posts = [update.at for update in incident.updates.all()]
        incidents.append(
            OfficialIncident(
                pk=incident.pk,
                title=incident.title,
                started_at=incident.started_at,
                first_post_at=min(posts) if posts else incident.started_at,
                resolved_at=incident.resolved_at,
                is_maintenance=incident.is_maintenance,
                external_id=incident.external_id,
            )
        )
    leads, silent = match_incidents(episodes, incidents, window=window, now=now)
    return Detection(leads=leads, silent=silent, episodes=episodes)
