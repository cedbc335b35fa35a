"""The alert vocabulary: what can happen to a provider, and how severe it is.

Pure: no ORM. One poll of a provider becomes at most one event whose `types` lists everything
that poll changed (a status change, the incident that came with it, twelve components...), so a
channel gets one message per transition, not one per component.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from probes.parsers.types import SEVERITY, Status


class EventType(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("Official status change")
    INCIDENT_OPENED = "incident_opened", _("Incident opened")
    INCIDENT_UPDATED = "incident_updated", _("Incident updated")
    INCIDENT_RESOLVED = "incident_resolved", _("Incident resolved")
    OBSERVED_OUTAGE = "observed_outage", _("Observed outage confirmed")
    OBSERVED_RECOVERED = "observed_recovered", _("Observed outage recovered")
    MAINTENANCE_STARTED = "maintenance_started", _("Maintenance starting")
    MAINTENANCE_ENDED = "maintenance_ended", _("Maintenance ending")
    SOURCE_UNREADABLE = "source_unreadable", _("Source unreadable")
    # Many teammates pressed "I'm affected" at once (probes.observe.reports).
    REPORT_BURST = "report_burst", _("Burst of team reports")
    # Someone on the team is on it: a follow-up in the thread of what it acknowledges.
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the team")
    # Not subscribable on their own: they follow the event they answer (see SUBSCRIBED_AS).
    SOURCE_RECOVERED = "source_recovered", _("Source readable again")
    REMINDER = "reminder", _("Reminder: still not operational")
    TEST = "test", _("Test message")
    # A plan-B drill (probes.stack.drills): never about a real outage, sent to drill channels.
    DRILL = "drill", _("Plan-B drill")
    # The month's exposure report (alerts.monthly_report): once a month, never about one provider.
    MONTHLY_REPORT = "monthly_report", _("Monthly exposure report")


#: What a channel can choose in its `events` list (an empty list means all of them).
SUBSCRIBABLE: tuple[str, ...] = (
    EventType.STATUS_CHANGED,
    EventType.INCIDENT_OPENED,
    EventType.INCIDENT_UPDATED,
    EventType.INCIDENT_RESOLVED,
    EventType.OBSERVED_OUTAGE,
    EventType.OBSERVED_RECOVERED,
    EventType.MAINTENANCE_STARTED,
    EventType.MAINTENANCE_ENDED,
    EventType.SOURCE_UNREADABLE,
    EventType.MONTHLY_REPORT,
    EventType.REPORT_BURST,
    EventType.ACKNOWLEDGED,
)

#: Types that count as another for subscription: "readable again" goes where "unreadable" went.
SUBSCRIBED_AS: dict[str, str] = {EventType.SOURCE_RECOVERED: EventType.SOURCE_UNREADABLE}

#: Which type names an event whose poll changed several things, most telling first.
PRIMARY_ORDER: tuple[str, ...] = (
    EventType.OBSERVED_OUTAGE,
    EventType.OBSERVED_RECOVERED,
    EventType.ACKNOWLEDGED,
    EventType.REPORT_BURST,
    EventType.MAINTENANCE_STARTED,
    EventType.MAINTENANCE_ENDED,
    EventType.STATUS_CHANGED,
    EventType.INCIDENT_OPENED,
    EventType.INCIDENT_RESOLVED,
    EventType.SOURCE_UNREADABLE,
    EventType.SOURCE_RECOVERED,
    EventType.INCIDENT_UPDATED,
    EventType.REMINDER,
    EventType.TEST,
    EventType.DRILL,
    EventType.MONTHLY_REPORT,
)

#: Words accepted for a channel's minimum severity, besides the Status values themselves.
SEVERITY_ALIASES: dict[str, Status] = {
    "all": Status.OPERATIONAL,
    "info": Status.OPERATIONAL,
    "maintenance": Status.UNDER_MAINTENANCE,
    "unknown": Status.UNKNOWN,
    "degraded": Status.DEGRADED_PERFORMANCE,
    "partial": Status.PARTIAL_OUTAGE,
    "major": Status.MAJOR_OUTAGE,
}

MIN_SEVERITY_CHOICES = [
    (Status.OPERATIONAL.value, _("Everything")),
    (Status.UNDER_MAINTENANCE.value, _("Maintenance and worse")),
    (Status.UNKNOWN.value, _("Unreadable sources and worse")),
    (Status.DEGRADED_PERFORMANCE.value, _("Degraded performance and worse")),
    (Status.PARTIAL_OUTAGE.value, _("Partial outages and worse")),
    (Status.MAJOR_OUTAGE.value, _("Major outages only")),
]

#: Provider statuses for which alerts and pages suggest alternatives.
DOWN_STATUSES = frozenset({Status.DEGRADED_PERFORMANCE, Status.PARTIAL_OUTAGE, Status.MAJOR_OUTAGE})


def parse_severity(value: str) -> Status:
    """A Status from a Status value or an alias ("major", "degraded"...). Raises ValueError."""
    word = value.strip().lower()
    if word in SEVERITY_ALIASES:
        return SEVERITY_ALIASES[word]
    return Status(word)


def primary_type(types: list[str] | set[str]) -> str:
    """The type that names an event covering `types`."""
    for candidate in PRIMARY_ORDER:
        if candidate in types:
            return candidate
    raise ValueError("an event needs at least one type")


def worst_severity(statuses: list[Status]) -> Status:
    return max(statuses, key=SEVERITY.__getitem__, default=Status.OPERATIONAL)
