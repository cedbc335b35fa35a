"""Checkly status pages (Mistral), three JSON endpoints under `/api/status-page/<slug>/`.

Shapes as served to the page (formats.md §3.8, not documented by Checkly):
* `uptime`: `{"metadata": [groups with services], "uptime": [groups with services and
  per-day events]}`. The services are the components. An event whose `lastUpdateStatus` is not
  `RESOLVED` is still going on and sets its service's state from its severity.
* `unresolved-incidents`: `{"incidents": [...]}` with `severity` (MINOR/MEDIUM/MAJOR/CRITICAL),
  `lastUpdateStatus` and the `services` it touches. Every unresolved incident is listed.
* `maintenance-windows`: `{"active": [...], "upcoming": [...]}`.
Poll each as its own source of one provider.
"""

from __future__ import annotations

from typing import Any

from .payload import (
    clean_text,
    load_json,
    optional_str,
    optional_time,
    parse_time,
    require_dict,
    require_list,
    require_str,
)
from .types import (
    Filters,
    Impact,
    IncidentStatus,
    ParsedComponent,
    ParsedIncident,
    ParsedPage,
    ParsedUpdate,
    ParseError,
    Status,
    worst,
)

SEVERITIES: dict[str, tuple[Impact, Status]] = {
    "MINOR": (Impact.MINOR, Status.DEGRADED_PERFORMANCE),
    "MEDIUM": (Impact.MINOR, Status.DEGRADED_PERFORMANCE),
    "MAJOR": (Impact.MAJOR, Status.PARTIAL_OUTAGE),
    "CRITICAL": (Impact.CRITICAL, Status.MAJOR_OUTAGE),
}
STATES: dict[str, IncidentStatus] = {
    "INVESTIGATING": IncidentStatus.INVESTIGATING,
    "IDENTIFIED": IncidentStatus.IDENTIFIED,
    "MONITORING": IncidentStatus.MONITORING,
    "RESOLVED": IncidentStatus.RESOLVED,
}


def parse_checkly(content: bytes, filters: Filters) -> ParsedPage:
    """Parse one of Checkly's status-page documents. Raises ParseError for other shapes."""
    document = require_dict(load_json(content), "document")
    if isinstance(document.get("metadata"), list) and isinstance(document.get("uptime"), list):
        return _parse_uptime(document)
    # Statuspage-like documents also carry "incidents"; theirs come with a "page".
    foreign = {"page", "components", "status", "summary", "data"}.intersection(document)
    if not foreign and isinstance(document.get("incidents"), list):
        incidents = require_list(document["incidents"], "incidents")
        if all(
            isinstance(i, dict) and "lastUpdateStatus" in i and "severity" in i for i in incidents
        ):
            return _parse_unresolved(incidents)
    if not foreign and "incidents" not in document and isinstance(document.get("active"), list):
        return _parse_windows(document)
    raise ParseError("not a Checkly uptime, unresolved-incidents or maintenance-windows document")


def _severity(value: Any, notes: list[str], what: str) -> tuple[Impact, Status]:
    found = SEVERITIES.get(value) if isinstance(value, str) else None
    if found is None:
        notes.append(f"{what}: unknown severity {str(value)[:40]!r}")
        return Impact.MINOR, Status.UNKNOWN
    return found


def _parse_uptime(document: dict[str, Any]) -> ParsedPage:
    notes: list[str] = []
    components: list[ParsedComponent] = []
    for group_index, raw_group in enumerate(require_list(document["metadata"], "metadata")):
        group = require_dict(raw_group, "group")
        group_id = require_str(group.get("id"), "group.id", max_length=200)
        components.append(
            ParsedComponent(
                external_id=group_id,
                name=clean_text(require_str(group.get("name"), "group.name", max_length=500)),
                status=Status.OPERATIONAL,
                is_group=True,
                position=group_index * 1000,
            )
        )
        for index, raw_service in enumerate(require_list(group.get("services"), "group.services")):
            service = require_dict(raw_service, "service")
            components.append(
                ParsedComponent(
                    external_id=require_str(service.get("id"), "service.id", max_length=200),
                    name=clean_text(
                        require_str(service.get("name"), "service.name", max_length=500)
                    ),
                    status=Status.OPERATIONAL,
                    group_id=group_id,
                    position=group_index * 1000 + index + 1,
                )
            )

    levels: dict[str, list[Status]] = {}
    for raw_group in require_list(document["uptime"], "uptime"):
        group = require_dict(raw_group, "uptime group")
        for raw_service in require_list(group.get("services"), "uptime services", allow_null=True):
            service = require_dict(raw_service, "uptime service")
            service_id = str(service.get("id"))
            for raw_day in require_list(service.get("days"), "days", allow_null=True):
                day = require_dict(raw_day, "day")
                for raw_event in require_list(day.get("events"), "events", allow_null=True):
                    event = require_dict(raw_event, "event")
                    if event.get("lastUpdateStatus") == "RESOLVED":
                        continue
                    _, level = _severity(
                        event.get("severity"), notes, f"event {str(event.get('id'))[:40]}"
                    )
                    levels.setdefault(service_id, []).append(level)
    components = [
        ParsedComponent(
            external_id=c.external_id,
            name=c.name,
            status=worst(levels[c.external_id]),
            group_id=c.group_id,
            is_group=c.is_group,
            position=c.position,
        )
        if c.external_id in levels
        else c
        for c in components
    ]
    return ParsedPage(
        platform="checkly",
        components=tuple(components),
        has_component_states=True,
        notes=tuple(notes),
    )


