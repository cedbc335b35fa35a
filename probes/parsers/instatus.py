"""Instatus pages: `summary.json` and the components JSON (formats.md §3.4).

`summary.json` is `{"page": {"name", "url", "status"}}` plus `activeIncidents` and
`activeMaintenances`, each key left out when empty. It lists every active incident, but no
component states. The components document is `{"components": [...]}` (or a bare list whose
parents carry `children`), statuses in capitals (`MAJOROUTAGE`). Poll them as two sources of
one provider: each is parsed alone and they meet in the database by external id.
"""

from __future__ import annotations

from datetime import timedelta
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
)

PAGE_STATUSES = {
    "UP": Status.OPERATIONAL,
    "HASISSUES": Status.DEGRADED_PERFORMANCE,
    "UNDERMAINTENANCE": Status.UNDER_MAINTENANCE,
}
COMPONENT_STATUSES = {
    "OPERATIONAL": Status.OPERATIONAL,
    "DEGRADEDPERFORMANCE": Status.DEGRADED_PERFORMANCE,
    "PARTIALOUTAGE": Status.PARTIAL_OUTAGE,
    "MAJOROUTAGE": Status.MAJOR_OUTAGE,
    "UNDERMAINTENANCE": Status.UNDER_MAINTENANCE,
}
IMPACTS = {
    "OPERATIONAL": Impact.NONE,
    "DEGRADEDPERFORMANCE": Impact.MINOR,
    "PARTIALOUTAGE": Impact.MAJOR,
    "MAJOROUTAGE": Impact.CRITICAL,
    "UNDERMAINTENANCE": Impact.MAINTENANCE,
}
INCIDENT_STATUSES = {
    "INVESTIGATING": IncidentStatus.INVESTIGATING,
    "IDENTIFIED": IncidentStatus.IDENTIFIED,
    "MONITORING": IncidentStatus.MONITORING,
    "RESOLVED": IncidentStatus.RESOLVED,
}
MAINTENANCE_STATUSES = {
    "NOTSTARTEDYET": IncidentStatus.SCHEDULED,
    "INPROGRESS": IncidentStatus.IN_PROGRESS,
    "COMPLETED": IncidentStatus.COMPLETED,
}


def parse_instatus(content: bytes, filters: Filters) -> ParsedPage:
    """Parse an Instatus summary or components document. Raises ParseError otherwise."""
    document = load_json(content)
    if isinstance(document, dict) and "page" in document:
        return _parse_summary(document)
    if isinstance(document, dict) and set(document) == {"components"}:
        return _parse_components(require_list(document["components"], "components"), filters)
    if (
        isinstance(document, list)
        and document
        and all(isinstance(item, dict) and "isParent" in item for item in document)
    ):
        return _parse_components(document, filters)
    raise ParseError("neither an Instatus summary nor an Instatus components list")


