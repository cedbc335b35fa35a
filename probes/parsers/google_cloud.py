"""Google's status dashboards: Google Cloud `incidents.json` and Google Workspace's copy.

Both are a JSON array of incidents over a history window (formats.md §3.1): `end` is absent
or null while an incident is open, `status_impact` says how bad it is, updates are Markdown,
and `affected_products` carry stable ids. Product titles get renamed ("Vertex Gemini API" ...),
so filters name products by id: {"products": ["Z0FZJAMvEB4j3NbCJs6B"]}; and
{"base_url": ["https://www.google.com/appsstatus/dashboard/"]} makes Workspace's relative
links right; {"product_titles": ["Gemini"]} matches product titles where ids are not
known (Workspace's Gemini app). The window covers every open incident, so one that leaves it
has ended. No component states are published.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .feeds import entries, entry_html, entry_time, entry_title, html_to_text, load_feed
from .payload import (
    check_year,
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
    ParsedIncident,
    ParsedPage,
    ParsedUpdate,
    ParseError,
)

IMPACTS = {
    "SERVICE_OUTAGE": Impact.CRITICAL,
    "SERVICE_DISRUPTION": Impact.MAJOR,
    "SERVICE_INFORMATION": Impact.MINOR,
}
SEVERITY_IMPACTS = {"high": Impact.CRITICAL, "medium": Impact.MAJOR, "low": Impact.MINOR}
DEFAULT_BASE = "https://status.cloud.google.com/"


def parse_google_cloud(content: bytes, filters: Filters) -> ParsedPage:
    """Parse Google Cloud / Workspace `incidents.json`. Raises ParseError for other shapes."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Google serves UTF-8; an UTF-16 array is AWS Health's.
        raise ParseError("UTF-16 document: not Google's incidents.json")
    document = load_json(content)
    if not isinstance(document, list):
        raise ParseError("document is not a list of incidents")
    notes: list[str] = []
    incidents = []
    wanted = set(filters.get("products", ()))
    # Product titles change, ids do not; titles are for dashboards that publish no ids list.
    title_words = [word.lower() for word in filters.get("product_titles", ()) if word.strip()]
    # Relative `uri`s are joined to the dashboard's address; Workspace's differs from Cloud's.
    base = next(iter(filters.get("base_url", ())), DEFAULT_BASE).rstrip("/") + "/"
    skipped = 0
    for raw in require_list(document, "incidents"):
        item = require_dict(raw, "incident")
        for key in ("id", "begin", "affected_products"):
            if key not in item:
                raise ParseError(f"incident has no {key}: not Google's incidents.json")
        products = [
            require_dict(product, "affected product")
            for product in require_list(item.get("affected_products"), "affected_products")
        ]
        product_ids = [str(product.get("id")) for product in products if product.get("id")]
        titles = " ".join(
            f"{product.get('title', '')} {product.get('current_title', '')}" for product in products
        ).lower()
        if (wanted or title_words) and not (
            wanted.intersection(product_ids) or any(word in titles for word in title_words)
        ):
            skipped += 1
            continue
        incidents.append(_incident(item, products, notes, base))
    if wanted:
        notes.append(
            f"kept {len(incidents)} incidents for the filtered products, skipped {skipped}"
        )
    return ParsedPage(
        platform="google_cloud",
        incidents=tuple(incidents),
        lists_all_open_incidents=True,
        notes=tuple(notes),
    )


def _incident(
    item: dict[str, Any], products: list[dict[str, Any]], notes: list[str], base: str
) -> ParsedIncident:
    external_id = require_str(item.get("id"), "incident.id", max_length=200)
    begin = parse_time(item.get("begin"), "incident.begin")
    end = optional_time(item.get("end"), "incident.end")
    raw_impact = item.get("status_impact")
    impact = IMPACTS.get(raw_impact) if isinstance(raw_impact, str) else None
    if impact is None:
        impact = SEVERITY_IMPACTS.get(str(item.get("severity")))
        if impact is None:
            notes.append(
                f"incident {external_id}: unknown impact {str(raw_impact)[:40]!r}, taken as minor"
            )
            impact = Impact.MINOR

    updates = []
    for raw in require_list(item.get("updates"), "updates", allow_null=True):
        update = require_dict(raw, "update")
        at = parse_time(update.get("when") or update.get("created"), "update.when")
        text = clean_text(optional_str(update.get("text"), "update.text"))
        raw_status = update.get("status")
        status = IncidentStatus.MONITORING if raw_status == "AVAILABLE" else IncidentStatus.UPDATE
        updates.append(
            ParsedUpdate(
                key=digest(external_id, at.isoformat(), raw_status, text),
                status=status,
                body=text,
                at=at,
            )
        )
    updates.sort(key=lambda update: (update.at, update.key))
    if end is not None and updates:
        last = updates[-1]
        updates[-1] = ParsedUpdate(
            key=last.key, status=IncidentStatus.RESOLVED, body=last.body, at=last.at
        )

    if end is not None:
        status = IncidentStatus.RESOLVED
    elif updates and updates[-1].status == IncidentStatus.MONITORING:
        # "AVAILABLE": service restored while the incident stays open.
        status = IncidentStatus.MONITORING
    else:
        status = IncidentStatus.INVESTIGATING
    uri = optional_str(item.get("uri"), "incident.uri", max_length=500)
    url = safe_url(uri) or (safe_url(base + uri.lstrip("/")) if uri and "://" not in uri else "")
    title = clean_text(
        optional_str(item.get("external_desc"), "incident.external_desc"), max_length=1000
    )
    return ParsedIncident(
        external_id=external_id,
        title=title.splitlines()[0] if title else "Google Cloud incident",
        impact=impact,
        status=status,
        started_at=begin,
        resolved_at=end,
        url=url,
        updates=tuple(updates),
        component_ids=tuple(str(p.get("id")) for p in products if p.get("id")),
        component_names=tuple(
            clean_text(str(p.get("title")), max_length=500)
            for p in products
            if isinstance(p.get("title"), str)
        ),
    )


