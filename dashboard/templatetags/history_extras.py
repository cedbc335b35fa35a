"""Template tags for the history parts of the provider and incident pages.

Each tag gathers its own data through dashboard/history.py, so the pages that include them
need no extra context: `{% provider_uptime provider %}`, `{% incident_history incident %}`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils import timezone

from dashboard import history
from probes.models import Incident, Provider

register = template.Library()


@register.inclusion_tag("dashboard/uptime_section.html")
def provider_uptime(provider: Provider) -> dict[str, Any]:
    """90-day uptime bars per component, 90/365-day uptime and reliability figures."""
    return {"history": history.provider_history(provider, now=timezone.now())}


@register.inclusion_tag("dashboard/incident_history.html")
def incident_history(incident: Incident) -> dict[str, Any]:
    """Root cause, postmortem and sources, per-product recoveries, upstream incidents."""
    details = incident.details if isinstance(incident.details, dict) else {}
    return {
        "incident": incident,
        "details": details,
        "recoveries": _recoveries(details),
        "upstream": history.related_upstream_incidents(incident, now=timezone.now()),
        "downstream": list(incident.downstream_incidents.select_related("provider")),
    }


def _recoveries(details: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in details.get("recoveries", []) or []:
        try:
            at = datetime.fromisoformat(str(item["at"]))
        except (KeyError, ValueError):
            continue
        rows.append(
            {
                "product": item.get("product", ""),
                "at": at,
                "according_to": item.get("according_to", ""),
            }
        )
    return rows


@register.filter
def percent(value: float | None) -> str:
    """An uptime ratio as "99.95%", or "no data" (never 100 % by default)."""
    if value is None:
        return "no data"
    # Rounded down, so a day with any downtime never reads 100.00%.
    return f"{math.floor(value * 10000) / 100:.2f}%"


@register.filter
def hours_minutes(value: timedelta | None) -> str:
    if value is None:
        return "none"
    minutes = round(value.total_seconds() / 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@register.filter
def urlencode_query(values: dict[str, str]) -> str:
    """A dict of filters as a query string (already escaped for a URL)."""
    return urlencode(values)
