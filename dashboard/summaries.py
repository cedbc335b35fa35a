"""What the overview, provider pages and the API say about a provider, from prefetched rows.

Everything here reads only what `Provider.objects.for_dashboard()` already loaded, so building
summaries for any number of providers adds no queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_noop

from probes.models import Component, Incident, IncidentUpdate, Provider, Source
from probes.models.incidents import newest_update
from probes.observe.network import is_network_failure
from probes.observe.observed import ObservedView, observed_view
from probes.observe.reports import Burst
from probes.parsers.types import SEVERITY, Status, worst
from probes.status.headline import (
    STATUS_SOURCE_KINDS,
    as_status,
    headline_from_rows,
    readability,
)
from probes.status.headline_rules import Headline, Provenance, Readability

# Problems that mean "no data yet" rather than "something broke".
WAITING_PROBLEMS = frozenset({"not_read", "unconfigured", "probes_not_run"})
OBSERVED_TROUBLE = frozenset(
    {Status.DEGRADED_PERFORMANCE, Status.PARTIAL_OUTAGE, Status.MAJOR_OUTAGE}
)


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """Why we cannot say how a provider is doing, or (partly_unreadable) what it is missing."""

    # "unreadable" (the last poll failed), "not_read" (never read yet), "unconfigured" (no
    # status source and no probe), "stale" (no fresh read for a long time), "partly_unreadable"
    # (a source fails while others still speak), "probes_not_run" or "probes_stale" (a
    # provider with only probes, not heard from yet or for too long).
    kind: str
    reason: str
    since: datetime | None = None
    url: str = ""

    @property
    def is_network_failure(self) -> bool:
        """The source could not be reached at all: what our own network being down looks like."""
        return self.kind == "unreadable" and is_network_failure(self.reason)


@dataclass(frozen=True, slots=True)
class OpenIncident:
    incident: Incident
    latest_update: IncidentUpdate | None


@dataclass
class ProviderSummary:
    provider: Provider
    # The headline (probes.status.headline_rules): what the page says first.
    status: Status
    # The oldest last good read of the provider's status sources: how fresh the page is.
    updated_at: datetime | None
    problem: SourceProblem | None
    components: list[Component] = field(default_factory=list)
    open_incidents: list[OpenIncident] = field(default_factory=list)
    # What our own probes see (probes.observe.observed), beside the official status, never in it.
    observed: ObservedView | None = None
    # Team reports in the current window against the usual level; set by views that show it.
    report_burst: Burst | None = None
    headline: Headline | None = None

    @property
    def official_status(self) -> Status:
        """The provider's pages' own word, kept apart from the headline."""
        return self.headline.official if self.headline is not None else self.status

    @property
    def provenance(self) -> str:
        return self.headline.provenance.value if self.headline is not None else "official"

    @property
    def since(self) -> datetime | None:
        """When the headline's status began (kept across gaps in one source)."""
        return self.headline.since if self.headline is not None else None

    @property
    def partly_unreadable(self) -> bool:
        return self.headline is not None and self.headline.partly_unreadable

    @property
    def observed_only(self) -> bool:
        return self.headline is not None and self.headline.observed_only

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def troubled_components(self) -> list[Component]:
        """Components (not group containers) whose status is anything but operational."""
        return [
            component
            for component in self.components
            if not component.is_group and component.status != Status.OPERATIONAL.value
        ]

    @property
    def active_incidents(self) -> list[OpenIncident]:
        """Open incidents that are not maintenance."""
        return [item for item in self.open_incidents if not item.incident.is_maintenance]

    @property
    def maintenances(self) -> list[OpenIncident]:
        """Maintenance that is scheduled or under way."""
        return [item for item in self.open_incidents if item.incident.is_maintenance]

    @property
    def needs_attention(self) -> bool:
        """Worth a full card: anything but calm, fully readable operation or waiting for data.

        Our own probes seeing trouble, or a burst of team reports, is news too, whatever the
        official page says.
        """
        if self.observed_trouble or self.team_alarm:
            return True
        if self.problem is not None:
            return self.problem.kind not in WAITING_PROBLEMS
        return bool(
            self.status != Status.OPERATIONAL or self.open_incidents or self.troubled_components
        )

    @property
    def is_waiting(self) -> bool:
        """Not read yet, or nothing to read: a setup matter, not news."""
        if self.observed_trouble or self.team_alarm:
            return False
        return self.problem is not None and self.problem.kind in WAITING_PROBLEMS

    @property
    def observed_trouble(self) -> bool:
        """Our probes (fresh results only) see the provider degraded or down."""
        return (
            self.observed is not None
            and self.observed.is_fresh
            and self.observed.status in OBSERVED_TROUBLE
        )

    @property
    def team_alarm(self) -> bool:
        return self.report_burst is not None and self.report_burst.is_burst

    @property
    def category(self) -> str:
        """ "operational", "problem", "maintenance" or "unknown": which count it adds to."""
        if self.status == Status.OPERATIONAL:
            return "operational"
        if self.status == Status.UNKNOWN:
            return "unknown"
        if self.status == Status.UNDER_MAINTENANCE:
            return "maintenance"
        return "problem"


def status_sources(provider: Provider) -> list[Source]:
    """The provider's enabled sources that speak for its official status (prefetched)."""
    sources: Iterable[Source]
    if hasattr(provider, "enabled_sources"):
        sources = provider.enabled_sources
    else:
        sources = [source for source in provider.sources.all() if source.enabled]
    return [source for source in sources if source.kind in STATUS_SOURCE_KINDS]


