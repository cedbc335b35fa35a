"""Plotly figures as plain dicts: data in, JSON-able dict out. No request, no ORM, no clock.

Pages hand these to the browser with `json_script`; static/js/charts.js draws them. Every
figure says what it shows in its hover text (words, not only colour) and names UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from dashboard.formatting import format_uptime
from probes.history.reliability import duration_minutes
from probes.history.uptime import DayUptime

IMPACT_COLOURS = {
    "critical": "#b42318",
    "major": "#e04f16",
    "minor": "#ca8504",
    "none": "#667085",
    "maintenance": "#1570ef",
}
IMPACT_LABELS = {
    "critical": gettext_lazy("Critical"),
    "major": gettext_lazy("Major"),
    "minor": gettext_lazy("Minor"),
    "none": gettext_lazy("No impact"),
    "maintenance": gettext_lazy("Maintenance"),
}
# Uptime colour scale: red below 95 %, amber to 99.5 %, green above; hover text gives the number.
UPTIME_COLOURSCALE = [[0.0, "#b42318"], [0.95, "#f79009"], [0.995, "#ca8504"], [1.0, "#12b76a"]]

BASE_LAYOUT: dict[str, Any] = {
    "margin": {"l": 10, "r": 10, "t": 30, "b": 30},
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "hoverlabel": {"align": "left"},
}


@dataclass(frozen=True, slots=True)
class UptimeRow:
    """One row of the uptime bars: a component (or the provider) and its days."""

    name: str
    days: Sequence[DayUptime]


@dataclass(frozen=True, slots=True)
class TimelineBar:
    """One incident on the cross-provider timeline."""

    provider: str
    title: str
    impact: str
    start: datetime
    end: datetime
    url: str
    ongoing: bool = False


def _separators() -> str:
    """Plotly's decimal and thousands marks for the active language (".," or ", ")."""
    return f"{formats.get_format('DECIMAL_SEPARATOR')}{formats.get_format('THOUSAND_SEPARATOR')}"


def _layout(**extra: Any) -> dict[str, Any]:
    layout = {**BASE_LAYOUT, "separators": _separators()}
    layout.update(extra)
    return layout


def _pct(value: float | None) -> str:
    return format_uptime(value)


def build_uptime_bars(
    rows: Sequence[UptimeRow],
    *,
    days: Sequence[date],
    incidents_by_day: Mapping[date, Sequence[str]],
) -> dict[str, Any]:
    """90-day uptime bars, one row per component: a heatmap with one cell per UTC day.

    Days with no data are left empty (null), never drawn as 100 %.
    """
    x = [day.isoformat() for day in days]
    z: list[list[float | None]] = []
    # Per cell only what differs from cell to cell: the uptime, and the lines that follow it on
    # days with downtime or incidents. The row, the day and the words are in the template once
    # (a year of a 30-component provider is 11,000 cells).
    text: list[list[str]] = []
    extra: list[list[str]] = []
    down_line = _("Down: %(minutes)s min")
    incident_line = _("Incident: %(title)s")
    decimal = str(formats.get_format("DECIMAL_SEPARATOR"))
    for row in rows:
        by_day = {d.day: d for d in row.days}
        z_row: list[float | None] = []
        text_row: list[str] = []
        extra_row: list[str] = []
        for day in days:
            value = by_day.get(day)
            uptime = value.uptime if value else None
            z_row.append(None if uptime is None else round(uptime * 100, 3))
            text_row.append(_pct(uptime))
            lines = []
            if value is not None and value.down_seconds:
                down = f"{value.minutes_down:g}".replace(".", decimal)
                lines.append(down_line % {"minutes": down})
            titles = incidents_by_day.get(day, ())
            lines += [incident_line % {"title": title} for title in titles[:5]]
            if len(titles) > 5:
                lines.append(_("and %(count)d more") % {"count": len(titles) - 5})
            extra_row.append("".join(f"<br>{line}" for line in lines))
        z.append(z_row)
        text.append(text_row)
        extra.append(extra_row)
    hover = "<br>".join(
        [
            "%{y}",
            _("%(day)s (UTC day)") % {"day": "%{x|%Y-%m-%d}"},
            _("Uptime: %(uptime)s") % {"uptime": "%{text}"},
        ]
    )
    return {
        "data": [
            {
                "type": "heatmap",
                "x": x,
                "y": [row.name for row in rows],
                "z": z,
                "text": text,
                "customdata": extra,
                "hovertemplate": hover + "%{customdata}<extra></extra>",
                "zmin": 0,
                "zmax": 100,
                "colorscale": [[stop, colour] for stop, colour in UPTIME_COLOURSCALE],
                "showscale": False,
                "xgap": 2,
                "ygap": 4,
            }
        ],
        "layout": _layout(
            height=max(120, 34 * len(rows) + 60),
            xaxis={
                "type": "date",
                "fixedrange": True,
                # Explicit, so a window with empty days still spans exactly those days.
                "range": _day_range(days),
            },
            yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
        ),
    }


