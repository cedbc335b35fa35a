"""Flashcat status pages (DeepSeek): `/api/status-page/<pageId>/summary/active`.

`{"request_id", "data": {"page": {..., "components": [...], "sections": [...]},
"active_changes": [...]}}` (formats.md §3.8). The components and sections are seen in real
payloads; a non-empty `active_changes` has not been, so changes are read defensively: a
change's components take its status when it names them in a way we can read, and a change we
cannot tie to components makes every component unknown rather than leaving them green.
With no active change, every component is operational: the endpoint is the page's current
state.
"""

from __future__ import annotations

from typing import Any

from .payload import (
    clean_text,
    digest,
    epoch_time,
    load_json,
    optional_str,
    optional_time,
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
    impact_for_status,
    worst,
)

COMPONENT_STATUSES = {
    "operational": Status.OPERATIONAL,
    "degraded": Status.DEGRADED_PERFORMANCE,
    "degraded_performance": Status.DEGRADED_PERFORMANCE,
    "partial_outage": Status.PARTIAL_OUTAGE,
    "full_outage": Status.MAJOR_OUTAGE,
    "major_outage": Status.MAJOR_OUTAGE,
    "outage": Status.MAJOR_OUTAGE,
    "under_maintenance": Status.UNDER_MAINTENANCE,
    "maintenance": Status.UNDER_MAINTENANCE,
}
CHANGE_STATUSES = {
    "investigating": IncidentStatus.INVESTIGATING,
    "identified": IncidentStatus.IDENTIFIED,
    "monitoring": IncidentStatus.MONITORING,
    "resolved": IncidentStatus.RESOLVED,
    "scheduled": IncidentStatus.SCHEDULED,
    "in_progress": IncidentStatus.IN_PROGRESS,
    "ongoing": IncidentStatus.IN_PROGRESS,
    "completed": IncidentStatus.COMPLETED,
}


def parse_flashcat(content: bytes, filters: Filters) -> ParsedPage:
    """Parse Flashcat's `summary/active`. Raises ParseError for other shapes."""
    document = require_dict(load_json(content), "document")
    if "request_id" not in document:
        raise ParseError("no request_id: not a Flashcat answer")
    data = require_dict(document.get("data"), "data")
    page = require_dict(data.get("page"), "data.page")
    if "page_id" not in page:
        raise ParseError("data.page has no page_id")
    changes = require_list(data.get("active_changes"), "data.active_changes", allow_null=True)
    notes: list[str] = []
    domain = optional_str(page.get("custom_domain"), "page.custom_domain", max_length=200)
    page_url = f"https://{domain}" if domain and "/" not in domain else ""

    components: list[ParsedComponent] = []
    for raw in require_list(page.get("sections"), "sections", allow_null=True):
        section = require_dict(raw, "section")
        order = section.get("order_id")
        components.append(
            ParsedComponent(
                external_id=require_str(section.get("section_id"), "section_id", max_length=200),
                name=clean_text(require_str(section.get("name"), "section.name", max_length=500)),
                status=Status.OPERATIONAL,
                is_group=True,
                position=order * 1000 if isinstance(order, int) and abs(order) < 10**6 else 0,
            )
        )
    sections = {c.external_id: c.position for c in components}
    for raw in require_list(page.get("components"), "components"):
        item = require_dict(raw, "component")
        section_id = item.get("section_id") if isinstance(item.get("section_id"), str) else None
        order = item.get("order_id")
        order = order if isinstance(order, int) and abs(order) < 10**6 else 0
        components.append(
            ParsedComponent(
                external_id=require_str(item.get("component_id"), "component_id", max_length=200),
                name=clean_text(require_str(item.get("name"), "component.name", max_length=500)),
                status=Status.OPERATIONAL,
                group_id=section_id if section_id in sections else None,
                position=sections.get(section_id or "", 0) + order,
                description=clean_text(
                    optional_str(item.get("description"), "component.description")
                ),
            )
        )

    levels: dict[str, list[Status]] = {}
    unreadable = False
    incidents = []
    for raw in changes:
        change = require_dict(raw, "active change")
        incident, component_levels = _change(change, page_url, notes)
        incidents.append(incident)
        if not component_levels:
            unreadable = True
        for component_id, level in component_levels:
            levels.setdefault(component_id, []).append(level)
    if unreadable:
        notes.append("an active change names no readable components: all components unknown")
    components = [
        c
        if c.is_group
        else ParsedComponent(
            external_id=c.external_id,
            name=c.name,
            status=Status.UNKNOWN if unreadable else worst(levels.get(c.external_id, [])),
            group_id=c.group_id,
            position=c.position,
            description=c.description,
        )
        for c in components
    ]
    return ParsedPage(
        platform="flashcat",
        components=tuple(components),
        incidents=tuple(incidents),
        lists_all_open_incidents=True,
        has_component_states=True,
        notes=tuple(notes),
    )


