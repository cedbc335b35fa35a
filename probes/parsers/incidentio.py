"""incident.io status pages beyond the Statuspage-compatible API (formats.md §2).

`incidentio_proxy`: the page's own `/proxy/<host>` JSON. `summary.components` lists every
component; `summary.affected_components` lists only the ones not operational right now, so a
component missing from it is operational. Ongoing incidents and maintenances carry component
impacts with start and end times; `full_outage` is our major outage.

`incidentio_feed`: the page's `/history.atom` (or `/feed.atom`). One entry per incident with
only its latest update, `<b>Status: X</b>`, and an optional list of affected components as
`<li>Name (Status)</li>`. Entry ids have a double slash (`https://host//incidents/<ULID>`):
incidents are keyed on the trailing ULID so feed and JSON sources of one page merge.
"""

from __future__ import annotations

import re
from typing import Any

from .feeds import (
    entries,
    entry_html,
    entry_link,
    entry_time,
    entry_title,
    html_to_text,
    load_feed,
)
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
    ParsedComponentImpact,
    ParsedIncident,
    ParsedPage,
    ParsedUpdate,
    ParseError,
    Status,
    impact_for_status,
    worst,
)

COMPONENT_STATUSES: dict[str, Status] = {
    "operational": Status.OPERATIONAL,
    "degraded_performance": Status.DEGRADED_PERFORMANCE,
    "partial_outage": Status.PARTIAL_OUTAGE,
    "full_outage": Status.MAJOR_OUTAGE,
    "major_outage": Status.MAJOR_OUTAGE,
    "under_maintenance": Status.UNDER_MAINTENANCE,
}
INCIDENT_STATUSES: dict[str, IncidentStatus] = {
    "investigating": IncidentStatus.INVESTIGATING,
    "identified": IncidentStatus.IDENTIFIED,
    "monitoring": IncidentStatus.MONITORING,
    "resolved": IncidentStatus.RESOLVED,
    "maintenance_scheduled": IncidentStatus.SCHEDULED,
    "maintenance_in_progress": IncidentStatus.IN_PROGRESS,
    "maintenance_complete": IncidentStatus.COMPLETED,
    "maintenance_completed": IncidentStatus.COMPLETED,
}


# --- /proxy/<host> ------------------------------------------------------------------------


