"""The history page's own figures, as plain dicts: data in, JSON-able dict out.

Sized to what a screen shows, not to how much history there is: a long range's timeline is
one cell per provider and day (or week, or month), never one bar per incident.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from dashboard.charts import IMPACT_COLOURS, IMPACT_LABELS, _layout
from dashboard.formatting import format_uptime

# Impacts in order of weight: a bucket takes the colour of its worst incident.
IMPACT_ORDER = ("none", "minor", "major", "critical")


@dataclass(frozen=True, slots=True)
class BucketCell:
    """The incidents of one provider that overlap one bucket of the range."""

    provider: str
    start: date
    incidents: int
    minutes: int
    worst: str  # an impact, IMPACT_ORDER


def build_bucket_timeline(
    cells: Sequence[BucketCell],
    *,
    providers: Sequence[str],
    buckets: Sequence[date],
    step: timedelta,
    list_url: str,
    slugs: Mapping[str, str],
) -> dict[str, Any]:
    """One row per provider, one cell per bucket with an incident, coloured by its worst impact.

    Empty buckets are left out (no cell is not a quiet cell drawn as one); the hover says how
    many incidents, how many minutes and the worst impact, in words. A click opens the
    incident list (`list_url`) filtered to the cell's provider (`slugs`: name to slug) and
    days: static/js/history.js builds that address from the trace's `meta`, so a year of cells
    does not carry a URL each (that was 200 KB of a 460 KB page).
    """
    levels = {impact: number for number, impact in enumerate(IMPACT_ORDER)}
    top = len(IMPACT_ORDER) - 1
    scale = [[number / top, IMPACT_COLOURS[impact]] for number, impact in enumerate(IMPACT_ORDER)]
    span = _("%(count)d day(s) from %(start)s") % {"count": step.days, "start": "%{x}"}
    incidents = _("Incidents: %(count)s") % {"count": "%{customdata[0]}"}
    minutes = _("Incident minutes: %(minutes)s") % {"minutes": "%{customdata[1]}"}
    worst = _("Worst impact: %(impact)s") % {"impact": "%{text}"}
    click = _("Click to list these incidents")
    return {
        "data": [
            {
                "type": "heatmap",
                "x": [cell.start.isoformat() for cell in cells],
                "y": [cell.provider for cell in cells],
                "z": [levels.get(cell.worst, 0) for cell in cells],
                "text": [str(IMPACT_LABELS.get(cell.worst, cell.worst)) for cell in cells],
                "customdata": [[cell.incidents, cell.minutes] for cell in cells],
                "meta": {
                    "incident_list": {
                        "path": list_url,
                        "providers": {name: slugs[name] for name in providers},
                        "days": step.days,
                    }
                },
                "hovertemplate": f"<b>%{{y}}</b><br>{span}<br>{incidents}<br>{minutes}<br>"
                f"{worst}<br>{click}<extra></extra>",
                "zmin": 0,
                "zmax": top,
                "colorscale": scale,
                "showscale": False,
                "xgap": 1,
                "ygap": 3,
            }
        ],
        "layout": _layout(
            height=max(160, 30 * len(providers) + 90),
            xaxis={
                "type": "date",
                "range": _bucket_range(buckets, step),
                "title": {"text": _("Time (UTC)")},
            },
            yaxis={
                "type": "category",
                "categoryorder": "array",
                "categoryarray": list(providers),
                "autorange": "reversed",
                "automargin": True,
                "fixedrange": True,
            },
        ),
    }


def _bucket_range(buckets: Sequence[date], step: timedelta) -> list[str]:
    if not buckets:
        return []
    half = step / 2
    return [
        (datetime.combine(buckets[0], datetime.min.time()) - half).isoformat(),
        (datetime.combine(buckets[-1], datetime.min.time()) + half).isoformat(),
    ]


@dataclass(frozen=True, slots=True)
class NotableOutage:
    """One outage of the shipped archive (probes/status/archive.py)."""

    provider: str
    title: str
    impact: str
    start: datetime
    minutes: int | None
    url: str


def build_notable_outages(outages: Sequence[NotableOutage]) -> dict[str, Any]:
    """The archive's outages on one time axis: a marker per outage, sized by its length.

    They are far apart (months) and short (hours), so markers, not bars: a bar of a few hours
    on a two-year axis would be invisible. Click opens the incident (customdata[0]).
    """
    providers = sorted({outage.provider for outage in outages}, key=str.lower)
    traces = []
    for impact in ("critical", "major", "minor", "none"):
        chosen = [outage for outage in outages if outage.impact == impact]
        if not chosen:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": str(IMPACT_LABELS[impact]),
                "x": [outage.start.isoformat() for outage in chosen],
                "y": [outage.provider for outage in chosen],
                "marker": {
                    "color": IMPACT_COLOURS[impact],
                    "size": [_marker_size(outage.minutes) for outage in chosen],
                    "line": {"width": 1, "color": "#ffffff"},
                },
                "customdata": [[outage.url, outage.title] for outage in chosen],
                "text": [_notable_hover(outage) for outage in chosen],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return {
        "data": traces,
        "layout": _layout(
            height=max(160, 36 * len(providers) + 90),
            showlegend=True,
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            xaxis={"type": "date", "title": {"text": _("Time (UTC)")}},
            yaxis={
                "type": "category",
                "categoryorder": "array",
                "categoryarray": providers,
                "autorange": "reversed",
                "automargin": True,
                "fixedrange": True,
            },
        ),
    }


def _marker_size(minutes: int | None) -> int:
    # 10 px for a short outage up to 26 px for a day or more: the length reads at a glance.
    hours = (minutes or 0) / 60
    return int(10 + min(hours, 24) / 24 * 16)


def _notable_hover(outage: NotableOutage) -> str:
    impact = _("Impact: %(impact)s") % {"impact": IMPACT_LABELS.get(outage.impact, outage.impact)}
    length = (
        _("Lasted %(hours)d h %(minutes)02d min")
        % {"hours": outage.minutes // 60, "minutes": outage.minutes % 60}
        if outage.minutes is not None
        else _("ongoing")
    )
    click = _("Click to open the incident")
    return (
        f"<b>{outage.provider}</b>: {outage.title}<br>{impact}<br>"
        f"{outage.start:%Y-%m-%d %H:%M} UTC · {length}<br>{click}"
    )


@dataclass(frozen=True, slots=True)
class ProviderComparison:
    """One provider over the chosen range: uptime from the daily rollups, incident minutes."""

    provider: str
    uptime: float | None  # 0..1; None: not watched in the range
    incident_minutes: int


def build_provider_comparison(rows: Sequence[ProviderComparison]) -> dict[str, Any]:
    """Uptime (left) and incident minutes (right) per provider, side by side on one figure.

    A provider we did not watch has no uptime bar and says "no data", never 100 %.
    """
    names = [row.provider for row in rows]
    uptimes = [None if row.uptime is None else round(row.uptime * 100, 3) for row in rows]
    known = [value for value in uptimes if value is not None]
    # Start the uptime axis just under the lowest figure, so 99.9 and 99.0 look different.
    floor = max(0.0, min([*known, 99.0]) - 0.5)
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": _("Uptime"),
                "y": names,
                # Bars start at the axis floor; their length is the figure above it.
                "x": [None if value is None else round(value - floor, 3) for value in uptimes],
                "base": [None if value is None else floor for value in uptimes],
                "marker": {"color": "#12b76a"},
                "text": [format_uptime(row.uptime) for row in rows],
                "textposition": "auto",
                "hovertemplate": "%{y}<br>"
                + _("Uptime: %(uptime)s") % {"uptime": "%{text}"}
                + "<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
            },
            {
                "type": "bar",
                "orientation": "h",
                "name": _("Incident minutes"),
                "y": names,
                "x": [row.incident_minutes for row in rows],
                "marker": {"color": "#e04f16"},
                "text": [
                    formats.number_format(row.incident_minutes, force_grouping=True) for row in rows
                ],
                "textposition": "auto",
                "hovertemplate": "%{y}<br>"
                + _("Incident minutes: %(minutes)s") % {"minutes": "%{text}"}
                + "<extra></extra>",
                "xaxis": "x2",
                "yaxis": "y",
            },
        ],
        "layout": _layout(
            height=max(180, 28 * len(rows) + 100),
            showlegend=False,
            xaxis={
                "domain": [0, 0.46],
                "range": [floor, 100],
                "title": {"text": _("Uptime (%)")},
                "fixedrange": True,
            },
            xaxis2={
                "domain": [0.54, 1],
                "rangemode": "tozero",
                "title": {"text": _("Incident minutes")},
                "fixedrange": True,
            },
            yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
        ),
    }
