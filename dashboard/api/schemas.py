"""The shapes the API answers with, as they appear in the OpenAPI schema.

Times are ISO-8601 UTC strings with a `Z`, to the second (dashboard.formatting.iso_utc).
"""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import Field

from probes.observe.reports import NOTE_MAX_LENGTH

Time = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]


class SourceErrorOut(Schema):
    reason: str
    since: Time


class ComponentOut(Schema):
    name: str
    status: str


class OpenIncidentOut(Schema):
    id: str
    title: str
    impact: str
    status: str
    started_at: Time
    url: str


class ObservedStatusOut(Schema):
    """What our own probes see; never part of `official_status`, the provider's own word."""

    provenance: str
    status: str
    status_label: str
    # When the last probe result was applied, and when the status last changed.
    checked_at: Time
    changed_at: Time
    fresh: bool = Field(description='False once the probes have been silent: status "unknown".')
    has_probes: bool


class TeamReportsOut(Schema):
    provenance: str
    window_minutes: int
    recent: int
    usual: float
    burst: bool


class UnreadableSourceOut(Schema):
    url: str
    kind: str
    reason: str
    since: Time


class HeadlineOut(Schema):
    """How `status` was decided (docs/status-model.md)."""

    provenance: str = Field(
        description='"official" (the pages\' word), "observed" (our probes saw worse, or there '
        'is no page), or "none" (nothing can speak: unknown).'
    )
    since: Time
    partly_unreadable: bool
    unreadable_sources: list[UnreadableSourceOut]
    team_warning: bool


class ProviderOut(Schema):
    slug: str
    name: str
    status: str = Field(
        description="The headline the pages show: the official status, raised by fresh "
        "confirmed probes."
    )
    status_label: str
    official_status: str = Field(description="The provider's own pages' word, never raised.")
    headline: HeadlineOut | None
    updated_at: Time
    source_error: SourceErrorOut | None
    components: list[ComponentOut]
    open_incidents: list[OpenIncidentOut]
    observed_status: ObservedStatusOut | None
    team_reports: TeamReportsOut | None


class ProvidersOut(Schema):
    providers: list[ProviderOut]


class LeadOut(Schema):
    incident_id: str
    title: str
    first_post_at: Time
    observed_at: Time
    lead_seconds: float = Field(
        description="Positive: our probes confirmed the outage before the provider's first post."
    )


class EpisodeOut(Schema):
    status: str
    start: Time
    end: Time


class DetectionOut(Schema):
    days: int
    median_lead_seconds: float | None
    leads: list[LeadOut]
    silent_outages: list[EpisodeOut]


class ProviderDetailOut(ProviderOut):
    detection: DetectionOut


class UpdateOut(Schema):
    status: str
    body: str
    at: Time


class IncidentOut(Schema):
    id: str
    provider: str
    title: str
    impact: str
    status: str
    started_at: Time
    resolved_at: Time
    url: str
    updates: list[UpdateOut]
    # When someone on the team first acknowledged it; null if nobody has.
    acknowledged_at: Time = None
    acknowledged_by: str | None = None
    time_to_acknowledge_seconds: int | None = Field(
        None, description="Seconds from its start to the first acknowledgement."
    )


class IncidentsOut(Schema):
    incidents: list[IncidentOut]


class UptimeIncidentOut(Schema):
    id: int
    external_id: str
    title: str
    impact: str
    duration_minutes: int | None = Field(description="Whole minutes; null while open.")


class UptimeDayOut(Schema):
    date: str
    uptime: float | None = Field(description="A percentage, or null for a day without data.")
    minutes_down: float
    incidents: list[UptimeIncidentOut]


class UptimeOut(Schema):
    provider: str
    days_requested: int
    uptime: float | None = Field(description="A percentage of the time we watched.")
    watched_seconds: int
    watched_since: Time
    days: list[UptimeDayOut]


class ComponentDetailOut(Schema):
    id: str
    name: str
    status: str
    group: str | None = Field(description="The external id of the group it belongs to.")
    is_group: bool
    status_changed_at: Time


class ComponentsOut(Schema):
    provider: str
    components: list[ComponentDetailOut]


class IncidentUpdateOut(Schema):
    incident_id: str
    provider: str
    incident_title: str
    status: str
    body: str
    at: Time


class IncidentUpdatesOut(Schema):
    updates: list[IncidentUpdateOut]


class MaintenanceOut(Schema):
    id: str
    provider: str
    title: str
    status: str
    scheduled_for: Time
    scheduled_until: Time
    started_at: Time
    resolved_at: Time
    url: str
    components: list[str]


class MaintenancesOut(Schema):
    maintenance: list[MaintenanceOut]


class ReportIn(Schema):
    note: str = Field(default="", max_length=NOTE_MAX_LENGTH)


class ReportOut(Schema):
    provider: str
    recent: int = Field(description="Reports about this provider in the current window.")
