"""A provider's official headline: the worst of what its readable status sources say."""

from __future__ import annotations

from datetime import datetime

from probes.models import Incident, Provider, Source, StatusChange
from probes.parsers.types import CLOSED_INCIDENT_STATUSES, Impact, IncidentStatus, Status, worst

ACTIVE_MAINTENANCE = {IncidentStatus.IN_PROGRESS.value, IncidentStatus.VERIFYING.value}


def compute_provider_status(provider: Provider) -> Status:
    """The worst of the provider's components, open incidents and page headlines.

    Unknown when any enabled status source is failing or none has ever been read: bad or
    missing data never shows as operational.
    """
    sources = list(provider.sources.filter(enabled=True))
    status_sources = [s for s in sources if s.kind in STATUS_SOURCE_KINDS]
    if not status_sources:
        return Status.UNKNOWN
    if any(source.is_failing for source in status_sources):
        return Status.UNKNOWN
    if not any(source.last_success_at for source in status_sources):
        return Status.UNKNOWN

    statuses: set[Status] = set()
    for component_status in provider.components.filter(is_active=True, is_group=False).values_list(
        "status", flat=True
    ):
        statuses.add(Status(component_status))
    for impact, status, is_maintenance in (
        Incident.objects.open()
        .filter(provider=provider)
        .values_list("impact", "status", "is_maintenance")
    ):
        if is_maintenance:
            if status in ACTIVE_MAINTENANCE:
                statuses.add(Status.UNDER_MAINTENANCE)
            continue
        if status not in CLOSED_INCIDENT_STATUSES:
            statuses.add(Impact(impact).as_status())
    for source in status_sources:
        if source.indicator:
            statuses.add(Status(source.indicator))
    return worst(statuses)


# Source kinds that speak for the provider's official status. Probes (http_probe, inference) are
# our own measurements: they feed observed status (probes.observe.observed), never this one.
STATUS_SOURCE_KINDS = {kind.value for kind in Source.Kind} - Source.PROBE_KINDS


def refresh_provider_status(provider: Provider, *, at: datetime) -> StatusChange | None:
    """Recompute the provider's status and record the transition if it changed."""
    new_status = compute_provider_status(provider)
    current = Provider.objects.filter(pk=provider.pk).values_list("status", flat=True).first()
    if current is None or current == new_status.value:
        return None
    # Only one writer wins the transition (the claim pattern): a stale `current` updates nothing.
    claimed = Provider.objects.filter(pk=provider.pk, status=current).update(
        status=new_status.value, status_changed_at=at
    )
    provider.status = new_status.value
    provider.status_changed_at = at
    if not claimed:
        return None
    return StatusChange.objects.create(
        provider=provider, component=None, old_status=current, new_status=new_status.value, at=at
    )
