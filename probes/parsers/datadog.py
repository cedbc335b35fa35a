"""Datadog status pages (OpenRouter since 2026-09): `<page>/config.json`.

`{"id", "name", "domainPrefix", "pageType", "components": [Component | ComponentGroup with
nested components], "incidents": [...], "maintenances": [...] | null}` (formats.md §3.8).
Incidents carry `resolved`, `currentStatus`, `publishedDate`, `resolvedDate` and a `timeline`
of updates (newest first), each with the components it affected and their status then. The
document is the page's whole current state: every component's status and every open incident.
"""

from __future__ import annotations

from typing import Any

from .payload import (
    clean_text,
    digest,
    load_json,
    optional_str,
    optional_time,
    parse_time,
    require_dict,
    require_list,
    require_str,
    safe_url,
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
    impact_for_status,
    worst,
)

COMPONENT_STATUSES = {
    "operational": Status.OPERATIONAL,
    "degraded": Status.DEGRADED_PERFORMANCE,
    "degraded_performance": Status.DEGRADED_PERFORMANCE,
    "partial_outage": Status.PARTIAL_OUTAGE,
    "major_outage": Status.MAJOR_OUTAGE,
    "outage": Status.MAJOR_OUTAGE,
    "maintenance": Status.UNDER_MAINTENANCE,
    "under_maintenance": Status.UNDER_MAINTENANCE,
}
INCIDENT_STATUSES = {
    "investigating": IncidentStatus.INVESTIGATING,
    "identified": IncidentStatus.IDENTIFIED,
    "monitoring": IncidentStatus.MONITORING,
    "resolved": IncidentStatus.RESOLVED,
    "scheduled": IncidentStatus.SCHEDULED,
    "in_progress": IncidentStatus.IN_PROGRESS,
    "completed": IncidentStatus.COMPLETED,
}


def parse_datadog(content: bytes, filters: Filters) -> ParsedPage:
    """Parse a Datadog status page `config.json`. Raises ParseError for other shapes."""
    document = require_dict(load_json(content), "document")
    if not _looks_like_datadog(document):
        raise ParseError(
            "not a Datadog status page config (no components typed Component/ComponentGroup)"
        )
    notes: list[str] = []
    page_url = safe_url(document.get("pageUrl")).rstrip("/")

    components: list[ParsedComponent] = []

    def add(raw: Any, group_id: str | None) -> None:
        item = require_dict(raw, "component")
        external_id = require_str(item.get("id"), "component.id", max_length=200)
        name = clean_text(require_str(item.get("name"), "component.name", max_length=500))
        if item.get("type") == "ComponentGroup":
            children = require_list(item.get("components"), "group.components", allow_null=True)
            position = len(components)
            components.append(
                ParsedComponent(
                    external_id=external_id,
                    name=name,
                    status=Status.OPERATIONAL,
                    is_group=True,
                    position=position,
                )
            )
            for child in children:
                add(child, external_id)
            return
        components.append(
            ParsedComponent(
                external_id=external_id,
                name=name,
                status=_status(item.get("status"), notes, f"component {external_id}"),
                group_id=group_id,
                position=len(components),
            )
        )

    for raw in require_list(document["components"], "components"):
        add(raw, None)

    incidents = [
        _incident(require_dict(raw, "incident"), page_url, notes, maintenance=False)
        for raw in require_list(document.get("incidents"), "incidents", allow_null=True)
    ]
    incidents += [
        _incident(require_dict(raw, "maintenance"), page_url, notes, maintenance=True)
        for raw in require_list(document.get("maintenances"), "maintenances", allow_null=True)
    ]
    wanted = set(filters.get("components", ()))
    if wanted:
        components = [c for c in components if c.external_id in wanted or c.group_id in wanted]
        kept = {c.external_id for c in components}
        incidents = [i for i in incidents if kept.intersection(i.component_ids)]
        notes.append(f"kept {len(components)} components matching the filter")
    return ParsedPage(
        platform="datadog",
        components=tuple(components),
        incidents=tuple(incidents),
        lists_all_open_incidents=True,
        has_component_states=True,
        notes=tuple(notes),
    )


COMPONENT_TYPES = {"Component", "ComponentGroup"}