def summarise_provider(provider: Provider, *, now: datetime) -> ProviderSummary:
    """The provider as the dashboard shows it, its headline from the status model."""
    sources = status_sources(provider)
    successes = [source.last_success_at for source in sources if source.last_success_at]
    updated_at = min(successes) if successes else None
    components = list(provider.components.all())
    if hasattr(provider, "open_incidents"):
        # Prefetched by for_dashboard(), each with its newest update.
        open_incidents = [
            OpenIncident(incident, newest_update(incident)) for incident in provider.open_incidents
        ]
    else:  # a provider loaded some other way: ask the database
        open_incidents = [
            OpenIncident(incident, incident.updates.order_by("-at", "-pk").first())
            for incident in provider.incidents.open().order_by("-started_at")
        ]
    probes = probe_sources(provider)
    headline = headline_from_rows(
        provider,
        [*sources, *probes],
        components,
        [item.incident for item in open_incidents],
        now=now,
    )
    return ProviderSummary(
        provider=provider,
        status=headline.status,
        updated_at=updated_at,
        problem=headline_problem(headline, provider),
        components=components,
        open_incidents=open_incidents,
        observed=observed_view(provider, [source.interval_seconds for source in probes], now),
        headline=headline,
    )


def probe_sources(provider: Provider) -> list[Source]:
    """The provider's enabled probes (prefetched by for_dashboard)."""
    sources: Iterable[Source]
    if hasattr(provider, "enabled_sources"):
        sources = provider.enabled_sources
    else:
        sources = [source for source in provider.sources.all() if source.enabled]
    return [source for source in sources if source.is_probe]


def find_source_problem(sources: Sequence[Source], *, now: datetime) -> SourceProblem | None:
    """The first reason these sources cannot all be trusted right now, or None when they can."""
    if not sources:
        return SourceProblem("unconfigured", gettext_noop("no status source is configured"))
    states = [(source, readability(source, now=now)) for source in sources]
    for wanted in (Readability.UNREADABLE, Readability.NOT_READ, Readability.STALE):
        for source, state in states:
            if state != wanted:
                continue
            if state == Readability.UNREADABLE:
                reason, since = source.last_error, source.error_since
                return SourceProblem("unreadable", reason, since, source.url)
            if state == Readability.NOT_READ:
                return SourceProblem("not_read", gettext_noop("not read yet"), None, source.url)
            return SourceProblem(
                "stale",
                gettext_noop("no fresh data: the poller may be stopped"),
                source.last_success_at,
                source.url,
            )
    return None


def headline_problem(headline: Headline, provider: Provider) -> SourceProblem | None:
    """What to say beside the headline: why it is unknown, or which source it is missing."""
    if headline.observed_only:
        if not headline.has_probes:
            return SourceProblem(
                "unconfigured", gettext_noop("no status source or probe is configured")
            )
        if headline.status != Status.UNKNOWN:
            return None
        if provider.observed_checked_at is None:
            return SourceProblem("probes_not_run", gettext_noop("our probes have not reported yet"))
        return SourceProblem(
            "probes_stale", gettext_noop("no fresh probe results"), provider.observed_checked_at
        )
    if not headline.issues:
        return None
    # The first failing source names the reason; unreadable ones before stale or unread ones.
    order = [Readability.UNREADABLE, Readability.NOT_READ, Readability.STALE]
    issue = min(headline.issues, key=lambda item: order.index(item.kind))
    if headline.any_readable:
        failing = [item for item in headline.issues if item.kind != Readability.NOT_READ]
        if not failing:
            return None  # only sources not read yet: the readable ones speak, nothing failed
        issue = min(failing, key=lambda item: order.index(item.kind))
        return SourceProblem("partly_unreadable", issue.reason, issue.since, issue.url)
    if headline.provenance == Provenance.OBSERVED:
        # Every page fails but our probes speak: say so, the headline is theirs.
        return SourceProblem("partly_unreadable", issue.reason, issue.since, issue.url)
    return SourceProblem(issue.kind.value, issue.reason, issue.since, issue.url)


def sort_summaries(summaries: list[ProviderSummary]) -> list[ProviderSummary]:
    """Problems first (worst first), then unknown, maintenance, operational; by name within."""
    return sorted(
        summaries, key=lambda s: (-SEVERITY[s.status], s.provider.name.lower(), s.provider.pk)
    )


@dataclass(frozen=True, slots=True)
class ComponentGroup:
    """A group container with its children, or a lone component (group=None)."""

    group: Component | None
    children: list[Component]

    @property
    def status(self) -> Status:
        if self.group is not None and not self.children:
            return as_status(self.group.status)
        return worst([as_status(child.status) for child in self.children])

    @property
    def name(self) -> str:
        return self.group.name if self.group is not None else ""


def group_components(components: Sequence[Component]) -> list[ComponentGroup]:
    """Components grouped under their containers, in page order; a group rolls up its children."""
    children: dict[int, list[Component]] = {}
    for component in components:
        if component.group_id is not None and not component.is_group:
            children.setdefault(component.group_id, []).append(component)
    known_groups = {component.pk for component in components if component.is_group}
    groups: list[ComponentGroup] = []
    loose: list[Component] = []
    for component in components:
        if component.is_group:
            groups.append(ComponentGroup(component, children.get(component.pk, [])))
        elif component.group_id is None or component.group_id not in known_groups:
            loose.append(component)
    result: list[ComponentGroup] = []
    if loose:
        result.append(ComponentGroup(None, loose))
    result.extend(groups)
    return result
