"""The history page's own figures: plain dicts Plotly accepts, bounded by the screen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import plotly.graph_objects as go
from django.utils import translation

from dashboard.history_charts import (
    BucketCell,
    NotableOutage,
    ProviderComparison,
    build_bucket_timeline,
    build_notable_outages,
    build_provider_comparison,
)


def test_the_comparison_puts_uptime_and_incident_minutes_side_by_side():
    figure = build_provider_comparison(
        [
            ProviderComparison("OpenAI", 0.9912, 870),
            ProviderComparison("Anthropic", 0.9995, 30),
            ProviderComparison("Archive only", None, 440),
        ]
    )
    go.Figure(figure)
    uptime, minutes = figure["data"]
    assert uptime["y"] == minutes["y"] == ["OpenAI", "Anthropic", "Archive only"]
    assert (uptime["xaxis"], minutes["xaxis"]) == ("x", "x2")
    # Bars start at the axis floor, just under the lowest figure; no bar without data.
    floor = figure["layout"]["xaxis"]["range"][0]
    assert floor == 98.5
    assert [None if x is None else round(x + floor, 2) for x in uptime["x"]] == [
        99.12,
        99.95,
        None,
    ]
    assert uptime["text"] == ["99.12%", "99.95%", "no data"]
    assert minutes["x"] == [870, 30, 440]
    assert "Incident minutes" in minutes["hovertemplate"]


def test_the_comparison_speaks_french():
    with translation.override("fr"):
        figure = build_provider_comparison([ProviderComparison("OpenAI", 0.9912, 1870)])
    uptime, minutes = figure["data"]
    assert uptime["text"] == ["99,12\u202f%"]
    assert minutes["text"][0].replace("\u202f", " ").replace("\xa0", " ") == "1 870"
    assert "Disponibilité" in figure["layout"]["xaxis"]["title"]["text"]


def test_the_bucket_timeline_has_one_cell_per_busy_bucket_coloured_by_its_worst_impact():
    buckets = [date(2025, 1, 1) + timedelta(days=7 * n) for n in range(52)]
    cells = [
        BucketCell("OpenAI", buckets[0], 3, 200, "critical"),
        BucketCell("Azure", buckets[5], 1, 40, "minor"),
    ]
    figure = build_bucket_timeline(
        cells,
        providers=["Azure", "OpenAI"],
        buckets=buckets,
        step=timedelta(days=7),
        list_url="/incidents/",
        slugs={"Azure": "azure", "OpenAI": "openai", "Unused": "unused"},
    )
    go.Figure(figure)
    [heatmap] = figure["data"]
    assert heatmap["x"] == ["2025-01-01", "2025-02-05"]
    assert heatmap["z"] == [3, 1]
    assert heatmap["text"] == ["Critical", "Minor"]
    assert heatmap["customdata"][0] == [3, 200]
    # The list a click opens, said once for the trace (static/js/history.js builds each URL).
    assert heatmap["meta"]["incident_list"] == {
        "path": "/incidents/",
        "providers": {"Azure": "azure", "OpenAI": "openai"},
        "days": 7,
    }
    assert "Incidents: %{customdata[0]}" in heatmap["hovertemplate"]
    assert "7 day(s) from %{x}" in heatmap["hovertemplate"]
    assert figure["layout"]["yaxis"]["categoryarray"] == ["Azure", "OpenAI"]


def test_notable_outages_are_markers_that_link_to_their_incident():
    outages = [
        NotableOutage(
            "OpenAI",
            "ChatGPT down",
            "critical",
            datetime(2024, 12, 26, 18, 40, tzinfo=UTC),
            460,
            "/incidents/1/",
        ),
        NotableOutage(
            "OpenAI",
            "ChatGPT not showing responses",
            "major",
            datetime(2025, 9, 3, 7, tzinfo=UTC),
            203,
            "/incidents/2/",
        ),
    ]
    figure = build_notable_outages(outages)
    go.Figure(figure)
    critical, major = figure["data"]
    assert (critical["name"], major["name"]) == ("Critical", "Major")
    assert critical["mode"] == "markers"
    assert critical["customdata"] == [["/incidents/1/", "ChatGPT down"]]
    assert "Lasted 7 h 40 min" in critical["text"][0]
    assert major["marker"]["size"][0] < critical["marker"]["size"][0]
