"""Better Stack status pages: `/index.json`, a JSON:API document (formats.md §3.5).

`data` is the page (`type: "status_page"`, `attributes.aggregate_state`); `included` holds
sections, resources (the components), reports (incidents and maintenances) and their updates.
A report is over when its `aggregate_state` is `resolved`: Better Stack leaves `ends_at` null
on resolved reports, so `ends_at` alone never decides. The document is the page's current
state, so it carries every active report and every resource's state.
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

STATES = {
    "operational": Status.OPERATIONAL,
    "degraded": Status.DEGRADED_PERFORMANCE,
    "downtime": Status.MAJOR_OUTAGE,
    "maintenance": Status.UNDER_MAINTENANCE,
}


def parse_betterstack(content: bytes, filters: Filters) -> ParsedPage:
    """Parse a Better Stack `index.json`. Raises ParseError for other shapes."""
    document = require_dict(load_json(content), "document")
    data = require_dict(document.get("data"), "data")
    if data.get("type") != "status_page":
        raise ParseError("data.type is not status_page")
    attributes = require_dict(data.get("attributes"), "data.attributes")
    included = require_list(document.get("included", []), "included")
    notes: list[str] = []
    raw_state = attributes.get("aggregate_state")
    indicator = STATES.get(raw_state) if isinstance(raw_state, str) else None
    if indicator is None:
        notes.append(f"unknown page state {str(raw_state)[:40]!r}")
        indicator = Status.UNKNOWN
    page_url = safe_url(
        attributes.get("custom_domain") and f"https://{attributes['custom_domain']}"
    )

    by_type: dict[str, list[dict[str, Any]]] = {}
    for raw in included:
        item = require_dict(raw, "included item")
        by_type.setdefault(str(item.get("type")), []).append(item)

    components: list[ParsedComponent] = []
    resource_ids: set[str] = set()
    section_members: dict[str, list[Status]] = {}
    for item in by_type.get("status_page_resource", []):
        resource_id = str(require_str(str(item.get("id", "")), "resource.id", max_length=200))
        attrs = require_dict(item.get("attributes"), "resource.attributes")
        raw = attrs.get("status")
        if raw == "not_monitored":
            # The page does not measure it: no state to show, and not a problem either.
            notes.append(f"resource {resource_id}: not monitored, skipped")
            continue
        status = STATES.get(raw) if isinstance(raw, str) else None
        if status is None:
            notes.append(f"resource {resource_id}: unknown status {str(raw)[:40]!r}")
            status = Status.UNKNOWN
        section = attrs.get("status_page_section_id")
        group_id = f"section-{section}" if section is not None else None
        if group_id:
            section_members.setdefault(group_id, []).append(status)
        position = attrs.get("position")
        components.append(
            ParsedComponent(
                external_id=resource_id,
                name=clean_text(
                    require_str(attrs.get("public_name"), "resource.public_name", max_length=500)
                ),
                status=status,
                group_id=group_id,
                position=position
                if isinstance(position, int) and abs(position) < 10**9
                else len(components),
                description=clean_text(
                    optional_str(attrs.get("explanation"), "resource.explanation")
                ),
            )
        )
        resource_ids.add(resource_id)
    for item in by_type.get("status_page_section", []):
        raw_attrs = item.get("attributes")
        attrs = raw_attrs if isinstance(raw_attrs, dict) else {}
        group_id = f"section-{item.get('id')}"
        position = attrs.get("position")
        components.insert(
            0,
            ParsedComponent(
                external_id=group_id,
                name=clean_text(optional_str(attrs.get("name"), "section.name"), max_length=500)
                or "Section",
                status=worst(section_members.get(group_id, [])),
                is_group=True,
                position=position if isinstance(position, int) and abs(position) < 10**9 else 0,
            ),
        )

    updates_by_id = {str(item.get("id")): item for item in by_type.get("status_update", [])}
    incidents = [
        _report(item, updates_by_id, page_url, notes) for item in by_type.get("status_report", [])
    ]

    wanted = set(filters.get("components", ()))
    if wanted:
        components = [c for c in components if c.external_id in wanted or c.group_id in wanted]
        kept = {c.external_id for c in components}
        incidents = [i for i in incidents if kept.intersection(i.component_ids)]
        indicator = None
        notes.append(f"kept {len(components)} resources matching the filter")
    return ParsedPage(
        platform="betterstack",
        components=tuple(components),
        incidents=tuple(incidents),
        indicator=indicator,
        lists_all_open_incidents=True,
        has_component_states=True,
        notes=tuple(notes),
    )


def _report(
    item: dict[str, Any], updates_by_id: dict[str, dict[str, Any]], page_url: str, notes: list[str]
) -> ParsedIncident:
    external_id = require_str(str(item.get("id", "")), "report.id", max_length=200)
    attrs = require_dict(item.get("attributes"), "report.attributes")
    maintenance = attrs.get("report_type") == "maintenance"
    raw_state = attrs.get("aggregate_state")
    resolved = raw_state == "resolved"
    affected_status = STATES.get(raw_state) if isinstance(raw_state, str) else None
    if not resolved and affected_status is None:
        notes.append(f"report {external_id}: unknown state {str(raw_state)[:40]!r}, kept open")

    component_ids = []
    worst_affected = []
    for raw in require_list(attrs.get("affected_resources"), "affected_resources", allow_null=True):
        if isinstance(raw, dict) and raw.get("status_page_resource_id") is not None:
            component_ids.append(str(raw["status_page_resource_id"]))
            word = raw.get("status")
            level = STATES.get(word) if isinstance(word, str) else None
            if level is not None:
                worst_affected.append(level)

    relationships = item.get("relationships") if isinstance(item.get("relationships"), dict) else {}
    linked = relationships.get("status_updates", {}) if isinstance(relationships, dict) else {}
    linked_ids = [
        str(ref.get("id"))
        for ref in (linked.get("data", []) if isinstance(linked, dict) else [])
        if isinstance(ref, dict)
    ]
    updates = []
    for update_id in linked_ids:
        update = updates_by_id.get(update_id)
        if update is None:
            continue
        update_attrs = require_dict(update.get("attributes"), "update.attributes")
        at = parse_time(update_attrs.get("published_at"), "update.published_at")
        body = clean_text(optional_str(update_attrs.get("message"), "update.message"))
        updates.append(
            ParsedUpdate(key=f"update-{update_id}", status=IncidentStatus.UPDATE, body=body, at=at)
        )
    updates.sort(key=lambda update: (update.at, update.key))

    starts_at = parse_time(attrs.get("starts_at"), "report.starts_at")
    ends_at = optional_time(attrs.get("ends_at"), "report.ends_at")
    if maintenance:
        impact = Impact.MAINTENANCE
        status = (
            IncidentStatus.COMPLETED
            if resolved
            else (
                IncidentStatus.IN_PROGRESS
                if raw_state == "maintenance"
                else IncidentStatus.SCHEDULED
            )
        )
    else:
        level = worst(worst_affected or ([affected_status] if affected_status else []))
        impact = impact_for_status(level) if level != Status.OPERATIONAL else Impact.MINOR
        status = IncidentStatus.RESOLVED if resolved else IncidentStatus.INVESTIGATING
    if resolved and updates:
        updates[-1] = ParsedUpdate(
            key=updates[-1].key, status=status, body=updates[-1].body, at=updates[-1].at
        )
    resolved_at = (ends_at or (updates[-1].at if updates else starts_at)) if resolved else None
    return ParsedIncident(
        external_id=external_id,
        title=clean_text(require_str(attrs.get("title"), "report.title", max_length=1000)),
        impact=impact,
        status=status,
        started_at=starts_at,
        resolved_at=resolved_at,
        url=f"{page_url}/incident/{external_id}" if page_url else "",
        updates=tuple(updates),
        component_ids=tuple(dict.fromkeys(component_ids)),
        is_maintenance=maintenance,
        scheduled_for=starts_at if maintenance else None,
        scheduled_until=ends_at if maintenance else None,
    )
