"""The normalised shape every parser returns, whatever the wire format.

Parsers are pure: bytes in, these frozen dataclasses out, `ParseError` for anything they do
not recognise. Times are always timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class ParseError(Exception):
    """The payload is not what the parser expects: wrong shape, bad value, not data at all."""


class Status(StrEnum):
    """One status vocabulary for components, providers and probes."""

    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"
    UNKNOWN = "unknown"

    @property
    def severity(self) -> int:
        return SEVERITY[self]

    @property
    def label(self) -> str:
        """The word for this status in the active language."""
        return str(LABELS[self])


# Order used by "worst of": unknown ranks above maintenance so that data we cannot read is
# never hidden behind a green or a blue, but below real trouble that we can read.
SEVERITY: dict[Status, int] = {
    Status.OPERATIONAL: 0,
    Status.UNDER_MAINTENANCE: 1,
    Status.UNKNOWN: 2,
    Status.DEGRADED_PERFORMANCE: 3,
    Status.PARTIAL_OUTAGE: 4,
    Status.MAJOR_OUTAGE: 5,
}

# Lazy, so each word is read out in the language active where it is shown (page or alert).
LABELS: dict[Status, StrPromise] = {
    Status.OPERATIONAL: _("Operational"),
    Status.DEGRADED_PERFORMANCE: _("Degraded performance"),
    Status.PARTIAL_OUTAGE: _("Partial outage"),
    Status.MAJOR_OUTAGE: _("Major outage"),
    Status.UNDER_MAINTENANCE: _("Under maintenance"),
    Status.UNKNOWN: _("Unknown"),
}


def worst(statuses: Sequence[Status] | set[Status], default: Status = Status.OPERATIONAL) -> Status:
    """The most severe of `statuses`, or `default` when there are none."""
    return max(statuses, key=SEVERITY.__getitem__, default=default)


class Impact(StrEnum):
    """How bad an incident is, in Statuspage's words."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"

    def as_status(self) -> Status:
        return IMPACT_STATUS[self]


IMPACT_STATUS: dict[Impact, Status] = {
    Impact.NONE: Status.OPERATIONAL,
    Impact.MINOR: Status.DEGRADED_PERFORMANCE,
    Impact.MAJOR: Status.PARTIAL_OUTAGE,
    Impact.CRITICAL: Status.MAJOR_OUTAGE,
    Impact.MAINTENANCE: Status.UNDER_MAINTENANCE,
}


IMPACT_LABELS: dict[Impact, StrPromise] = {
    Impact.NONE: _("None"),
    Impact.MINOR: _("Minor"),
    Impact.MAJOR: _("Major"),
    Impact.CRITICAL: _("Critical"),
    Impact.MAINTENANCE: _("Maintenance"),
}


def impact_for_status(status: Status) -> Impact:
    """The incident impact that corresponds to a component status (the inverse mapping)."""
    for impact, mapped in IMPACT_STATUS.items():
        if mapped == status:
            return impact
    return Impact.NONE


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    UPDATE = "update"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_INCIDENT_STATUSES


# The provider's status words for an incident, in the reader's language (the provider's own
# text in the update stays as written).
INCIDENT_STATUS_LABELS: dict[IncidentStatus, StrPromise] = {
    IncidentStatus.INVESTIGATING: _("Investigating"),
    IncidentStatus.IDENTIFIED: _("Identified"),
    IncidentStatus.MONITORING: _("Monitoring"),
    IncidentStatus.UPDATE: _("Update"),
    IncidentStatus.RESOLVED: _("Resolved"),
    IncidentStatus.POSTMORTEM: _("Postmortem"),
    IncidentStatus.SCHEDULED: _("Scheduled"),
    IncidentStatus.IN_PROGRESS: _("In progress"),
    IncidentStatus.VERIFYING: _("Verifying"),
    IncidentStatus.COMPLETED: _("Completed"),
}


CLOSED_INCIDENT_STATUSES = frozenset(
    {IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM, IncidentStatus.COMPLETED}
)

#: Filters narrow a shared page (a cloud's, say) to what belongs to one provider,
#: e.g. {"products": ["Z0FZJAMvEB4j3NbCJs6B"]} or {"services": ["bedrock"], "regions": [...]}.
Filters = Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class ParsedComponent:
    external_id: str
    name: str
    status: Status
    # External id of the group container this component sits in, if any.
    group_id: str | None = None
    # A container that only rolls up its children; never counted on its own.
    is_group: bool = False
    position: int = 0
    description: str = ""


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    # Stable across polls: the source's own update id, or a digest of (time, status, body).
    key: str
    status: IncidentStatus
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ParsedComponentImpact:
    component_id: str
    status: Status
    start_at: datetime
    end_at: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedIncident:
    external_id: str
    title: str
    impact: Impact
    status: IncidentStatus
    started_at: datetime
    resolved_at: datetime | None
    url: str
    # Oldest first.
    updates: tuple[ParsedUpdate, ...] = ()
    # External ids of the components it touches.
    component_ids: tuple[str, ...] = ()
    # Names only, where a source gives no ids (feeds).
    component_names: tuple[str, ...] = ()
    component_impacts: tuple[ParsedComponentImpact, ...] = ()
    is_maintenance: bool = False
    scheduled_for: datetime | None = None
    scheduled_until: datetime | None = None
    # Other ids the provider uses for the same incident (incident.io kept Statuspage ids).
    aliases: tuple[str, ...] = ()
    # The source shows only part of the incident (a feed: no impact level, maybe only the
    # latest update), so `impact` is a guess and `started_at` may be later than the truth.
    # Recording then keeps what a fuller source said.
    partial: bool = False

    @property
    def is_open(self) -> bool:
        return not self.status.is_closed and self.resolved_at is None


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """Everything one payload says."""

    # Which wire format matched, e.g. "statuspage" or "incidentio".
    platform: str
    components: tuple[ParsedComponent, ...] = ()
    incidents: tuple[ParsedIncident, ...] = ()
    # The page's own headline status, when it has one.
    indicator: Status | None = None
    # True when `incidents` lists every unresolved incident of the source, so an open incident
    # that is missing from it has ended. False for history lists and feeds that page or trim.
    lists_all_open_incidents: bool = False
    # True when `components` is the full set of the source's components with current states.
    has_component_states: bool = False
    # Short notes about what was skipped (filters, caps), shown in `detect` dry runs.
    notes: tuple[str, ...] = field(default=())