def parse_incidentio_proxy(content: bytes, filters: Filters) -> ParsedPage:
    """Parse incident.io's `/proxy/<host>` document. Raises ParseError for other shapes."""
    document = require_dict(load_json(content), "document")
    summary = require_dict(document.get("summary"), "summary")
    if not isinstance(summary.get("components"), list) or not isinstance(
        summary.get("affected_components"), list
    ):
        raise ParseError("summary has no components and affected_components lists")
    notes: list[str] = []
    public_url = safe_url(summary.get("public_url")).rstrip("/")

    current: dict[str, Status] = {}
    for item in require_list(summary["affected_components"], "affected_components"):
        affected = require_dict(item, "affected component")
        component_id = require_str(affected.get("component_id"), "component_id", max_length=200)
        current[component_id] = _component_status(affected.get("status"), notes)

    group_of: dict[str, str] = {}
    groups: list[ParsedComponent] = []
    structure = summary.get("structure")
    items = structure.get("items") if isinstance(structure, dict) else None
    for index, entry in enumerate(items if isinstance(items, list) else []):
        group = entry.get("group") if isinstance(entry, dict) else None
        if not isinstance(group, dict) or not isinstance(group.get("id"), str):
            continue
        members = [
            member["component_id"]
            for member in group.get("components", []) or []
            if isinstance(member, dict) and isinstance(member.get("component_id"), str)
        ]
        for member in members:
            group_of[member] = group["id"]
        groups.append(
            ParsedComponent(
                external_id=group["id"],
                name=clean_text(optional_str(group.get("name"), "group.name"), max_length=500)
                or "Group",
                # A container: it only rolls up its members.
                status=worst([current.get(member, Status.OPERATIONAL) for member in members]),
                is_group=True,
                position=index,
            )
        )

    components = [
        ParsedComponent(
            external_id=(
                component_id := require_str(item.get("id"), "component.id", max_length=200)
            ),
            name=clean_text(require_str(item.get("name"), "component.name", max_length=500)),
            # Only non-operational components are listed as affected; the rest are fine.
            status=current.get(component_id, Status.OPERATIONAL),
            group_id=group_of.get(component_id),
            position=index,
            description=clean_text(optional_str(item.get("description"), "component.description")),
        )
        for index, item in enumerate(
            require_dict(entry, "component")
            for entry in require_list(summary["components"], "components")
        )
    ]

    incidents = [
        _proxy_event(require_dict(item, "incident"), public_url, notes, maintenance=False)
        for item in require_list(
            summary.get("ongoing_incidents"), "ongoing_incidents", allow_null=True
        )
    ]
    incidents += [
        _proxy_event(require_dict(item, "maintenance"), public_url, notes, maintenance=True)
        for item in require_list(
            summary.get("scheduled_maintenances"), "scheduled_maintenances", allow_null=True
        )
    ]

    all_components = [*groups, *components]
    wanted = set(filters.get("components", ()))
    if wanted:
        kept = {
            c.external_id for c in all_components if c.external_id in wanted or c.group_id in wanted
        }
        all_components = [c for c in all_components if c.external_id in kept]
        incidents = [i for i in incidents if kept.intersection(i.component_ids)]
        notes.append(f"kept {len(all_components)} components matching the filter")
    return ParsedPage(
        platform="incidentio_proxy",
        components=tuple(all_components),
        incidents=tuple(incidents),
        lists_all_open_incidents=True,
        has_component_states=True,
        notes=tuple(notes),
    )


def _component_status(value: Any, notes: list[str]) -> Status:
    status = COMPONENT_STATUSES.get(value) if isinstance(value, str) else None
    if status is None:
        notes.append(f"unknown component status {str(value)[:40]!r}")
        return Status.UNKNOWN
    return status


