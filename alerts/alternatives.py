"""Which providers can stand in for one that is down.

`rank_alternatives` is pure: candidates in, a ranked list out. `alternatives_for` gathers the
candidates in a fixed number of queries (capability tags, their headline from the status model,
upstreams, team reports, incident minutes over the last 30 days).

A candidate that is up but not really independent (it runs on a cloud that is degraded or down
and that the failing provider also runs on, or runs on the failing provider itself) or that the
team is reporting trouble with is still listed, after the clean ones, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse

from probes.models import Component, Incident, Provider, Source
from probes.observe import reports
from probes.observe.observed import observed_view
from probes.parsers.types import Status
from probes.status.headline import headline_from_rows
from probes.status.headline_rules import TROUBLE, Provenance

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
    # The status model's headline (probes.status.headline_rules); None: judge by the two above.
    headline_status: str | None = None
    # Names of the clouds it runs on that are degraded or down and that the failing provider
    # also runs on (or the failing provider itself, when the candidate runs on it).
    troubled_upstreams: tuple[str, ...] = ()
    team_warning: bool = False

    @property
    def caveats(self) -> tuple[str, ...]:
        """Why it is not a clean alternative, in words; empty when it is."""
        reasons = [f"runs on {name}, which has problems now" for name in self.troubled_upstreams]
        if self.team_warning:
            reasons.append("the team is reporting problems with it")
        return tuple(reasons)


@dataclass(frozen=True, slots=True)
class Alternative:
    slug: str
    name: str
    shared: tuple[str, ...]
    incident_minutes: float
    url: str
    caveats: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "shared": list(self.shared),
            "incident_minutes": round(self.incident_minutes, 1),
            "url": self.url,
            "caveats": list(self.caveats),
        }


def is_up(candidate: Candidate) -> bool:
    """Operational by its headline: its own page and, where we observe it, our own observation.

    A provider with no status page is up when fresh probes see it operational.
    """
    if candidate.headline_status is not None:
        return candidate.headline_status == Status.OPERATIONAL
    if candidate.official_status != Status.OPERATIONAL:
        return False
    return candidate.observed_status in (None, "", Status.OPERATIONAL, Status.UNKNOWN)


def rank_alternatives(
    capabilities: Iterable[str], candidates: Sequence[Candidate], *, limit: int = 5
) -> list[tuple[Candidate, tuple[str, ...]]]:
    """Candidates that share a capability tag and are up, most reliable first.

    Clean candidates come before those with caveats (a shared troubled upstream, team
    reports); within each, fewest incident minutes in the window, then more shared tags, then
    name. Returns (candidate, shared tags) pairs. No tags: no alternatives.
    """
    wanted = set(capabilities)
    ranked = []
    for candidate in candidates:
        shared = tuple(sorted(wanted & candidate.capabilities))
        if shared and is_up(candidate):
            ranked.append((candidate, shared))
    ranked.sort(
        key=lambda pair: (
            bool(pair[0].caveats),
            pair[0].incident_minutes,
            -len(pair[1]),
            pair[0].name.lower(),
        )
    )
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


def _enabled_sources(provider: Provider) -> list[Source]:
    """Its enabled sources: as for_dashboard() prefetched them, or as HEADLINE_ROWS did."""
    if hasattr(provider, "enabled_sources"):
        return list(provider.enabled_sources)
    return [source for source in provider.sources.all() if source.enabled]


def observed_status(provider: Provider, *, now: datetime) -> str | None:
    """What our own probes say about the provider now; None when none watch it or it is stale."""
    intervals = [
        source.interval_seconds
        for source in _enabled_sources(provider)
        if source.kind in Source.PROBE_KINDS
    ]
    view = observed_view(provider, intervals, now)
    return view.status.value if view.has_probes and view.is_fresh else None


def provider_page_url(slug: str) -> str:
    try:
        return reverse("dashboard:provider-detail", args=[slug])
    except NoReverseMatch:
        return f"/providers/{slug}/"


def troubled_upstreams(
    provider: Provider,
    candidates: Sequence[Provider],
    *,
    now: datetime,
    mine: Sequence[Provider] | None = None,
) -> dict[int, tuple[str, ...]]:
    """Per candidate, the names of the degraded or down clouds it shares with `provider`
    (and `provider` itself when the candidate runs on it).

    `mine`: the provider's upstreams already loaded with HEADLINE_ROWS (no query then).
    """
    ids = {pk for candidate in candidates for pk in candidate_upstream_ids(candidate)}
    if mine is None:
        mine = list(
            Provider.objects.filter(pk__in=[up.pk for up in provider.upstreams.all()])
            .filter(pk__in=ids)
            .prefetch_related(*HEADLINE_ROWS)
        )
    troubled: dict[int, str] = {}
    for upstream in mine:
        if upstream.pk in ids and headline_of(upstream, now=now).status in TROUBLE:
            troubled[upstream.pk] = upstream.name
    troubled[provider.pk] = provider.name  # running on the failing provider itself
    return {
        candidate.pk: tuple(
            sorted(troubled[pk] for pk in candidate_upstream_ids(candidate) if pk in troubled)
        )
        for candidate in candidates
    }


def candidate_upstream_ids(candidate: Provider) -> list[int]:
    return [upstream.pk for upstream in candidate.upstreams.all()]


# What `headline_of` reads, prefetched so a list of providers costs a fixed number of queries.
HEADLINE_ROWS = (
    "sources",
    Prefetch(
        "components",
        queryset=Component.objects.filter(is_active=True, is_group=False),
        to_attr="headline_components",
    ),
    Prefetch("incidents", queryset=Incident.objects.open(), to_attr="headline_incidents"),
)


def headline_of(provider: Provider, *, now: datetime) -> Any:
    """The status model's headline from rows prefetched with HEADLINE_ROWS."""
    return headline_from_rows(
        provider,
        [source for source in provider.sources.all() if source.enabled],
        provider.headline_components,  # type: ignore[attr-defined]
        provider.headline_incidents,  # type: ignore[attr-defined]
        now=now,
    )