def _parse_summary(document: dict[str, Any]) -> ParsedPage:
    # Statuspage-like summaries also have a "page"; theirs come with these keys.
    foreign = {"components", "incidents", "status", "scheduled_maintenances"}.intersection(document)
    if foreign:
        raise ParseError(f"keys of another platform's summary: {sorted(foreign)}")
    page = require_dict(document["page"], "page")
    if "id" in page or "time_zone" in page:
        raise ParseError("page has Statuspage fields, not an Instatus summary")
    raw_status = require_str(page.get("status"), "page.status", max_length=100)
    require_str(page.get("name"), "page.name", max_length=500)
    notes: list[str] = []
    indicator = PAGE_STATUSES.get(raw_status)
    if indicator is None:
        notes.append(f"unknown page status {raw_status!r}")
        indicator = Status.UNKNOWN
    page_url = safe_url(page.get("url")).rstrip("/")

    incidents = []
    for raw in require_list(document.get("activeIncidents", []), "activeIncidents"):
        item = require_dict(raw, "incident")
        external_id = require_str(item.get("id"), "incident.id", max_length=200)
        status = INCIDENT_STATUSES.get(str(item.get("status")))
        if status is None:
            notes.append(
                f"incident {external_id}: unknown status {str(item.get('status'))[:40]!r}, "
                "kept open"
            )
            status = IncidentStatus.INVESTIGATING
        impact = IMPACTS.get(str(item.get("impact")))
        if impact is None or impact == Impact.NONE:
            if impact is None:
                notes.append(f"incident {external_id}: unknown impact, taken as minor")
            impact = Impact.MINOR
        started = parse_time(item.get("started"), "incident.started")
        updated = optional_time(item.get("updatedAt"), "incident.updatedAt") or started
        incidents.append(
            ParsedIncident(
                external_id=external_id,
                title=clean_text(require_str(item.get("name"), "incident.name", max_length=1000)),
                impact=impact,
                status=status,
                started_at=started,
                resolved_at=updated if status.is_closed else None,
                url=safe_url(item.get("url"))
                or (f"{page_url}/incident/{external_id}" if page_url else ""),
                updates=(
                    ParsedUpdate(
                        key=digest(external_id, updated.isoformat(), status),
                        status=status,
                        body="",
                        at=updated,
                    ),
                ),
            )
        )
    for raw in require_list(document.get("activeMaintenances", []), "activeMaintenances"):
        item = require_dict(raw, "maintenance")
        external_id = require_str(item.get("id"), "maintenance.id", max_length=200)
        status = MAINTENANCE_STATUSES.get(str(item.get("status")))
        if status is None:
            notes.append(f"maintenance {external_id}: unknown status, taken as in progress")
            status = IncidentStatus.IN_PROGRESS
        start = parse_time(item.get("start"), "maintenance.start")
        duration = item.get("duration")
        minutes = (
            int(duration) if isinstance(duration, int | str) and str(duration).isdigit() else None
        )
        until = (
            start + timedelta(minutes=minutes) if minutes is not None and minutes < 10**6 else None
        )
        updated = optional_time(item.get("updatedAt"), "maintenance.updatedAt") or start
        incidents.append(
            ParsedIncident(
                external_id=external_id,
                title=clean_text(
                    require_str(item.get("name"), "maintenance.name", max_length=1000)
                ),
                impact=Impact.MAINTENANCE,
                status=status,
                started_at=start,
                resolved_at=updated if status.is_closed else None,
                url=safe_url(item.get("url")),
                is_maintenance=True,
                scheduled_for=start,
                scheduled_until=until,
            )
        )
    return ParsedPage(
        platform="instatus",
        incidents=tuple(incidents),
        indicator=indicator,
        # Active lists, complete by definition; the keys are only left out when empty.
        lists_all_open_incidents=True,
        notes=tuple(notes),
    )


def _parse_components(items: list[Any], filters: Filters) -> ParsedPage:
    notes: list[str] = []
    components: list[ParsedComponent] = []

    def add(raw: Any, group_id: str | None) -> None:
        item = require_dict(raw, "component")
        external_id = require_str(item.get("id"), "component.id", max_length=200)
        raw_status = require_str(item.get("status"), "component.status", max_length=100)
        if not raw_status.isupper():
            raise ParseError(f"component status {raw_status[:40]!r} is not an Instatus status")
        status = COMPONENT_STATUSES.get(raw_status)
        if status is None:
            notes.append(f"component {external_id}: unknown status {raw_status[:40]!r}")
            status = Status.UNKNOWN
        group = item.get("group")
        if isinstance(group, dict) and isinstance(group.get("id"), str):
            group_id = group_id or group["id"]
            if not any(c.external_id == group["id"] for c in components):
                components.append(
                    ParsedComponent(
                        external_id=group["id"],
                        name=clean_text(
                            optional_str(group.get("name"), "group.name"), max_length=500
                        )
                        or "Group",
                        status=Status.OPERATIONAL,
                        is_group=True,
                        position=len(components),
                    )
                )
        children = item.get("children")
        is_parent = item.get("isParent") is True or bool(children)
        components.append(
            ParsedComponent(
                external_id=external_id,
                name=clean_text(require_str(item.get("name"), "component.name", max_length=500)),
                status=status,
                group_id=group_id,
                is_group=is_parent,
                position=len(components),
                description=clean_text(
                    optional_str(item.get("description"), "component.description")
                ),
            )
        )
        for child in require_list(children, "children", allow_null=True):
            add(child, external_id)

    for raw in items:
        add(raw, None)
    wanted = set(filters.get("components", ()))
    if wanted:
        components = [c for c in components if c.external_id in wanted or c.group_id in wanted]
        notes.append(f"kept {len(components)} components matching the filter")
    return ParsedPage(
        platform="instatus",
        components=tuple(components),
        has_component_states=True,
        notes=tuple(notes),
    )
