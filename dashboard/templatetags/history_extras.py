"""Filters for the history pages: uptime ratios and outage lengths as reading text.

The data comes from the views' context (dashboard/history.py); these only format it.
"""

from __future__ import annotations

import math
from datetime import timedelta
from urllib.parse import urlencode

from django import template

register = template.Library()


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