def _looks_like_datadog(document: dict[str, Any]) -> bool:
    """Recognised by its shape, not by an incidental key a page may lack.

    Every top-level component carries `type` Component or ComponentGroup (no other format
    types its components so); a page with no components yet is recognised by its page keys.
    """
    components = document.get("components")
    if not isinstance(components, list):
        return False
    if components:
        return all(
            isinstance(item, dict) and item.get("type") in COMPONENT_TYPES for item in components
        )
    return "incidents" in document and bool({"domainPrefix", "pageType"} & set(document))


def _status(value: Any, notes: list[str], what: str) -> Status:
    status = COMPONENT_STATUSES.get(value) if isinstance(value, str) else None
    if status is None:
        notes.append(f"{what}: unknown status {str(value)[:40]!r}")
        return Status.UNKNOWN
    return status


def _incident(
    item: dict[str, Any], page_url: str, notes: list[str], *, maintenance: bool
) -> ParsedIncident:
    external_id = require_str(item.get("id"), "incident.id", max_length=200)
    resolved = item.get("resolved") is True
    raw_status = item.get("currentStatus")
    status = INCIDENT_STATUSES.get(raw_status) if isinstance(raw_status, str) else None
    if status is None:
        if not resolved:
            notes.append(
                f"incident {external_id}: unknown status {str(raw_status)[:40]!r}, kept open"
            )
        status = IncidentStatus.INVESTIGATING
    if resolved and not status.is_closed:
        status = IncidentStatus.COMPLETED if maintenance else IncidentStatus.RESOLVED
    if not resolved and status.is_closed:
        # The flag and the word disagree: stay open until both say it is over.
        status = IncidentStatus.MONITORING

    updates = []
    levels: list[Status] = []
    component_ids: list[str] = []
    for raw in require_list(item.get("timeline"), "timeline", allow_null=True):
        entry = require_dict(raw, "timeline entry")
        at = parse_time(entry.get("startedAt") or entry.get("createdAt"), "timeline.startedAt")
        body = clean_text(optional_str(entry.get("description"), "timeline.description"))
        word = entry.get("status")
        update_status = (
            INCIDENT_STATUSES.get(word, IncidentStatus.UPDATE)
            if isinstance(word, str)
            else IncidentStatus.UPDATE
        )
        entry_id = entry.get("id")
        updates.append(
            ParsedUpdate(
                key=entry_id[:200]
                if isinstance(entry_id, str) and entry_id
                else digest(external_id, at, body),
                status=update_status,
                body=body,
                at=at,
            )
        )
        for affected in require_list(
            entry.get("componentsAffected"), "componentsAffected", allow_null=True
        ):
            if isinstance(affected, dict) and isinstance(affected.get("id"), str):
                component_ids.append(affected["id"])
                level = COMPONENT_STATUSES.get(str(affected.get("status")))
                if level is not None and level != Status.OPERATIONAL:
                    levels.append(level)
    for affected in require_list(
        item.get("componentsAffected"), "componentsAffected", allow_null=True
    ):
        if isinstance(affected, dict) and isinstance(affected.get("id"), str):
            component_ids.append(affected["id"])
    updates.sort(key=lambda update: (update.at, update.key))

    published = optional_time(item.get("publishedDate"), "incident.publishedDate")
    started = published or (updates[0].at if updates else None)
    if started is None:
        raise ParseError(f"incident {external_id} has no publishedDate")
    resolved_at = None
    if status.is_closed:
        resolved_at = optional_time(item.get("resolvedDate"), "incident.resolvedDate") or (
            updates[-1].at if updates else started
        )
    if maintenance:
        impact = Impact.MAINTENANCE
    elif levels:
        impact = impact_for_status(worst(levels))
    else:
        impact = Impact.MINOR
    return ParsedIncident(
        external_id=external_id,
        title=clean_text(require_str(item.get("title"), "incident.title", max_length=1000)),
        impact=impact,
        status=status,
        started_at=started,
        resolved_at=resolved_at,
        url=page_url,
        updates=tuple(updates),
        component_ids=tuple(dict.fromkeys(component_ids)),
        is_maintenance=maintenance,
    )
