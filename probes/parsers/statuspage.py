"""Atlassian Statuspage's public API v2, and incident.io's Statuspage-compatible copy of it.

Handles `summary.json` (current state), `incidents.json` (recent history, resolved included)
and `scheduled-maintenances.json`. The two platforms share field names but differ in ways that
matter (formats.md §1-2): incident.io has no groups, no maintenances key, `incidents: null`
when there are none, and no incident start or resolve times.
"""

from __future__ import annotations

import re
from datetime import datetime
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

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")

COMPONENT_STATUSES = {status.value: status for status in Status if status != Status.UNKNOWN}
INDICATORS = {
    "none": Status.OPERATIONAL,
    "minor": Status.DEGRADED_PERFORMANCE,
    "major": Status.PARTIAL_OUTAGE,
    "critical": Status.MAJOR_OUTAGE,
    "maintenance": Status.UNDER_MAINTENANCE,
}
INCIDENT_STATUSES = {status.value: status for status in IncidentStatus}
IMPACTS = {impact.value: impact for impact in Impact}


def parse_statuspage(content: bytes, filters: Filters) -> ParsedPage:
    """Parse a Statuspage API v2 document; refuse incident.io's compatible copy."""
    document, page = _load(content)
    if _looks_like_incidentio(page):
        raise ParseError("this is incident.io's Statuspage-compatible API, not Statuspage")
    return _parse(document, page, platform="statuspage", filters=filters)


def parse_incidentio(content: bytes, filters: Filters) -> ParsedPage:
    """Parse incident.io's Statuspage-compatible API v2; refuse real Statuspage."""
    document, page = _load(content)
    if not _looks_like_incidentio(page):
        raise ParseError("this is a Statuspage page, not incident.io")
    return _parse(document, page, platform="incidentio", filters=filters)


def parse_incident_document(content: bytes) -> tuple[ParsedIncident, ...]:
    """The incidents of `/api/v2/incidents/<id>.json` (`{"incident": {...}}`) or of
    `/api/v2/incidents.json` (`{"incidents": [...]}`), resolved ones included, on Statuspage
    and on incident.io's compatible copy. Raises ParseError for other shapes."""
    document = require_dict(load_json(content), "document")
    page = document.get("page")
    page_url = safe_url(page.get("url")).rstrip("/") if isinstance(page, dict) else ""
    notes: list[str] = []
    if "incident" in document:
        items = [document["incident"]]
    elif "incidents" in document:
        items = require_list(document["incidents"], "incidents", allow_null=True)
    else:
        raise ParseError("no incident or incidents: not a Statuspage incident document")
    return tuple(
        _parse_incident(require_dict(item, "incident"), page_url, maintenance=False, notes=notes)
        for item in items
    )


