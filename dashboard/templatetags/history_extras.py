"""Filters for the history pages: uptime ratios and outage lengths as reading text.

The data comes from the views' context (dashboard/history.py); these only format it.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django import template

from dashboard import formatting

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """An uptime ratio as "99.95%" ("99,95 %" in French), or "no data"."""
    return formatting.format_uptime(value)


@register.filter
def hours_minutes(value: timedelta | None) -> str:
    return formatting.format_hours_minutes(value)


@register.filter
def urlencode_query(values: dict[str, str]) -> str:
    """A dict of filters as a query string (already escaped for a URL)."""
    return urlencode(values)
