"""A provider's headline from its rows: the database side of the status model.

The rules are in `probes.status.headline_rules` (pure). Here the rows become its inputs:
`official_readings` reads already-loaded sources, components and incidents (no queries, so the
overview can call it for every provider), `refresh_provider_status` records the official status
after each poll, and `provider_headline` is the whole headline for alerts and alternatives.

A recorded poll reads the provider's rows once (`provider_rows.load_provider_rows`): the
refresh and the alert outbox's headline of the same poll both work from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_noop

from probes.models import Component, Incident, Provider, Source, StatusChange
from probes.observe.observed import observed_view
from probes.parsers.types import CLOSED_INCIDENT_STATUSES, Impact, IncidentStatus, Status
from probes.status.headline_rules import (
    Headline,
    ObservedReading,
    OfficialReading,
    Readability,
    bridged_since,
    decide_headline,
    official_status,
)
from probes.status.provider_rows import ProviderRows, load_provider_rows
from probes.status.scheduling import is_fresh

ACTIVE_MAINTENANCE = {IncidentStatus.IN_PROGRESS.value, IncidentStatus.VERIFYING.value}

# Source kinds that speak for the provider's official status. Probes (http_probe, inference) are
# our own measurements: they feed observed status (probes.observe.observed), never this one.
STATUS_SOURCE_KINDS = {kind.value for kind in Source.Kind} - Source.PROBE_KINDS

# Data older than this many poll intervals (and at least STALE_MINIMUM) no longer says anything
# about now: the source counts as stale, like an unreadable one.
STALE_INTERVALS = 5
STALE_MINIMUM = timedelta(minutes=15)


def as_status(value: str) -> Status:
    """A stored status value, or unknown for one this version does not know."""
    try:
        return Status(value)
    except ValueError:
        return Status.UNKNOWN


def readability(source: Source, *, now: datetime) -> Readability:
    if source.is_failing:
        return Readability.UNREADABLE
    if source.last_success_at is None:
        return Readability.NOT_READ
    # A last read in the future means the clock went back: its age is unknown, so not fresh.
    if not is_fresh(
        source.last_success_at, now, within=max(source.interval * STALE_INTERVALS, STALE_MINIMUM)
    ):
        return Readability.STALE
    return Readability.READABLE


def incident_status(incident: Incident) -> Status | None:
    """What an open incident says about the provider, or None (maintenance not under way)."""
    if incident.is_maintenance:
        return Status.UNDER_MAINTENANCE if incident.status in ACTIVE_MAINTENANCE else None
    if incident.status in CLOSED_INCIDENT_STATUSES or incident.resolved_at is not None:
        return None
    return Impact(incident.impact).as_status()


def official_readings(
    sources: Iterable[Source],
    components: Iterable[Component],
    open_incidents: Iterable[Incident],
    *,
    now: datetime,
) -> tuple[list[OfficialReading], list[Status]]:
    """The status model's official inputs from loaded rows: one reading per enabled status
    source, and what rows without such a source say. Makes no query."""
    status_sources = [s for s in sources if s.enabled and s.kind in STATUS_SOURCE_KINDS]
    said: dict[int, list[Status]] = {source.pk: [] for source in status_sources}
    unattributed: list[Status] = []
    for source in status_sources:
        if source.indicator:
            said[source.pk].append(as_status(source.indicator))
    for component in components:
        if component.is_active and not component.is_group:
            said.get(component.source_id or 0, unattributed).append(as_status(component.status))
    for incident in open_incidents:
        status = incident_status(incident)
        if status is not None:
            said.get(incident.source_id or 0, unattributed).append(status)
    readings = []
    for source in status_sources:
        state = readability(source, now=now)
        if state == Readability.UNREADABLE:
            reason, since = source.last_error, source.error_since
        elif state == Readability.STALE:
            reason = gettext_noop("no fresh data: the poller may be stopped")
            since = source.last_success_at
        elif state == Readability.NOT_READ:
            reason, since = gettext_noop("not read yet"), None
        else:
            reason, since = "", None
        readings.append(OfficialReading(source.url, state, tuple(said[source.pk]), reason, since))
    return readings, unattributed


def compute_provider_status(
    provider: Provider, *, at: datetime | None = None, rows: ProviderRows | None = None
) -> Status:
    """The provider's official status: the worst its pages say or last said, unknown when none
    can be read at all (see docs/status-model.md). Probes never count here."""
    rows = rows or load_provider_rows(provider)
    readings, unattributed = official_readings(
        rows.sources, rows.components, rows.open_incidents, now=at or timezone.now()
    )
    return official_status(readings, unattributed)


def refresh_provider_status(
    provider: Provider, *, at: datetime, rows: ProviderRows | None = None, locked: bool = False
) -> StatusChange | None:
    """Recompute the provider's official status and record the transition if it changed.

    One source of several failing changes nothing here: the others still speak. Coming back from
    unknown to the status it had before keeps that status's first "since". Afterwards
    `provider.status` holds what the database holds (`rows`, when given, is the provider's, read
    after the poll's writes). `locked`: `provider` was read under its row lock in this
    transaction (as a poll's recording reads it), so its status is the stored one.
    """
    new_status = compute_provider_status(provider, at=at, rows=rows)
    if not locked:
        stored = Provider.objects.filter(pk=provider.pk).values_list("status", "status_changed_at")
        if not stored:
            return None
        provider.status, provider.status_changed_at = stored[0]
    current = provider.status
    if current == new_status.value:
        return None
    since = at
    if current == Status.UNKNOWN.value:
        history = (
            StatusChange.objects.filter(provider=provider, component__isnull=True, at__lte=at)
            .order_by("-at", "-pk")
            .values_list("new_status", "at")[:50]
        )
        since = bridged_since(
            new_status, at, [(as_status(status), when) for status, when in reversed(history)]
        )
    # Only one writer wins the transition (the claim pattern): a stale `current` updates nothing.
    claimed = Provider.objects.filter(pk=provider.pk, status=current).update(
        status=new_status.value, status_changed_at=since
    )
    if not claimed:
        # Another writer moved it first: what it wrote is the provider's status now.
        provider.refresh_from_db(fields=["status", "status_changed_at"])
        return None
    provider.status = new_status.value
    provider.status_changed_at = since
    return StatusChange.objects.create(
        provider=provider, component=None, old_status=current, new_status=new_status.value, at=at
    )


def observed_reading(
    provider: Provider, probe_intervals: Sequence[int], *, now: datetime
) -> ObservedReading | None:
    """The status model's observed input; None when the provider has no enabled probe."""
    if not probe_intervals:
        return None
    view = observed_view(provider, probe_intervals, now)
    return ObservedReading(
        view.status, view.is_fresh, view.changed_at, has_run=view.checked_at is not None
    )


def headline_from_rows(
    provider: Provider,
    sources: Sequence[Source],
    components: Iterable[Component],
    open_incidents: Iterable[Incident],
    *,
    now: datetime,
    team_burst: bool = False,
) -> Headline:
    """The headline from rows already loaded (pages use what for_dashboard prefetched)."""
    readings, unattributed = official_readings(sources, components, open_incidents, now=now)
    probes = [s.interval_seconds for s in sources if s.enabled and s.kind in Source.PROBE_KINDS]
    return decide_headline(
        readings,
        observed_reading(provider, probes, now=now),
        unattributed=unattributed,
        recorded=(as_status(provider.status), provider.status_changed_at),
        stored_official=as_status(provider.status),
        team_burst=team_burst,
    )


def provider_headline(
    provider: Provider, *, now: datetime, rows: ProviderRows | None = None
) -> Headline:
    """The provider's headline, read from the database (alerts, alternatives), or from `rows`
    read after the writes that matter (a recorded poll's)."""
    rows = rows or load_provider_rows(Provider.objects.get(pk=provider.pk))
    return headline_from_rows(
        rows.provider, rows.sources, rows.components, rows.open_incidents, now=now
    )