def _load(content: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    document = require_dict(load_json(content), "document")
    page = require_dict(document.get("page"), "page")
    require_str(page.get("id"), "page.id", max_length=200)
    if not any(key in document for key in ("components", "incidents", "scheduled_maintenances")):
        raise ParseError("no components, incidents or scheduled_maintenances")
    return document, page


def _looks_like_incidentio(page: dict[str, Any]) -> bool:
    # incident.io pages have ULID ids and no time_zone; Statuspage ids are 12 characters.
    return bool(_ULID.match(str(page.get("id", "")))) or "time_zone" not in page


def _parse(
    document: dict[str, Any], page: dict[str, Any], *, platform: str, filters: Filters
) -> ParsedPage:
    page_url = safe_url(page.get("url")).rstrip("/")
    notes: list[str] = []

    components = tuple(
        _parse_component(require_dict(item, "component"), index)
        for index, item in enumerate(require_list(document.get("components", []), "components"))
    )
    incidents = [
        _parse_incident(require_dict(item, "incident"), page_url, maintenance=False, notes=notes)
        for item in require_list(document.get("incidents"), "incidents", allow_null=True)
    ]
    incidents += [
        _parse_incident(require_dict(item, "maintenance"), page_url, maintenance=True, notes=notes)
        for item in require_list(
            document.get("scheduled_maintenances"), "scheduled_maintenances", allow_null=True
        )
    ]

    indicator = None
    if "status" in document:
        status = require_dict(document["status"], "status")
        indicator = INDICATORS.get(str(status.get("indicator")), Status.UNKNOWN)

    wanted = set(filters.get("components", ()))
    if wanted:
        kept = {
            c.external_id for c in components if c.external_id in wanted or c.group_id in wanted
        }
        components = tuple(c for c in components if c.external_id in kept)
        incidents = [i for i in incidents if kept.intersection(i.component_ids)]
        # The headline speaks for the whole page, not for the components we keep.
        indicator = None
        notes.append(f"kept {len(components)} components matching the filter")

    # summary.json lists every unresolved incident; incidents.json is a history list.
    is_summary = "components" in document and "incidents" in document
    return ParsedPage(
        platform=platform,
        components=components,
        incidents=tuple(incidents),
        indicator=indicator,
        lists_all_open_incidents=is_summary,
        has_component_states="components" in document,
        notes=tuple(notes),
    )


def _parse_component(item: dict[str, Any], index: int) -> ParsedComponent:
    raw_status = item.get("status")
    position = item.get("position")
    return ParsedComponent(
        external_id=require_str(item.get("id"), "component.id", max_length=200),
        name=clean_text(require_str(item.get("name"), "component.name", max_length=500)),
        status=COMPONENT_STATUSES.get(raw_status, Status.UNKNOWN)
        if isinstance(raw_status, str)
        else Status.UNKNOWN,
        group_id=item["group_id"] if isinstance(item.get("group_id"), str) else None,
        is_group=item.get("group") is True,
        position=position if isinstance(position, int) and abs(position) < 10**9 else index,
        description=clean_text(optional_str(item.get("description"), "component.description")),
    )


def _parse_incident(
    item: dict[str, Any], page_url: str, *, maintenance: bool, notes: list[str]
) -> ParsedIncident:
    external_id = require_str(item.get("id"), "incident.id", max_length=200)
    raw_status = require_str(item.get("status"), "incident.status", max_length=100)
    status = INCIDENT_STATUSES.get(raw_status)
    if status is None:
        # An unknown word keeps the incident open rather than silently closing it.
        notes.append(f"incident {external_id}: unknown status {raw_status!r}, kept open")
        status = IncidentStatus.INVESTIGATING
    raw_impact = item.get("impact", "maintenance" if maintenance else "none")
    impact = IMPACTS.get(raw_impact) if isinstance(raw_impact, str) else None
    if impact is None:
        notes.append(f"incident {external_id}: unknown impact {raw_impact!r}, taken as minor")
        impact = Impact.MINOR
    if maintenance:
        impact = Impact.MAINTENANCE

    created_at = parse_time(item.get("created_at"), "incident.created_at")
    scheduled_for = optional_time(item.get("scheduled_for"), "maintenance.scheduled_for")
    scheduled_until = optional_time(item.get("scheduled_until"), "maintenance.scheduled_until")
    started_at = optional_time(item.get("started_at"), "incident.started_at") or created_at
    if maintenance and scheduled_for is not None:
        started_at = scheduled_for
    resolved_at = optional_time(item.get("resolved_at"), "incident.resolved_at")
    if resolved_at is None and status.is_closed:
        # incident.io's compat API has no resolved_at: the last change is when it closed.
        resolved_at = optional_time(item.get("updated_at"), "incident.updated_at") or created_at

    updates = sorted(
        (
            _parse_update(require_dict(update, "incident update"), external_id)
            for update in require_list(
                item.get("incident_updates"), "incident_updates", allow_null=True
            )
        ),
        key=lambda update: (update.at, update.key),
    )

    component_ids: list[str] = []
    for component in require_list(item.get("components"), "incident.components", allow_null=True):
        if isinstance(component, dict) and isinstance(component.get("id"), str):
            component_ids.append(component["id"])
    for update in require_list(item.get("incident_updates"), "incident_updates", allow_null=True):
        affected = update.get("affected_components") if isinstance(update, dict) else None
        for component in affected if isinstance(affected, list) else []:
            if isinstance(component, dict) and isinstance(component.get("code"), str):
                component_ids.append(component["code"])

    url = safe_url(item.get("shortlink")) or (
        f"{page_url}/incidents/{external_id}" if page_url else ""
    )
    return ParsedIncident(
        external_id=external_id,
        title=clean_text(require_str(item.get("name"), "incident.name", max_length=1000)),
        impact=impact,
        status=status,
        started_at=started_at,
        resolved_at=resolved_at,
        url=url,
        updates=tuple(updates),
        component_ids=tuple(dict.fromkeys(component_ids)),
        is_maintenance=maintenance,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
    )


def _parse_update(item: dict[str, Any], incident_id: str) -> ParsedUpdate:
    raw_status = require_str(item.get("status"), "update.status", max_length=100)
    at: datetime = optional_time(item.get("display_at"), "update.display_at") or parse_time(
        item.get("created_at"), "update.created_at"
    )
    body = clean_text(optional_str(item.get("body"), "update.body"))
    status = INCIDENT_STATUSES.get(raw_status, IncidentStatus.UPDATE)
    update_id = item.get("id")
    key = update_id if isinstance(update_id, str) and update_id else digest(incident_id, at, body)
    return ParsedUpdate(key=key[:200], status=status, body=body, at=at)