def _day_range(days: Sequence[date]) -> list[str]:
    # Half a day either side, so the first and last cells are drawn whole.
    if not days:
        return []
    return [f"{days[0] - timedelta(days=1)} 12:00", f"{days[-1]} 12:00"]


def build_outage_timeline(
    bars: Sequence[TimelineBar], *, providers: Sequence[str], start: datetime, end: datetime
) -> dict[str, Any]:
    """Cross-provider timeline: one row per provider, one bar per incident coloured by impact.

    Each bar carries its incident's URL in customdata; static/js/history.js opens it on click.
    Zoom by dragging; the range starts at [start, end].
    """
    traces = []
    for impact in ("critical", "major", "minor", "none", "maintenance"):
        chosen = [bar for bar in bars if bar.impact == impact]
        if not chosen:
            continue
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": str(IMPACT_LABELS[impact]),
                "y": [bar.provider for bar in chosen],
                "base": [bar.start.isoformat() for bar in chosen],
                # Horizontal bars on a date axis take their length in milliseconds.
                "x": [_milliseconds(bar.end - bar.start) for bar in chosen],
                "marker": {"color": IMPACT_COLOURS[impact]},
                "customdata": [[bar.url, bar.title] for bar in chosen],
                "text": [_bar_hover(bar) for bar in chosen],
                "hovertemplate": "%{text}<extra></extra>",
                "textposition": "none",
            }
        )
    return {
        "data": traces,
        "layout": _layout(
            barmode="overlay",
            height=max(160, 44 * len(providers) + 90),
            dragmode="zoom",
            showlegend=True,
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            xaxis={
                "type": "date",
                "range": [start.isoformat(), end.isoformat()],
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


def _milliseconds(delta: timedelta) -> int:
    # A zero-length incident still gets a visible sliver (one minute).
    return max(int(delta.total_seconds() * 1000), 60_000)


def _bar_hover(bar: TimelineBar) -> str:
    until = _("ongoing") if bar.ongoing else f"{bar.end:%Y-%m-%d %H:%M} UTC"
    impact = _("Impact: %(impact)s") % {"impact": IMPACT_LABELS.get(bar.impact, bar.impact)}
    return (
        f"<b>{bar.provider}</b>: {bar.title}<br>{impact}"
        f"<br>{bar.start:%Y-%m-%d %H:%M} UTC → {until}<br>{_('Click to open the incident')}"
    )


def _nice_step(counts: Mapping[str, Mapping[date, int]]) -> int:
    """A whole tick step giving at most about six ticks for the tallest stacked bar."""
    totals: dict[date, int] = {}
    for by_month in counts.values():
        for month, count in by_month.items():
            totals[month] = totals.get(month, 0) + count
    tallest = max(totals.values(), default=0)
    return max(1, -(-tallest // 6))


def build_incidents_per_month(
    counts: Mapping[str, Mapping[date, int]], *, months: Sequence[date]
) -> dict[str, Any]:
    """Incidents per UTC month, one bar series per provider, stacked."""
    x = [month.strftime("%Y-%m") for month in months]
    return {
        "data": [
            {
                "type": "bar",
                "name": provider,
                "x": x,
                "y": [by_month.get(month, 0) for month in months],
                "hovertemplate": f"{provider}<br>%{{x}}: "
                + _("%{y} incidents")
                + "<extra></extra>",
            }
            for provider, by_month in counts.items()
        ],
        "layout": _layout(
            barmode="stack",
            height=320,
            xaxis={"type": "category", "title": {"text": _("Month (UTC)")}},
            yaxis={
                "title": {"text": _("Incidents")},
                "rangemode": "tozero",
                # Counts are whole: ticks at least one apart, so "1, 1, 2, 2" never appears.
                "tickformat": "d",
                "tick0": 0,
                "dtick": max(1, _nice_step(counts)),
                "automargin": True,
            },
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        ),
    }


def build_mttr_chart(mttr: Sequence[tuple[str, timedelta | None]]) -> dict[str, Any]:
    """Mean time to recovery per provider, in hours; providers without resolved incidents
    are left out (no bar is not zero)."""
    known = [(name, value) for name, value in mttr if value is not None]
    hours = [round(value.total_seconds() / 3600, 2) for _, value in known]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [name for name, _ in known],
                "x": hours,
                "marker": {"color": "#475467"},
                "text": [_hours_text(value) for _, value in known],
                "textposition": "auto",
                "hovertemplate": _("%{y}: MTTR %{text}") + "<extra></extra>",
            }
        ],
        "layout": _layout(
            height=max(160, 34 * len(known) + 80),
            xaxis={"title": {"text": _("Mean time to recovery (hours)")}, "rangemode": "tozero"},
            yaxis={"autorange": "reversed", "automargin": True},
        ),
    }


def _hours_text(value: timedelta) -> str:
    minutes = duration_minutes(value)
    return pgettext("short duration", "%(hours)d h %(minutes)02d min") % {
        "hours": minutes // 60,
        "minutes": minutes % 60,
    }


# Probe latency and team reports (probes.history.rollups, probes.observe.reports).

PROBE_CHART_LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "hoverlabel": {"align": "left"},
    # Below the plot, placed after the x axis's ticks and title (the container's bottom, the
    # margin grown to fit): at a fixed height under the plot it overlapped the "UTC" title once
    # the ticks took two lines, as on a phone.
    "legend": {"orientation": "h", "x": 0, "y": 0, "yref": "container", "yanchor": "bottom"},
}


@dataclass(frozen=True, slots=True)
class LatencySeries:
    """One probe's latency buckets: (bucket start UTC, p50 ms, p95 ms), oldest first."""

    name: str
    points: Sequence[tuple[datetime, float | None, float | None]]


def build_latency_chart(series: Sequence[LatencySeries]) -> dict[str, Any]:
    """p50 as a solid line and p95 as a dotted one per probe; gaps where nothing answered.

    Untitled: the page's caption under it names the window (a title drawn in the figure does
    not wrap, and a long one was cut on a phone)."""
    data: list[dict[str, Any]] = []
    for item in series:
        x = [start.isoformat() for start, _, _ in item.points]
        p50 = [_tenth(value) for _, value, _ in item.points]
        p95 = [_tenth(value) for _, _, value in item.points]
        for label, values, dash in (("p50", p50, "solid"), ("p95", p95, "dot")):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": f"{item.name} {label}",
                    "x": x,
                    "y": values,
                    "line": {"dash": dash, "width": 2},
                    "marker": {"size": 4},
                    "connectgaps": False,
                    "hovertemplate": f"{item.name}<br>%{{x|%Y-%m-%d %H:%M}} UTC<br>"
                    f"{label} %{{y:.0f}} ms<extra></extra>",
                }
            )
    return {
        "data": data,
        "layout": {
            **PROBE_CHART_LAYOUT,
            "separators": _separators(),
            "margin": {**PROBE_CHART_LAYOUT["margin"], "t": 10},
            "xaxis": {"type": "date", "title": {"text": "UTC"}, "automargin": True},
            "yaxis": {"title": {"text": "ms"}, "rangemode": "tozero"},
            # Room for a legend of one line per trace, as on a phone, below a plot that keeps
            # its height (the legend's rows are taken from the figure's height).
            "height": 240 + 20 * len(data),
        },
    }


def _tenth(milliseconds: float | None) -> float | None:
    """A tenth of a millisecond is enough for a chart of whole ones; the rollups' percentiles
    come with sixteen digits, which were most of a provider page's chart data."""
    return None if milliseconds is None else round(milliseconds, 1)


def build_report_chart(counts: Sequence[tuple[datetime, int]], *, title: str) -> dict[str, Any]:
    """Team reports per time step, Downdetector-style bars."""
    return {
        "data": [
            {
                "type": "bar",
                "name": _("Reports"),
                "x": [start.isoformat() for start, _ in counts],
                "y": [count for _, count in counts],
                "marker": {"color": "#b54708"},
                "hovertemplate": "%{x|%Y-%m-%d %H:%M} UTC<br>"
                + _("%{y} report(s)")
                + "<extra></extra>",
            }
        ],
        "layout": {
            **PROBE_CHART_LAYOUT,
            "separators": _separators(),
            "title": {"text": title, "font": {"size": 14}},
            "xaxis": {"type": "date", "title": {"text": "UTC"}, "automargin": True},
            "yaxis": {"title": {"text": _("reports")}, "rangemode": "tozero", "dtick": 1},
            "bargap": 0.1,
        },
    }