def _proxy_event(
    item: dict[str, Any], public_url: str, notes: list[str], *, maintenance: bool
) -> ParsedIncident:
    external_id = require_str(item.get("id"), "incident.id", max_length=200)
    raw_status = item.get("status")
    status = INCIDENT_STATUSES.get(raw_status) if isinstance(raw_status, str) else None
    if status is None:
        notes.append(f"incident {external_id}: unknown status {str(raw_status)[:40]!r}, kept open")
        status = IncidentStatus.IN_PROGRESS if maintenance else IncidentStatus.INVESTIGATING
    maintenance = maintenance or item.get("type") == "maintenance"

    impacts = []
    for raw in require_list(item.get("component_impacts"), "component_impacts", allow_null=True):
        impact = require_dict(raw, "component impact")
        impacts.append(
            ParsedComponentImpact(
                component_id=require_str(
                    impact.get("component_id"), "component_id", max_length=200
                ),
                status=_component_status(impact.get("status"), notes),
                start_at=parse_time(impact.get("start_at"), "component_impact.start_at"),
                end_at=optional_time(impact.get("end_at"), "component_impact.end_at"),
            )
        )
    component_ids = [i.component_id for i in impacts]
    for raw in require_list(
        item.get("affected_components"), "affected_components", allow_null=True
    ):
        if isinstance(raw, dict) and isinstance(raw.get("component_id"), str):
            component_ids.append(raw["component_id"])

    updates = []
    for raw in require_list(item.get("updates"), "updates", allow_null=True):
        update = require_dict(raw, "update")
        at = parse_time(update.get("published_at"), "update.published_at")
        body = clean_text(
            optional_str(update.get("message_string"), "update.message_string")
            or rich_text(update.get("message"))
        )
        to_status = update.get("to_status")
        update_status = (
            INCIDENT_STATUSES.get(to_status, IncidentStatus.UPDATE)
            if isinstance(to_status, str)
            else IncidentStatus.UPDATE
        )
        update_id = update.get("id")
        key = (
            update_id
            if isinstance(update_id, str) and update_id
            else digest(external_id, at, update_status, body)
        )
        updates.append(ParsedUpdate(key=key[:200], status=update_status, body=body, at=at))
    updates.sort(key=lambda update: (update.at, update.key))

    open_impacts = [i.status for i in impacts if i.end_at is None] or [i.status for i in impacts]
    if maintenance:
        impact_level = Impact.MAINTENANCE
    elif open_impacts:
        impact_level = impact_for_status(worst(open_impacts))
        if impact_level == Impact.NONE:
            impact_level = Impact.MINOR
    else:
        # No component impact published: open, so at least minor.
        impact_level = Impact.MINOR
    published = optional_time(item.get("published_at"), "incident.published_at")
    starts = [time for time in (published, *(i.start_at for i in impacts)) if time is not None]
    if updates:
        starts.append(updates[0].at)
    if not starts:
        raise ParseError(f"incident {external_id} has no time at all")
    return ParsedIncident(
        external_id=external_id,
        title=clean_text(require_str(item.get("name"), "incident.name", max_length=1000)),
        impact=impact_level,
        status=status,
        started_at=min(starts),
        resolved_at=updates[-1].at if status.is_closed and updates else None,
        url=f"{public_url}/incidents/{external_id}" if public_url else "",
        updates=tuple(updates),
        component_ids=tuple(dict.fromkeys(component_ids)),
        component_impacts=tuple(impacts),
        is_maintenance=maintenance,
        scheduled_for=optional_time(item.get("starts_at"), "maintenance.starts_at"),
        scheduled_until=optional_time(item.get("ends_at"), "maintenance.ends_at"),
    )


def rich_text(value: Any) -> str:
    """Plain text of a message given as a string or as a rich-text tree of nodes with "text"
    leaves (paragraphs become lines). Anything else gives ""."""
    if isinstance(value, str):
        return value
    lines: list[str] = []
    current: list[str] = []
    # Iterative and bounded: a hostile tree cannot recurse or run long.
    stack: list[Any] = [value]
    visited = 0
    while stack and visited < 20_000:
        node = stack.pop()
        visited += 1
        if node == "\n":
            lines.append("".join(current))
            current = []
        elif isinstance(node, dict):
            if isinstance(node.get("text"), str):
                current.append(node["text"])
            children = node.get("content")
            if isinstance(children, list):
                if node.get("type") == "paragraph":
                    stack.append("\n")
                stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    lines.append("".join(current))
    return "\n".join(line.strip() for line in lines if line.strip())


# --- Atom feed ----------------------------------------------------------------------------

FEED_STATUSES: dict[str, IncidentStatus] = {
    "investigating": IncidentStatus.INVESTIGATING,
    "identified": IncidentStatus.IDENTIFIED,
    "monitoring": IncidentStatus.MONITORING,
    "resolved": IncidentStatus.RESOLVED,
    "scheduled": IncidentStatus.SCHEDULED,
    "maintenance scheduled": IncidentStatus.SCHEDULED,
    "in progress": IncidentStatus.IN_PROGRESS,
    "maintenance in progress": IncidentStatus.IN_PROGRESS,
    "completed": IncidentStatus.COMPLETED,
    "maintenance complete": IncidentStatus.COMPLETED,
    "maintenance completed": IncidentStatus.COMPLETED,
}
FEED_COMPONENT_STATUSES: dict[str, Status] = {
    "operational": Status.OPERATIONAL,
    "degraded performance": Status.DEGRADED_PERFORMANCE,
    "partial outage": Status.PARTIAL_OUTAGE,
    "full outage": Status.MAJOR_OUTAGE,
    "under maintenance": Status.UNDER_MAINTENANCE,
}
_FEED_STATUS = re.compile(r"(?is)<b>\s*Status:\s*(.*?)\s*</b>")
_AFFECTED_BLOCK = re.compile(r"(?is)<b>\s*Affected components\s*</b>(.*)$")
_COMPONENT_ITEM = re.compile(r"(?is)<li>\s*(.*?)\s*\(([^()]*)\)\s*</li>")
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
# Incidents from before a page moved to incident.io keep their 12-character Statuspage ids.
_INCIDENT_PATH = re.compile(r"/incidents/([0-9A-Za-z]{12}|[0-9A-HJKMNP-TV-Z]{26})(?:/write-up)?/?$")


