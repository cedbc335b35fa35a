"""A model's record: down time weighted as uptime is, uptime only over watched time, MTTR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from probes.stack.model_history import ModelIncident, model_record, weighted_down

START = datetime(2025, 1, 1, tzinfo=UTC)
END = START + timedelta(days=10)
HOUR = timedelta(hours=1)


def test_overlapping_spans_count_once_at_the_heavier_weight():
    spans = [(START, START + 2 * HOUR, 1.0), (START + HOUR, START + 3 * HOUR, 0.3)]
    assert weighted_down(spans, start=START, end=END) == 2 * HOUR + 0.3 * HOUR


def test_spans_are_clipped_to_the_window():
    spans = [(START - HOUR, START + HOUR, 1.0), (END - HOUR, END + HOUR, 1.0)]
    assert weighted_down(spans, start=START, end=END) == 2 * HOUR


def test_a_model_counts_the_incidents_naming_it_or_naming_no_model():
    incidents = [
        ModelIncident(START, START + HOUR, "critical", frozenset({"sora-2"})),
        ModelIncident(START + 2 * HOUR, START + 4 * HOUR, "critical", frozenset()),
        ModelIncident(START + 5 * HOUR, START + 6 * HOUR, "critical", frozenset({"o3"})),
    ]
    count, down, uptime, mttr, since = model_record(
        "sora-2", incidents, start=START, end=END, watched_from=START - HOUR
    )
    assert (count, down, mttr, since) == (2, 3 * HOUR, 1.5 * HOUR, None)
    assert uptime == 1 - 3 / (10 * 24)
    count, down, *_ = model_record(
        "gpt-4o", incidents, start=START, end=END, watched_from=START - HOUR
    )
    assert (count, down) == (1, 2 * HOUR)


def test_time_before_we_watched_gives_no_uptime_but_the_incident_still_counts():
    incidents = [ModelIncident(START, START + HOUR, "critical", frozenset({"sora-2"}))]
    count, down, uptime, mttr, since = model_record(
        "sora-2", incidents, start=START, end=END, watched_from=None
    )
    assert (count, uptime, mttr, since) == (1, None, HOUR, None)
    # Watched from day 5: the earlier incident gives that time no down.
    watched = START + timedelta(days=5)
    count, down, uptime, mttr, since = model_record(
        "sora-2", incidents, start=START, end=END, watched_from=watched
    )
    assert (count, down, uptime, since) == (1, timedelta(0), 1.0, watched)


def test_minor_incidents_are_not_down_and_major_ones_are_30_percent():
    incidents = [
        ModelIncident(START, START + HOUR, "minor", frozenset()),
        ModelIncident(START + 2 * HOUR, START + 3 * HOUR, "major", frozenset()),
    ]
    _, down, *_ = model_record("x", incidents, start=START, end=END, watched_from=START)
    assert down == 0.3 * HOUR