@dataclass(frozen=True)
class Loaded:
    """What a page has already read, so that alternatives ask only for the rest.

    `providers`: every enabled provider, with what `Provider.objects.for_dashboard()`
    prefetches; `headlines`: each one's headline by pk (the summaries' own); `bursts`: the
    team reports' bursts by pk (`probes.observe.reports.bursts`); `upstreams`: provider pk ->
    the pks of the clouds it runs on; `incident_spans`, if read: provider pk -> (start, end)
    of its incidents in `incident_spans_of()`, for at least every candidate.
    """

    providers: Sequence[Provider]
    headlines: Mapping[int, Any]
    bursts: Mapping[int, Any]
    upstreams: Mapping[int, Sequence[int]]
    incident_spans: Mapping[int, Sequence[tuple[datetime, datetime | None]]] | None = None


def candidates_for(providers: Sequence[Provider], loaded: Sequence[Provider]) -> list[Provider]:
    """Those of `loaded` (every enabled provider) that may stand in for one of `providers`:
    they share a capability (the providers themselves among them, if they have one)."""
    tagged = set().union(*(set(provider.capabilities or []) for provider in providers))
    return [other for other in loaded if tagged & set(other.capabilities or [])]


def incident_spans_of(
    incidents: Iterable[Incident], *, now: datetime
) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """(start, end) of the non-maintenance ones of `incidents` overlapping the last
    `RELIABILITY_WINDOW`, by provider pk: the incident minutes a candidate is ranked by."""
    start = now - RELIABILITY_WINDOW
    spans: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for incident in incidents:
        ended = incident.resolved_at
        if incident.is_maintenance or incident.started_at >= now or (ended and ended <= start):
            continue
        spans.setdefault(incident.provider_id, []).append((incident.started_at, ended))
    return spans


def alternatives_for(
    provider: Provider, *, now: datetime, limit: int = 5, loaded: Loaded | None = None
) -> list[Alternative]:
    """Providers that can stand in for `provider` right now, best first."""
    return alternatives_for_many([provider], now=now, limit=limit, loaded=loaded)[provider.pk]


