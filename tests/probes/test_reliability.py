"""Reliability figures against hand-computed intervals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from probes.history.reliability import (
    Interval,
    by_month,
    compute_reliability,
    duration,
    duration_minutes,
    merge,
    month_starts,
)


def t(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


START, END = t(12, 1), datetime(2025, 1, 1, tzinfo=UTC)

INTERVALS = [
    Interval(t(12, 26, 18, 40), t(12, 27, 2, 20), "critical"),  # 7 h 40 min
    Interval(t(12, 26, 20), t(12, 26, 22), "major"),  # inside the first: no extra downtime
    Interval(t(12, 10, 9), t(12, 10, 10), "minor"),  # degraded: not downtime
    Interval(t(12, 5, 1), t(12, 5, 2), "none", is_maintenance=True),  # not an incident
]


def test_overlapping_outages_count_once_and_minor_ones_not_at_all():
    figures = compute_reliability(INTERVALS, start=START, end=END)
    assert figures.incidents == 3
    assert figures.outages == 1
    assert figures.total_downtime == timedelta(hours=7, minutes=40)
    assert figures.longest_outage == timedelta(hours=7, minutes=40)


def test_mttr_is_the_mean_incident_duration_and_one_outage_is_not_enough_for_mtbf():
    figures = compute_reliability(INTERVALS, start=START, end=END)
    assert (
        figures.mttr
        == (timedelta(hours=7, minutes=40) + timedelta(hours=2) + timedelta(hours=1)) / 3
    )
    # One outage in the month: no "time between failures" to speak of (it used to be 30 days).
    assert figures.outages == 1
    assert figures.mtbf is None


def test_mtbf_is_the_mean_up_time_between_consecutive_outages():
    intervals = [
        Interval(t(12, 2, 10), t(12, 2, 11), "major"),
        Interval(t(12, 4, 11), t(12, 4, 12), "critical"),
        Interval(t(12, 8, 12), t(12, 8, 13), "major"),
    ]
    figures = compute_reliability(intervals, start=START, end=END)
    # Gaps: 2 days exactly, then 4 days exactly.
    assert figures.mtbf == timedelta(days=3)


@pytest.mark.parametrize(
    ("lasted", "minutes"),
    [
        (timedelta(minutes=10, seconds=40), 10),
        (timedelta(minutes=10, seconds=59, microseconds=999), 10),
        (timedelta(hours=7, minutes=40), 460),
        (timedelta(seconds=-5), 0),
    ],
)
def test_a_duration_is_whole_minutes_rounded_down(lasted, minutes):
    assert duration_minutes(lasted) == minutes
    assert duration(t(12, 1), t(12, 1) + lasted) == lasted
    assert duration(t(12, 1), None) is None


def test_a_quiet_window_has_no_mttr_or_mtbf():
    figures = compute_reliability([], start=START, end=END)
    assert (figures.incidents, figures.total_downtime) == (0, timedelta())
    assert figures.mttr is None
    assert figures.mtbf is None
    assert figures.longest_outage is None


def test_an_open_outage_runs_to_the_end_of_the_window():
    figures = compute_reliability([Interval(t(12, 31, 22), None, "critical")], start=START, end=END)
    assert figures.total_downtime == timedelta(hours=2)
    assert figures.mttr is None


def test_by_month_splits_on_utc_months_and_clips_outages_across_the_boundary():
    intervals = [Interval(t(11, 30, 23), t(12, 1, 1), "critical")]
    months = by_month(intervals, start=t(11, 1), end=START + timedelta(days=31))
    assert [m.month for m in months] == [date(2024, 11, 1), date(2024, 12, 1)]
    assert months[0].figures.total_downtime == timedelta(hours=1)
    assert months[0].figures.incidents == 1
    assert months[1].figures.total_downtime == timedelta(hours=1)
    assert months[1].figures.incidents == 0


def test_merge_joins_touching_intervals():
    assert merge([(t(1, 1, 2), t(1, 1, 3)), (t(1, 1, 1), t(1, 1, 2))]) == [(t(1, 1, 1), t(1, 1, 3))]
    assert len(month_starts(t(12, 15), datetime(2025, 2, 2, tzinfo=UTC))) == 3