def _parse_unresolved(items: list[Any]) -> ParsedPage:
    notes: list[str] = []
    incidents = []
    for raw in items:
        item = require_dict(raw, "incident")
        external_id = require_str(item.get("id"), "incident.id", max_length=200)
        impact, _ = _severity(item.get("severity"), notes, f"incident {external_id}")
        raw_state = item.get("lastUpdateStatus")
        status = STATES.get(raw_state) if isinstance(raw_state, str) else None
        if status is None:
            notes.append(
                f"incident {external_id}: unknown state {str(raw_state)[:40]!r}, kept open"
            )
            status = IncidentStatus.INVESTIGATING
        started = parse_time(item.get("created_at") or item.get("createdAt"), "incident.created_at")
        updated = optional_time(
            item.get("updated_at") or item.get("updatedAt"), "incident.updated_at"
        )
        service_ids = [
            service["id"]
            for service in require_list(item.get("services"), "incident.services", allow_null=True)
            if isinstance(service, dict) and isinstance(service.get("id"), str)
        ]
        updates = []
        for raw_update in require_list(
            item.get("incidentUpdates"), "incidentUpdates", allow_null=True
        ):
            update = require_dict(raw_update, "incident update")
            at = parse_time(
                update.get("created_at") or update.get("createdAt"), "update.created_at"
            )
            update_id = require_str(update.get("id"), "update.id", max_length=200)
            update_state = update.get("status")
            updates.append(
                ParsedUpdate(
                    key=update_id,
                    status=STATES.get(update_state, IncidentStatus.UPDATE)
                    if isinstance(update_state, str)
                    else IncidentStatus.UPDATE,
                    body=clean_text(optional_str(update.get("description"), "update.description")),
                    at=at,
                )
            )
        updates.sort(key=lambda update: (update.at, update.key))
        incidents.append(
            ParsedIncident(
                external_id=external_id,
                title=clean_text(require_str(item.get("name"), "incident.name", max_length=1000)),
                impact=impact,
                status=status,
                started_at=started,
                resolved_at=(updated or started) if status.is_closed else None,
                url="",
                updates=tuple(updates),
                component_ids=tuple(service_ids),
            )
        )
    return ParsedPage(
        platform="checkly",
        incidents=tuple(incidents),
        lists_all_open_incidents=True,
        notes=tuple(notes),
    )


def _parse_windows(document: dict[str, Any]) -> ParsedPage:
    incidents = []
    for state, key in (
        (IncidentStatus.IN_PROGRESS, "active"),
        (IncidentStatus.SCHEDULED, "upcoming"),
    ):
        for raw in require_list(document.get(key, []), key):
            item = require_dict(raw, "maintenance window")
            external_id = require_str(item.get("id"), "window.id", max_length=200)
            starts = parse_time(item.get("startsAt") or item.get("startAt"), "window.startsAt")
            ends = optional_time(item.get("endsAt") or item.get("endAt"), "window.endsAt")
            incidents.append(
                ParsedIncident(
                    external_id=external_id,
                    title=clean_text(
                        optional_str(
                            item.get("name") or item.get("title"), "window.name", max_length=1000
                        )
                    )
                    or "Maintenance",
                    impact=Impact.MAINTENANCE,
                    status=state,
                    started_at=starts,
                    resolved_at=None,
                    url="",
                    is_maintenance=True,
                    scheduled_for=starts,
                    scheduled_until=ends,
                    component_ids=tuple(
                        s["id"]
                        for s in require_list(
                            item.get("services"), "window.services", allow_null=True
                        )
                        if isinstance(s, dict) and isinstance(s.get("id"), str)
                    ),
                )
            )
    return ParsedPage(
        platform="checkly",
        incidents=tuple(incidents),
        # Active and upcoming windows are all listed; a window that leaves has finished.
        lists_all_open_incidents=True,
    )
