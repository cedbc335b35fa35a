"""Google's status dashboards: Google Cloud `incidents.json` and Google Workspace's copy.

Both are a JSON array of incidents over a history window (formats.md §3.1): `end` is absent
or null while an incident is open, `status_impact` says how bad it is, updates are Markdown,
and `affected_products` carry stable ids. Product titles get renamed ("Vertex Gemini API" ...),
so filters name products by id: {"products": ["Z0FZJAMvEB4j3NbCJs6B"]}; and
{"base_url": ["https://www.google.com/appsstatus/dashboard/"]} makes Workspace's relative
links right; {"product_titles": ["Gemini"]} matches product titles where ids are not
known (Workspace's Gemini app). The window covers every open incident, so one that leaves it has ended. No
component states are published.
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
