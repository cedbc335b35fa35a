"""Template filters and tags: thin wrappers over tested functions in dashboard/*.py.

They only format what the view put in the context; none of them reads the database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from aiwatch import safe_html
from dashboard import formatting, timezones
from probes.parsers.payload import safe_url
from probes.parsers.types import (
    IMPACT_LABELS,
    INCIDENT_STATUS_LABELS,
    Impact,
    IncidentStatus,
    Status,
)

register = template.Library()

# A short mark drawn next to every status word, so status never rests on colour alone.
STATUS_ICONS: dict[str, str] = {
    Status.OPERATIONAL: '<path d="M4 8.5l2.6 2.6L12 5.5" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>',
    Status.DEGRADED_PERFORMANCE: '<path d="M8 3.5v5.5" stroke="currentColor" stroke-width="2" '
    'stroke-linecap="round"/><circle cx="8" cy="12.3" r="1.2" fill="currentColor"/>',
    Status.PARTIAL_OUTAGE: '<circle cx="8" cy="8" r="5" fill="none" stroke="currentColor" '
    'stroke-width="1.8"/><path d="M8 3a5 5 0 0 1 0 10z" fill="currentColor"/>',
    Status.MAJOR_OUTAGE: '<path d="M4.5 4.5l7 7M11.5 4.5l-7 7" stroke="currentColor" '
    'stroke-width="2.2" stroke-linecap="round"/>',
    Status.UNDER_MAINTENANCE: '<path d="M10.8 2.2a3.3 3.3 0 0 0-3.4 4.3L2.6 11.3a1.1 1.1 0 0 0 0 '
    '1.6l.5.5a1.1 1.1 0 0 0 1.6 0l4.8-4.8a3.3 3.3 0 0 0 4.3-3.4l-1.9 1.9-1.9-.6-.6-1.9z" '
    'fill="currentColor"/>',
    Status.UNKNOWN: '<path d="M5.8 5.8a2.3 2.3 0 1 1 3.2 2.1c-.6.3-1 .8-1 1.4v.6" fill="none" '
    'stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>'
    '<circle cx="8" cy="12.6" r="1.1" fill="currentColor"/>',
}


def _status(value: Any) -> Status:
    try:
        return Status(str(value))
    except ValueError:
        return Status.UNKNOWN


@register.simple_tag
def status_icon(value: Any) -> SafeString:
    """An inline SVG mark for a status (decorative: the word beside it carries the meaning)."""
    status = _status(value)
    return mark_safe(
        '<svg class="status-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
        f'focusable="false">{STATUS_ICONS[status]}</svg>'
    )


@register.inclusion_tag("includes/status_badge.html")
def status_badge(value: Any, label: str = "") -> dict[str, Any]:
    """Word, icon and colour for a status: `{% status_badge provider.status %}`."""
    status = _status(value)
    return {"status": status.value, "label": label or status.label}


@register.filter
def status_label(value: Any) -> str:
    return _status(value).label


@register.filter
def impact_label(value: Any) -> str:
    """An incident impact ("critical") as the reader's word for it ("Critical", "Critique")."""
    try:
        return str(IMPACT_LABELS[Impact(str(value))])
    except ValueError:
        return str(value or "").capitalize()


@register.filter
def our_words(incident: Any, name: str) -> str:
    """An archived incident's summary field ("title", "root_cause", "notes"), in the reader's
    language when the archive gives it (our own words; a provider's text is never translated)."""
    details = getattr(incident, "details", None) or {}
    language = translation.get_language() or ""
    translated = (details.get("translations") or {}).get(language) or {}
    if translated.get(name):
        return str(translated[name])
    return str(getattr(incident, name, None) or details.get(name) or "")


@register.filter
def reason(value: str | None) -> str:
    """Why a source cannot be read, in the reader's language when it is one of our own fixed
    reasons ("not read yet"); an error from the wire ("HTTP 503 from ...") stays as recorded."""
    return translation.gettext(value) if value else ""


@register.filter
def web_url(value: str | None) -> str:
    """The link if it is plain http(s), else "": stored URLs end up in href attributes, and a
    `javascript:` one there would run on click whatever the CSP says about inline script."""
    return safe_url(value)


@register.filter
def render_provider_text(value: str | None) -> SafeString:
    """Provider-written Markdown/HTML, rendered and sanitised (see aiwatch.safe_html)."""
    return mark_safe(safe_html.render_provider_text(value or ""))


@register.filter
def duration(value: timedelta | None) -> str:
    return formatting.format_duration(value)


@register.filter
def as_percent(value: float | None, decimals: int = 1) -> str:
    """A number already in percent, for the language: "98.5%", "98,5 %"."""
    return formatting.format_percent(value, int(decimals))


@register.filter
def relative(value: datetime | None) -> str:
    return formatting.format_relative(value, timezone.now())


@register.filter
def iso_utc(value: datetime | None) -> str:
    return formatting.iso_utc(value) or ""


@register.filter
def when(value: datetime | None) -> SafeString | str:
    """A <time> element in the viewer's zone, with the exact UTC time as its tooltip."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        formatting.iso_utc(value),
        value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        formatting.format_datetime(local),
    )


@register.filter
def ago(value: datetime | None) -> SafeString | str:
    """ "5 min ago" as a <time> element, the exact local and UTC time as its tooltip."""
    if value is None:
        return _("never")
    local = timezone.localtime(value)
    title = f"{formatting.format_datetime(local)} {local:%Z}"
    if local.utcoffset() or timezone.get_current_timezone_name() != "UTC":
        title += f" ({value.astimezone(UTC):%H:%M} UTC)"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        formatting.iso_utc(value),
        title,
        formatting.format_relative(value, timezone.now()),
    )


@register.simple_tag
def timezone_choices() -> list[str]:
    return timezones.zone_choices(timezone.get_current_timezone_name())


@register.filter
def words(value: str | None) -> str:
    """A machine word as reading text: "in_progress" -> "In progress" (in the active language
    when it is one of the incident status words)."""
    try:
        return str(INCIDENT_STATUS_LABELS[IncidentStatus(str(value))])
    except ValueError:
        return str(value or "").replace("_", " ").capitalize()


@register.inclusion_tag("includes/chart.html")
def chart(
    figure: dict[str, Any], chart_id: str, label: str = "", fallback: str = ""
) -> dict[str, Any]:
    """A Plotly figure dict drawn by static/js/charts.js: `{% chart uptime_chart "uptime" "..." %}`.

    Pages using it load the scripts with `{% include "includes/chart_scripts.html" %}` in their
    `scripts` block, so plotly.js is only fetched where a chart is shown.
    """
    return {
        "figure": figure,
        "chart_id": chart_id,
        "data_id": f"{chart_id}-data",
        "label": label,
        "fallback": fallback,
    }


@register.filter
def elapsed(value: datetime | None) -> str:
    """How long ago `value` was, as a duration: "3 h 5 min" (for "down for ...")."""
    if value is None:
        return ""
    return formatting.format_duration(timezone.now() - value)


@register.filter
def abs_duration(value: timedelta | None) -> str:
    """A duration without its sign ("5 min"), for "5 min ahead" / "5 min behind"."""
    return formatting.format_duration(abs(value) if value is not None else None)
