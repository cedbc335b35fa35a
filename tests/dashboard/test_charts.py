"""Chart figures are plain dicts that Plotly accepts and that say what they show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import plotly.graph_objects as go

from dashboard.charts import (
    TimelineBar,
    UptimeRow,
    build_incidents_per_month,
    build_mttr_chart,
    build_outage_timeline,
    build_uptime_bars,
)
from probes.history.uptime import DayUptime

DAYS = [date(2024, 12, 25), date(2024, 12, 26), date(2024, 12, 27)]


def _cell_hover(heatmap: dict, row: int, column: int) -> str:
    """The hover text a browser shows for one cell: the template with the cell's values."""
    return (
        heatmap["hovertemplate"]
        .replace("%{y}", heatmap["y"][row])
        .replace("%{x|%Y-%m-%d}", heatmap["x"][column])
        .replace("%{text}", heatmap["text"][row][column])
        .replace("%{customdata}", heatmap["customdata"][row][column])
        .removesuffix("<extra></extra>")
    )


def test_uptime_bars_have_a_cell_per_component_and_day_and_leave_no_data_empty():
    rows = [
        UptimeRow("API", [DayUptime(DAYS[1], 86400, 8640), DayUptime(DAYS[2], 86400, 0)]),
        UptimeRow("ChatGPT", []),
    ]
    figure = build_uptime_bars(rows, days=DAYS, incidents_by_day={DAYS[1]: ["Power failure"]})
    go.Figure(figure)  # Plotly accepts it
    [heatmap] = figure["data"]
    assert heatmap["x"] == ["2024-12-25", "2024-12-26", "2024-12-27"]
    assert heatmap["y"] == ["API", "ChatGPT"]
    assert heatmap["z"] == [[None, 90.0, 100.0], [None, None, None]]
    assert _cell_hover(heatmap, 0, 1) == (
        "API<br>2024-12-26 (UTC day)<br>Uptime: 90.00%<br>Down: 144 min<br>Incident: Power failure"
    )
    assert _cell_hover(heatmap, 1, 0) == "ChatGPT<br>2024-12-25 (UTC day)<br>Uptime: no data"
    # Only what differs from cell to cell is sent for each one.
    assert heatmap["text"][0] == ["no data", "90.00%", "100.00%"]
    assert heatmap["customdata"][0][2] == ""


def test_the_timeline_has_a_row_per_provider_bars_by_impact_and_incident_links():
    start = datetime(2024, 12, 1, tzinfo=UTC)
    end = datetime(2025, 1, 1, tzinfo=UTC)
    bars = [
        TimelineBar(
            "OpenAI",
            "ChatGPT down",
            "critical",
            datetime(2024, 12, 26, 18, 40, tzinfo=UTC),
            datetime(2024, 12, 27, 2, 20, tzinfo=UTC),
            "/incidents/1/",
        ),
        TimelineBar(
            "Microsoft Azure",
            "Power incident",
            "major",
            datetime(2024, 12, 26, 18, 44, tzinfo=UTC),
            datetime(2024, 12, 26, 22, 0, tzinfo=UTC),
            "/incidents/2/",
        ),
    ]
    figure = build_outage_timeline(
        bars, providers=["Microsoft Azure", "OpenAI"], start=start, end=end
    )
    go.Figure(figure)
    critical, major = figure["data"]
    assert critical["name"] == "Critical"
    assert critical["y"] == ["OpenAI"]
    assert critical["base"] == ["2024-12-26T18:40:00+00:00"]
    assert critical["x"] == [int(timedelta(hours=7, minutes=40).total_seconds() * 1000)]
    assert critical["customdata"] == [["/incidents/1/", "ChatGPT down"]]
    assert "2024-12-26 18:40 UTC" in critical["text"][0]
    assert major["marker"]["color"] != critical["marker"]["color"]
    layout = figure["layout"]
    assert layout["xaxis"]["range"] == [start.isoformat(), end.isoformat()]
    assert layout["yaxis"]["categoryarray"] == ["Microsoft Azure", "OpenAI"]
    assert layout["dragmode"] == "zoom"


def test_an_empty_timeline_is_still_a_figure():
    start = datetime(2024, 12, 1, tzinfo=UTC)
    figure = build_outage_timeline([], providers=[], start=start, end=start + timedelta(days=1))
    go.Figure(figure)
    assert figure["data"] == []


def test_incidents_per_month_stack_one_series_per_provider():
    months = [date(2024, 11, 1), date(2024, 12, 1)]
    figure = build_incidents_per_month(
        {"OpenAI": {date(2024, 12, 1): 3}, "Anthropic": {date(2024, 11, 1): 1}}, months=months
    )
    go.Figure(figure)
    assert [trace["name"] for trace in figure["data"]] == ["OpenAI", "Anthropic"]
    assert figure["data"][0]["x"] == ["2024-11", "2024-12"]
    assert figure["data"][0]["y"] == [0, 3]
    assert figure["layout"]["barmode"] == "stack"


def test_mttr_leaves_out_providers_without_resolved_incidents():
    figure = build_mttr_chart([("OpenAI", timedelta(hours=7, minutes=40)), ("Groq", None)])
    go.Figure(figure)
    [trace] = figure["data"]
    assert trace["y"] == ["OpenAI"]
    assert trace["x"] == [7.67]
    assert trace["text"] == ["7 h 40 min"]


def test_a_day_with_any_downtime_never_reads_one_hundred_percent():
    from dashboard.templatetags.history_extras import percent

    rows = [UptimeRow("API", [DayUptime(DAYS[0], 86400, 1)])]
    figure = build_uptime_bars(rows, days=DAYS[:1], incidents_by_day={})
    assert "Uptime: 99.99%" in _cell_hover(figure["data"][0], 0, 0)
    assert percent(1 - 1 / 86400) == "99.99%"
    assert percent(1.0) == "100.00%"
    assert percent(None) == "no data"
