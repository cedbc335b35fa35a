"""What the exposure page, its CSV and the monthly report show, and the exposure chart.

The minutes are `probes.history.exposure`'s, read by `probes.stack.exposure`; here they become
rows with names, CSV lines and a Plotly figure dict (`build_exposure_chart`, pure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from dashboard.charts import BASE_LAYOUT
from dashboard.formatting import format_duration
from probes.history.exposure import WINDOWS_DAYS, FeatureExposure, Minutes
from probes.stack.exposure import FeatureWindows

AFFECTED_COLOUR = "#f79009"
DOWN_COLOUR = "#b42318"


@dataclass(frozen=True, slots=True)
class CauseRow:
    """One line of the breakdown: a provider the feature rides on, or a cloud under them."""

    kind: str  # "provider" or "upstream"
    slug: str
    name: str
    minutes: Minutes


@dataclass(frozen=True, slots=True)
class ExposureRow:
    name: str
    slug: str
    criticality: str
    criticality_label: str
    windows: list[tuple[int, FeatureExposure]]
    chosen: FeatureExposure
    causes: list[CauseRow]


def parse_window(value: str | None) -> int:
    """The window asked for in days (30, 90 or 365); anything else is 90."""
    try:
        days = int(value or "")
    except ValueError:
        return 90
    return days if days in WINDOWS_DAYS else 90


def cause_rows(exposure: FeatureExposure, names: Mapping[str, str]) -> list[CauseRow]:
    """Providers first, then clouds, each by minutes affected (most first)."""
    rows = []
    for kind, part in (("provider", exposure.by_provider), ("upstream", exposure.by_upstream)):
        ordered = sorted(part.items(), key=lambda item: (-item[1].affected, item[0]))
        rows += [CauseRow(kind, slug, names.get(slug, slug), minutes) for slug, minutes in ordered]
    return rows


def exposure_rows(
    features: Sequence[FeatureWindows], names: Mapping[str, str], *, days: int
) -> list[ExposureRow]:
    return [
        ExposureRow(
            name=item.feature.name,
            slug=item.feature.slug,
            criticality=item.feature.criticality,
            criticality_label=item.feature.get_criticality_display(),
            windows=sorted(item.windows.items()),
            chosen=item.windows[days],
            causes=cause_rows(item.windows[days], names),
        )
        for item in features
    ]


CSV_COLUMNS = [
    "feature",
    "feature_name",
    "window_days",
    "window_start",
    "window_end",
    "cause_kind",
    "cause",
    "cause_name",
    "affected_minutes",
    "down_minutes",
]


def csv_lines(features: Sequence[FeatureWindows], names: Mapping[str, str]) -> list[list[Any]]:
    """Every feature, window and cause: the feature's total ("all") first, then its causes."""
    lines: list[list[Any]] = []
    for item in features:
        for days, exposure in sorted(item.windows.items()):
            head = [
                item.feature.slug,
                item.feature.name,
                days,
                exposure.start.isoformat(),
                exposure.end.isoformat(),
            ]
            lines.append([*head, "all", "", "", *_numbers(exposure.total)])
            for cause in cause_rows(exposure, names):
                lines.append([*head, cause.kind, cause.slug, cause.name, *_numbers(cause.minutes)])
    return lines


def _numbers(minutes: Minutes) -> list[int]:
    return [minutes.affected_minutes, minutes.down_minutes]


def build_exposure_chart(rows: Sequence[ExposureRow], *, days: int) -> dict[str, Any]:
    """Minutes each feature was affected over the window, and the part of it that was down."""
    names = [row.name for row in rows]

    def trace(label: str, colour: str, values: list[int]) -> dict[str, Any]:
        return {
            "type": "bar",
            "orientation": "h",
            "name": label,
            "y": names,
            "x": values,
            "marker": {"color": colour},
            "text": [format_duration_minutes(value) for value in values],
            "hovertemplate": "%{y} · " + label + ": %{text}<extra></extra>",
        }

    return {
        "data": [
            trace(
                _("Affected"),
                AFFECTED_COLOUR,
                [row.chosen.total.affected_minutes for row in rows],
            ),
            trace(_("Down"), DOWN_COLOUR, [row.chosen.total.down_minutes for row in rows]),
        ],
        "layout": {
            **BASE_LAYOUT,
            "separators": formats.get_format("DECIMAL_SEPARATOR")
            + formats.get_format("THOUSAND_SEPARATOR"),
            "barmode": "group",
            "height": max(180, 60 * len(rows) + 90),
            "xaxis": {
                "title": {"text": _("Minutes, last %(days)d days") % {"days": days}},
                "rangemode": "tozero",
            },
            "yaxis": {"autorange": "reversed", "automargin": True},
            "legend": {"orientation": "h", "y": -0.25},
        },
    }


def format_duration_minutes(minutes: int) -> str:
    return format_duration(timedelta(minutes=minutes)) if minutes else _("none")
