"""AWS Health: the public `currentevents` JSON and the per-service RSS feeds (formats.md §3.3).

`currentevents` is UTF-16 with a byte-order mark, a list of events (`[]` when nothing is
open). Times are epoch seconds in strings, statuses the string codes "0" (resolved or fine),
"1" (informational), "2" (degraded), "3" (disruption). Impacted services are keyed
`<service>-<region>` (`bedrock-us-east-1`). Filters narrow a whole-cloud list to one
provider: {"services": ["bedrock"], "regions": ["us-east-1", "us-west-2"]}. With both given,
each service and region pair becomes a component, operational unless an open event says
otherwise, because the document lists every open event.

The RSS feeds (`/rss/<service>-<region>.rss`) carry one item per post; posts of one event
are grouped from the first trouble post to the next "Service is operating normally" post.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .feeds import (
    entries,
    entry_html,
    entry_link,
    entry_time,
    html_to_text,
    load_feed,
)
from .payload import (
    clean_text,
    digest,
    epoch_time,
    load_json,
    optional_str,
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

CODES: dict[str, Status] = {
    "0": Status.OPERATIONAL,
    "1": Status.DEGRADED_PERFORMANCE,
    "2": Status.PARTIAL_OUTAGE,
    "3": Status.MAJOR_OUTAGE,
}
_SERVICE_KEY = re.compile(
    r"^(?P<service>[a-z0-9][a-z0-9-]*?)-(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)$"
)
_RESOLVED_PREFIX = re.compile(r"^\s*\[RESOLVED\]\s*", re.IGNORECASE)


def split_service_key(key: str) -> tuple[str, str | None]:
    """`bedrock-us-east-1` → ("bedrock", "us-east-1"); a global service has no region."""
    match = _SERVICE_KEY.match(key)
    if match:
        return match.group("service"), match.group("region")
    return key, None


def _code(value: Any, what: str, notes: list[str]) -> Status:
    status = (
        CODES.get(str(value))
        if isinstance(value, str | int) and not isinstance(value, bool)
        else None
    )
    if status is None:
        notes.append(f"{what}: unknown status code {str(value)[:20]!r}")
        return Status.UNKNOWN
    return status


def parse_aws_health(content: bytes, filters: Filters) -> ParsedPage:
    """Parse AWS Health `currentevents`. Raises ParseError for other shapes."""
    document = load_json(content)
    if not isinstance(document, list):
        raise ParseError("document is not a list of events")
    services = set(filters.get("services", ()))
    regions = set(filters.get("regions", ()))
    notes: list[str] = []
    incidents = []
    current: dict[str, Status] = {}
    names: dict[str, str] = {}
    for raw in require_list(document, "events"):
        event = require_dict(raw, "event")
        arn = require_str(event.get("arn"), "event.arn", max_length=500)
        if not arn.startswith("arn:aws:health:"):
            raise ParseError("event arn is not an AWS Health arn")
        impacted = event.get("impacted_services")
        impacted = impacted if isinstance(impacted, dict) else {}
        keys = list(impacted) or [
            optional_str(event.get("service"), "event.service", max_length=200)
        ]
        matching = [key for key in keys if _wanted(key, services, regions)]
        if (services or regions) and not matching:
            continue
        incident = _event(event, arn, matching, notes)
        incidents.append(incident)
        for key in matching:
            detail = impacted.get(key)
            detail = detail if isinstance(detail, dict) else {}
            if isinstance(detail.get("service_name"), str):
                names[key] = clean_text(detail["service_name"], max_length=300)
            level = (
                _code(detail.get("current", event.get("status")), f"event {arn[-40:]}", notes)
                if incident.is_open
                else Status.OPERATIONAL
            )
            current[key] = worst([current.get(key, Status.OPERATIONAL), level])

    components: list[ParsedComponent] = []
    if services and regions:
        for service in sorted(services):
            for region in sorted(regions):
                key = f"{service}-{region}"
                components.append(
                    ParsedComponent(
                        external_id=key,
                        name=f"{names.get(key, service)} ({region})",
                        status=current.get(key, Status.OPERATIONAL),
                        position=len(components),
                    )
                )
    return ParsedPage(
        platform="aws_health",
        components=tuple(components),
        incidents=tuple(incidents),
        lists_all_open_incidents=True,
        has_component_states=bool(components),
        notes=tuple(notes),
    )


def _wanted(key: str, services: set[str], regions: set[str]) -> bool:
    service, region = split_service_key(key)
    if services and service not in services:
        return False
    return not (regions and region is not None and region not in regions)


def _event(event: dict[str, Any], arn: str, keys: list[str], notes: list[str]) -> ParsedIncident:
    started = epoch_time(event.get("date"), "event.date")
    status_level = _code(event.get("status"), f"event {arn[-40:]}", notes)
    summary = clean_text(optional_str(event.get("summary"), "event.summary"), max_length=1000)
    resolved_by_text = bool(_RESOLVED_PREFIX.match(summary))
    title = _RESOLVED_PREFIX.sub("", summary) or optional_str(
        event.get("service_name"), "service_name"
    )

    updates: list[ParsedUpdate] = []
    levels: list[Status] = []
    for raw in require_list(event.get("event_log"), "event_log", allow_null=True):
        entry = require_dict(raw, "event_log entry")
        at = epoch_time(entry.get("timestamp"), "event_log.timestamp")
        level = _code(entry.get("status"), f"event {arn[-40:]}", notes)
        levels.append(level)
        message = clean_text(optional_str(entry.get("message"), "event_log.message"))
        updates.append(
            ParsedUpdate(
                key=digest(arn, at.isoformat(), entry.get("status"), message),
                status=IncidentStatus.RESOLVED
                if level == Status.OPERATIONAL
                else IncidentStatus.UPDATE,
                body=message,
                at=at,
            )
        )
    updates.sort(key=lambda update: (update.at, update.key))

    ended = event.get("end_time")
    end_time: datetime | None = (
        epoch_time(ended, "event.end_time") if ended not in (None, "") else None
    )
    closed = status_level == Status.OPERATIONAL or end_time is not None or resolved_by_text
    worst_level = worst([lvl for lvl in (*levels, status_level) if lvl != Status.OPERATIONAL])
    impact = impact_for_status(worst_level) if worst_level != Status.OPERATIONAL else Impact.MINOR
    if worst_level == Status.UNKNOWN:
        impact = Impact.MINOR
    resolved_at = (end_time or (updates[-1].at if updates else started)) if closed else None
    region = arn.split(":")[3] if arn.count(":") >= 4 else ""
    return ParsedIncident(
        external_id=arn[:200],
        title=title or "AWS event",
        impact=impact,
        status=IncidentStatus.RESOLVED if closed else IncidentStatus.INVESTIGATING,
        started_at=started,
        resolved_at=resolved_at,
        url="https://health.aws.amazon.com/health/status" + (f"?region={region}" if region else ""),
        updates=tuple(updates),
        component_ids=tuple(keys),
    )


# --- per-service RSS ----------------------------------------------------------------------

RSS_LEVELS: dict[str, Status] = {
    "service is operating normally": Status.OPERATIONAL,
    "informational message": Status.DEGRADED_PERFORMANCE,
    "performance issues": Status.PARTIAL_OUTAGE,
    "service disruption": Status.MAJOR_OUTAGE,
}
_AWS_HOST = re.compile(r"^https?://(status|health)\.aws\.amazon\.com(/|$)", re.IGNORECASE)
_GUID_KEY = re.compile(r"#([a-z0-9-]+)_\d+$")


def parse_aws_rss(content: bytes, filters: Filters) -> ParsedPage:
    """Parse an AWS per-service status RSS feed. Raises ParseError for other feeds."""
    parsed = load_feed(content)
    if not _AWS_HOST.match(str(parsed.feed.get("link", ""))):
        raise ParseError("channel link is not status.aws.amazon.com")
    notes: list[str] = []
    items = []
    service_key = ""
    for entry in entries(parsed):
        title = str(entry.get("title", ""))
        prefix, _, rest = title.partition(":")
        level = RSS_LEVELS.get(prefix.strip().lower())
        if level is None:
            # AWS words every post with one of four prefixes; new wording is a format change.
            raise ParseError(f"post title {title[:60]!r} has no known AWS state prefix")
        guid = str(entry.get("id") or "")
        key_match = _GUID_KEY.search(guid)
        if key_match:
            service_key = service_key or key_match.group(1)
        at = entry_time(entry)
        body = html_to_text(entry_html(entry))
        items.append(
            (
                at,
                guid or digest(title, at),
                level,
                clean_text(rest.strip(), max_length=1000),
                body,
                entry,
            )
        )
    items.sort(key=lambda item: (item[0], item[1]))

    incidents: list[ParsedIncident] = []
    group: list[tuple[Any, ...]] = []

    def close(resolved: bool) -> None:
        first = group[0]
        levels = [item[2] for item in group if item[2] != Status.OPERATIONAL]
        level = worst(levels) if levels else Status.DEGRADED_PERFORMANCE
        updates = tuple(
            ParsedUpdate(
                key=digest(item[1], item[0].isoformat()),
                status=IncidentStatus.RESOLVED
                if item[2] == Status.OPERATIONAL
                else IncidentStatus.UPDATE,
                body=item[4] or item[3],
                at=item[0],
            )
            for item in group
        )
        incidents.append(
            ParsedIncident(
                external_id=str(first[1])[:200],
                title=_RESOLVED_PREFIX.sub("", first[3]) or "AWS service event",
                impact=impact_for_status(level) if level != Status.UNKNOWN else Impact.MINOR,
                status=IncidentStatus.RESOLVED if resolved else IncidentStatus.INVESTIGATING,
                started_at=first[0],
                resolved_at=group[-1][0] if resolved else None,
                url=entry_link(first[5]),
                updates=updates,
                component_ids=(service_key,) if service_key else (),
            )
        )

    for item in items:
        group.append(item)
        if item[2] == Status.OPERATIONAL:
            close(resolved=True)
            group = []
    current = Status.OPERATIONAL
    if group:
        close(resolved=False)
        current = worst([item[2] for item in group])

    components: tuple[ParsedComponent, ...] = ()
    if service_key:
        channel_title = str(parsed.feed.get("title", service_key))
        name = re.sub(r"\s*Service Status\s*$", "", channel_title).strip() or service_key
        components = (
            ParsedComponent(
                external_id=service_key, name=clean_text(name, max_length=500), status=current
            ),
        )
    return ParsedPage(
        platform="aws_rss",
        components=components,
        incidents=tuple(incidents),
        # The newest posts always say whether the service is in trouble now.
        lists_all_open_incidents=True,
        has_component_states=bool(components),
        notes=tuple(notes),
    )