def alternatives_for_many(
    providers: Sequence[Provider],
    *,
    now: datetime,
    limit: int = 5,
    loaded: Loaded | None = None,
) -> dict[int, list[Alternative]]:
    """`alternatives_for` each of `providers` (by pk), in the same few queries however many.

    The overview asks this for every provider it shows in trouble: the candidates, their
    headlines, incidents, upstreams and team reports are read once for all of them, and not at
    all when the page has read them already (`loaded`: one query then, the incidents; none
    with its `incident_spans`).
    """
    result: dict[int, list[Alternative]] = {provider.pk: [] for provider in providers}
    wanted = [provider for provider in providers if provider.capabilities]
    if not wanted:
        return result
    if loaded is None:
        loaded = _load(now)
    pool = candidates_for(wanted, loaded.providers)
    by_pk = {other.pk: other for other in loaded.providers}
    start = now - RELIABILITY_WINDOW
    spans: dict[int, list[tuple[datetime, datetime | None]]] = {other.pk: [] for other in pool}
    if loaded.incident_spans is not None:
        for other in pool:
            spans[other.pk] = list(loaded.incident_spans.get(other.pk, ()))
    else:
        for provider_id, began, ended in (
            Incident.objects.overlapping(start, now)
            .filter(provider__in=pool, is_maintenance=False)
            .values_list("provider_id", "started_at", "resolved_at")
        ):
            spans[provider_id].append((began, ended))
    facts = {}
    for other in pool:
        headline = loaded.headlines[other.pk]
        burst = loaded.bursts.get(other.pk)
        facts[other.pk] = {
            "slug": other.slug,
            "name": other.name,
            "capabilities": frozenset(other.capabilities or []),
            "official_status": other.status,
            "observed_status": observed_status(other, now=now),
            "incident_minutes": incident_minutes(spans[other.pk], start=start, end=now),
            # With no status page and nothing fresh from probes the headline cannot judge;
            # the stored status (unknown unless someone set it) decides, as it always did.
            "headline_status": None
            if headline.observed_only and headline.provenance == Provenance.NONE
            else headline.status.value,
            "team_warning": bool(burst and burst.is_burst),
        }
    for provider in wanted:
        tags = set(provider.capabilities)
        others = [
            other for other in pool if other.pk != provider.pk and tags & set(other.capabilities)
        ]
        shared_trouble = _shared_trouble(provider, others, loaded, by_pk, now=now)
        candidates = [
            Candidate(**facts[other.pk], troubled_upstreams=shared_trouble[other.pk])
            for other in others
        ]
        result[provider.pk] = [
            Alternative(
                slug=candidate.slug,
                name=candidate.name,
                shared=shared,
                incident_minutes=candidate.incident_minutes,
                url=provider_page_url(candidate.slug),
                caveats=candidate.caveats,
            )
            for candidate, shared in rank_alternatives(tags, candidates, limit=limit)
        ]
    return result


def _shared_trouble(
    provider: Provider,
    others: Sequence[Provider],
    loaded: Loaded,
    by_pk: Mapping[int, Provider],
    *,
    now: datetime,
) -> dict[int, tuple[str, ...]]:
    """Per candidate, the degraded or down clouds it shares with `provider` (and `provider`
    itself when the candidate runs on it), from the loaded headlines; a cloud that is not
    among the enabled providers is read as `troubled_upstreams` reads it."""
    ids = {pk for other in others for pk in loaded.upstreams.get(other.pk, ())}
    mine = [pk for pk in loaded.upstreams.get(provider.pk, ()) if pk in ids]
    troubled: dict[int, str] = {}
    missing = [pk for pk in mine if pk not in by_pk]
    for upstream in Provider.objects.filter(pk__in=missing).prefetch_related(*HEADLINE_ROWS):
        if headline_of(upstream, now=now).status in TROUBLE:
            troubled[upstream.pk] = upstream.name
    for pk in mine:
        if pk in by_pk and loaded.headlines[pk].status in TROUBLE:
            troubled[pk] = by_pk[pk].name
    troubled[provider.pk] = provider.name  # running on the failing provider itself
    return {
        other.pk: tuple(
            sorted(troubled[pk] for pk in loaded.upstreams.get(other.pk, ()) if pk in troubled)
        )
        for other in others
    }


def _load(now: datetime) -> Loaded:
    """What `alternatives_for_many` needs when the caller has read none of it."""
    providers = list(Provider.objects.for_dashboard())
    upstreams: dict[int, list[int]] = {}
    for downstream, upstream in Provider.upstreams.through.objects.values_list(
        "from_provider_id", "to_provider_id"
    ):
        upstreams.setdefault(downstream, []).append(upstream)
    headlines = {
        provider.pk: headline_from_rows(
            provider,
            list(provider.enabled_sources),  # type: ignore[attr-defined]
            provider.components.all(),
            provider.open_incidents,  # type: ignore[attr-defined]
            now=now,
        )
        for provider in providers
    }
    return Loaded(providers, headlines, reports.bursts(providers, now=now), upstreams)