# --- the Atom feed ---------------------------------------------------------------------------
# `/en/feed.atom`: one entry per update, titled "RESOLVED: <description>" (or "UPDATE: ..."),
# id `tag:status.cloud.google.com,2026:feed:<incident id>.<update id>`. The HTML opens with
# "Incident began at <strong>2026-02-27 04:37</strong> and ended at <strong>...</strong>
# (all times are <strong>US/Pacific</strong>)": local times, converted here.

_FEED_ID = re.compile(r"^tag:[^,]+,\d{4}:feed:([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$")
_FEED_HOST = re.compile(r"^https?://(status\.cloud\.google\.com|www\.google\.com/appsstatus)(/|$)")
_TITLE_PREFIX = re.compile(r"^\s*([A-Z][A-Z ]{2,20}):\s*")
_BEGAN = re.compile(r"(?is)began at\s*<strong>\s*([\d-]+ [\d:]+)\s*</strong>")
_ENDED = re.compile(r"(?is)ended at\s*<strong>\s*([\d-]+ [\d:]+)\s*</strong>")
_ZONE = re.compile(r"(?is)all times are\s*<strong>\s*([A-Za-z_/+-]+)\s*</strong>")
FEED_PREFIXES = {
    "RESOLVED": IncidentStatus.RESOLVED,
    "UPDATE": IncidentStatus.UPDATE,
    "MITIGATED": IncidentStatus.MONITORING,
}


def parse_google_cloud_feed(content: bytes, filters: Filters) -> ParsedPage:
    """Parse Google Cloud's status Atom feed, grouping its per-update entries by incident."""
    parsed = load_feed(content)
    items = entries(parsed)
    if not _FEED_HOST.match(str(parsed.feed.get("link", ""))) and not items:
        raise ParseError("an empty feed that is not Google Cloud's")
    groups: dict[str, list[tuple[datetime, str, Any]]] = {}
    for entry in items:
        match = _FEED_ID.match(str(entry.get("id", "")))
        if not match:
            raise ParseError(f"entry id {str(entry.get('id'))[:80]!r} is not a Google feed id")
        groups.setdefault(match.group(1), []).append((entry_time(entry), match.group(2), entry))
    notes: list[str] = []
    incidents = [_feed_incident(incident_id, group, notes) for incident_id, group in groups.items()]
    keywords = [word.lower() for word in filters.get("keywords", ()) if word.strip()]
    if keywords:
        incidents = [
            i
            for i in incidents
            if any(
                w in i.title.lower() or any(w in u.body.lower() for u in i.updates)
                for w in keywords
            )
        ]
    return ParsedPage(platform="google_cloud_feed", incidents=tuple(incidents), notes=tuple(notes))


def _local_time(text: str, zone_name: str, incident_id: str) -> datetime:
    try:
        zone = ZoneInfo(zone_name)
        local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParseError(
            f"incident {incident_id}: unreadable time {text[:30]!r} {zone_name[:30]!r}"
        ) from None
    return check_year(local.astimezone(UTC), "feed time")


def _feed_incident(
    incident_id: str, group: list[tuple[datetime, str, Any]], notes: list[str]
) -> ParsedIncident:
    group.sort(key=lambda item: (item[0], item[1]))
    updates = []
    for at, update_id, entry in group:
        title = str(entry.get("title", ""))
        prefix = _TITLE_PREFIX.match(title)
        status = (
            FEED_PREFIXES.get(prefix.group(1).strip(), IncidentStatus.UPDATE)
            if prefix
            else IncidentStatus.UPDATE
        )
        markup = entry_html(entry)
        body_html = re.sub(r"(?is)^\s*<p>.*?all times are.*?</p>", "", markup, count=1)
        updates.append(
            ParsedUpdate(
                key=f"{incident_id}.{update_id}"[:200],
                status=status,
                body=html_to_text(body_html),
                at=at,
            )
        )
    newest = group[-1][2]
    newest_title = entry_title(newest)
    prefix = _TITLE_PREFIX.match(newest_title)
    title = newest_title[prefix.end() :] if prefix else newest_title
    markup = entry_html(newest)
    zone_match = _ZONE.search(markup)
    zone_name = zone_match.group(1) if zone_match else "UTC"
    began = _BEGAN.search(markup)
    ended = _ENDED.search(markup)
    started_at = _local_time(began.group(1), zone_name, incident_id) if began else updates[0].at
    closed = updates[-1].status == IncidentStatus.RESOLVED
    resolved_at = None
    if closed:
        resolved_at = (
            _local_time(ended.group(1), zone_name, incident_id) if ended else updates[-1].at
        )
    elif ended:
        notes.append(f"incident {incident_id}: has an end time but no RESOLVED entry, kept open")
    return ParsedIncident(
        external_id=incident_id,
        title=title or "Google Cloud incident",
        impact=Impact.MINOR,
        status=IncidentStatus.RESOLVED if closed else IncidentStatus.INVESTIGATING,
        started_at=min(started_at, updates[0].at),
        resolved_at=resolved_at,
        url=f"{DEFAULT_BASE}incidents/{incident_id}",
        updates=tuple(updates),
        # No severity in the feed; incidents.json (same ids) knows it.
        partial=True,
    )