def _change(
    change: dict[str, Any], page_url: str, notes: list[str]
) -> tuple[ParsedIncident, list[tuple[str, Status]]]:
    raw_id = change.get("change_id", change.get("id"))
    if not isinstance(raw_id, str | int) or isinstance(raw_id, bool):
        raise ParseError("active change has no id")
    external_id = str(raw_id)[:200]
    title = (
        clean_text(
            optional_str(change.get("title") or change.get("name"), "change.title", max_length=1000)
        )
        or "Active change"
    )
    maintenance = str(change.get("type", "")).lower() == "maintenance"
    raw_status = str(change.get("status", "")).lower()
    status = CHANGE_STATUSES.get(raw_status)
    if status is None:
        notes.append(f"change {external_id}: unknown status {raw_status[:40]!r}, kept open")
        status = IncidentStatus.IN_PROGRESS if maintenance else IncidentStatus.INVESTIGATING

    component_levels: list[tuple[str, Status]] = []
    for raw in change.get("components") or change.get("affected_components") or []:
        if isinstance(raw, dict) and isinstance(raw.get("component_id"), str):
            level = COMPONENT_STATUSES.get(str(raw.get("status", "")).lower(), Status.UNKNOWN)
            component_levels.append((raw["component_id"], level))
        elif isinstance(raw, str):
            component_levels.append((raw, Status.UNKNOWN))

    start = _time(
        change, ("start_at_seconds", "start_time", "created_at_seconds"), ("start_at", "created_at")
    )
    if start is None:
        raise ParseError(f"change {external_id} has no start time")
    updates = []
    for raw in change.get("updates") or []:
        if not isinstance(raw, dict):
            continue
        at = _time(raw, ("created_at_seconds", "at_seconds"), ("created_at", "at"))
        if at is None:
            continue
        body = clean_text(optional_str(raw.get("content") or raw.get("message"), "update.content"))
        updates.append(
            ParsedUpdate(
                key=digest(external_id, at.isoformat(), body),
                status=IncidentStatus.UPDATE,
                body=body,
                at=at,
            )
        )
    updates.sort(key=lambda update: (update.at, update.key))
    level = worst([lvl for _, lvl in component_levels]) if component_levels else Status.UNKNOWN
    if maintenance:
        impact = Impact.MAINTENANCE
    elif level in (Status.UNKNOWN, Status.OPERATIONAL):
        impact = Impact.MINOR
    else:
        impact = impact_for_status(level)
    return (
        ParsedIncident(
            external_id=external_id,
            title=title,
            impact=impact,
            status=status,
            started_at=start,
            resolved_at=(updates[-1].at if updates else start) if status.is_closed else None,
            url=page_url,
            updates=tuple(updates),
            component_ids=tuple(cid for cid, _ in component_levels),
            is_maintenance=maintenance,
        ),
        component_levels,
    )


def _time(item: dict[str, Any], epoch_keys: tuple[str, ...], iso_keys: tuple[str, ...]) -> Any:
    for key in epoch_keys:
        if item.get(key) not in (None, "", 0):
            return epoch_time(item[key], key)
    for key in iso_keys:
        if item.get(key):
            return optional_time(item[key], key)
    return None
