"""Which providers can stand in for one that is down.

`rank_alternatives` is pure: candidates in, a ranked list out. `alternatives_for` is the one
query that gathers the candidates (capability tags, official and observed status, incident
minutes over the last 30 days).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.urls import NoReverseMatch, reverse

from probes.models import Incident, Provider, Source
from probes.observe.observed import observed_view
from probes.parsers.types import Status

RELIABILITY_WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Candidate:
    slug: str
    name: str
    capabilities: frozenset[str]
    official_status: str
    # None when nothing observes the provider directly (no probes), so only the official counts.
    observed_status: str | None = None
    incident_minutes: float = 0.0


@dataclass(frozen=True, slots=True)
class Alternative:
    slug: str
    name: str
    shared: tuple[str, ...]
    incident_minutes: float
    url: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "shared": list(self.shared),
            "incident_minutes": round(self.incident_minutes, 1),
            "url": self.url,
        }


def is_up(candidate: Candidate) -> bool:
    """Operational by its own page and, where we observe it, by our own observation."""
    if candidate.official_status != Status.OPERATIONAL:
        return False
    return candidate.observed_status in (None, "", Status.OPERATIONAL, Status.UNKNOWN)


def rank_alternatives(
    capabilities: Iterable[str], candidates: Sequence[Candidate], *, limit: int = 5
) -> list[tuple[Candidate, tuple[str, ...]]]:
    """Candidates that share a capability tag and are up, most reliable first.

    Ordered by fewest incident minutes in the window, then by more shared tags, then by name.
    Returns (candidate, shared tags) pairs. No tags: no alternatives.
    """
    wanted = set(capabilities)
    ranked = []
    for candidate in candidates:
        shared = tuple(sorted(wanted & candidate.capabilities))
        if shared and is_up(candidate):
            ranked.append((candidate, shared))
    ranked.sort(key=lambda pair: (pair[0].incident_minutes, -len(pair[1]), pair[0].name.lower()))
    return ranked[:limit]


def incident_minutes(
    spans: Iterable[tuple[datetime, datetime | None]], *, start: datetime, end: datetime
) -> float:
    """Minutes of incidents inside [start, end); open incidents run to `end`. Overlaps add up."""
    total = 0.0
    for began, ended in spans:
        clipped_start = max(began, start)
        clipped_end = min(ended or end, end)
        if clipped_end > clipped_start:
            total += (clipped_end - clipped_start).total_seconds() / 60
    return total


def observed_status(provider: Provider, *, now: datetime) -> str | None:
    """What our own probes say about the provider now; None when none watch it or it is stale."""
    intervals = [
        source.interval_seconds
        for source in provider.sources.all()
        if source.enabled and source.kind in Source.PROBE_KINDS
    ]
    view = observed_view(provider, intervals, now)
    return view.status.value if view.has_probes and view.is_fresh else None


def provider_page_url(slug: str) -> str:
    try:
        return reverse("dashboard:provider-detail", args=[slug])
    except NoReverseMatch:
        return f"/providers/{slug}/"


def alternatives_for(provider: Provider, *, now: datetime, limit: int = 5) -> list[Alternative]:
    """Providers that can stand in for `provider` right now, best first."""
    tags = set(provider.capabilities or [])
    if not tags:
        return []
    others = [
        other
        for other in Provider.objects.filter(enabled=True)
        .exclude(pk=provider.pk)
        .prefetch_related("sources")
        if tags & set(other.capabilities or [])
    ]
    start = now - RELIABILITY_WINDOW
    spans: dict[int, list[tuple[datetime, datetime | None]]] = {other.pk: [] for other in others}
    for provider_id, began, ended in (
        Incident.objects.overlapping(start, now)
        .filter(provider__in=others, is_maintenance=False)
        .values_list("provider_id", "started_at", "resolved_at")
    ):
        spans[provider_id].append((began, ended))
    candidates = [
        Candidate(
            slug=other.slug,
            name=other.name,
            capabilities=frozenset(other.capabilities or []),
            official_status=other.status,
            observed_status=observed_status(other, now=now),
            incident_minutes=incident_minutes(spans[other.pk], start=start, end=now),
        )
        for other in others
    ]
    return [
        Alternative(
            slug=candidate.slug,
            name=candidate.name,
            shared=shared,
            incident_minutes=candidate.incident_minutes,
            url=provider_page_url(candidate.slug),
        )
        for candidate, shared in rank_alternatives(tags, candidates, limit=limit)
    ]
