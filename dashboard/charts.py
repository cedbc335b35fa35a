"""Plotly figures as plain dicts: data in, JSON-able dict out. No request, no ORM, no clock.

Pages hand these to the browser with `json_script`; static/js/charts.js draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Probe latency and team reports (probes.rollups, probes.reports).

PROBE_CHART_LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "hoverlabel": {"align": "left"},
    "legend": {"orientation": "h", "y": -0.2},
}


@dataclass(frozen=True, slots=True)
class LatencySeries:
    """One probe's latency buckets: (bucket start UTC, p50 ms, p95 ms), oldest first."""

    name: str
    points: Sequence[tuple[datetime, float | None, float | None]]


def build_latency_chart(series: Sequence[LatencySeries], *, title: str) -> dict[str, Any]:
    """p50 as a solid line and p95 as a dotted one per probe; gaps where nothing answered."""
    data: list[dict[str, Any]] = []
    for item in series:
        x = [start.isoformat() for start, _, _ in item.points]
        for label, index, dash in (("p50", 1, "solid"), ("p95", 2, "dot")):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": f"{item.name} {label}",
                    "x": x,
                    "y": [point[index] for point in item.points],
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
            "title": {"text": title, "font": {"size": 14}},
            "xaxis": {"type": "date", "title": {"text": "UTC"}},
            "yaxis": {"title": {"text": "ms"}, "rangemode": "tozero"},
        },
    }


def build_report_chart(counts: Sequence[tuple[datetime, int]], *, title: str) -> dict[str, Any]:
    """Team reports per time step, Downdetector-style bars."""
    return {
        "data": [
            {
                "type": "bar",
                "name": "Reports",
                "x": [start.isoformat() for start, _ in counts],
                "y": [count for _, count in counts],
                "marker": {"color": "#b54708"},
                "hovertemplate": "%{x|%Y-%m-%d %H:%M} UTC<br>%{y} report(s)<extra></extra>",
            }
        ],
        "layout": {
            **PROBE_CHART_LAYOUT,
            "title": {"text": title, "font": {"size": 14}},
            "xaxis": {"type": "date", "title": {"text": "UTC"}},
            "yaxis": {"title": {"text": "reports"}, "rangemode": "tozero", "dtick": 1},
            "bargap": 0.1,
        },
    }