def parse_incidentio_feed(content: bytes, filters: Filters) -> ParsedPage:
    """Parse an incident.io Atom feed. Raises ParseError for other feeds."""
    parsed = load_feed(content)
    generator = str(parsed.feed.get("generator", ""))
    if "incident.io" not in generator:
        raise ParseError("feed generator is not incident.io")
    notes: list[str] = []
    incidents = tuple(_feed_entry(entry, notes) for entry in entries(parsed))
    return ParsedPage(platform="incidentio_feed", incidents=incidents, notes=tuple(notes))


def _feed_entry(entry: Any, notes: list[str]) -> ParsedIncident:
    ids: list[str] = []
    for raw in (entry.get("id"), entry.get("link")):
        match = _INCIDENT_PATH.search(str(raw or ""))
        if match and match.group(1) not in ids:
            ids.append(match.group(1))
    if not ids:
        raise ParseError(f"entry id {str(entry.get('id'))[:80]!r} does not end in /incidents/<id>")
    # Key on the ULID; an archived Statuspage id of the same incident becomes an alias.
    ids.sort(key=lambda value: not _ULID.match(value))
    external_id, aliases = ids[0], tuple(ids[1:])
    at = entry_time(entry)
    markup = entry_html(entry)
    status_match = _FEED_STATUS.search(markup)
    word = html_to_text(status_match.group(1)).lower() if status_match else ""
    status = FEED_STATUSES.get(word)
    if status is None:
        notes.append(f"incident {external_id}: unknown status {word[:40]!r}, kept open")
        status = IncidentStatus.INVESTIGATING

    names: list[str] = []
    worst_component = Status.OPERATIONAL
    block = _AFFECTED_BLOCK.search(markup)
    message_html = markup[: block.start()] if block else markup
    if status_match:
        message_html = message_html[status_match.end() :]
    for name_html, state in _COMPONENT_ITEM.findall(block.group(1) if block else ""):
        names.append(html_to_text(name_html))
        component_status = FEED_COMPONENT_STATUSES.get(state.strip().lower(), Status.UNKNOWN)
        worst_component = worst([worst_component, component_status])
    body = html_to_text(message_html)

    maintenance = status in {
        IncidentStatus.SCHEDULED,
        IncidentStatus.IN_PROGRESS,
        IncidentStatus.COMPLETED,
    }
    if maintenance:
        impact = Impact.MAINTENANCE
    elif worst_component in (Status.OPERATIONAL, Status.UNKNOWN):
        impact = Impact.MINOR
    else:
        impact = impact_for_status(worst_component)
    link = entry_link(entry).replace("//incidents/", "/incidents/")
    return ParsedIncident(
        external_id=external_id,
        title=entry_title(entry),
        impact=impact,
        status=status,
        # Only the latest update is in the feed: its time is the latest we know it started.
        started_at=at,
        resolved_at=at if status.is_closed else None,
        url=link,
        updates=(
            ParsedUpdate(
                key=digest(external_id, at.isoformat(), word, body), status=status, body=body, at=at
            ),
        ),
        component_names=tuple(dict.fromkeys(name for name in names if name)),
        is_maintenance=maintenance,
        aliases=aliases,
        partial=True,
    )
