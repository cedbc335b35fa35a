"""Uptime rules against hand-computed fixtures (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from probes.history.uptime import (
    PARTIAL_OUTAGE_WEIGHT,
    ImpactSpan,
    compute_days,
    extend_days,
    summarize,
    uptime_ratio,
)
from probes.parsers.types import Status

OP = Status.OPERATIONAL
MAJOR = Status.MAJOR_OUTAGE
PARTIAL = Status.PARTIAL_OUTAGE


def t(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def one_day(changes, spans=(), *, before=None, day=10):
    [totals] = compute_days(changes, spans, before=before, start=t(day, 0), end=t(day + 1, 0))
    return totals


def test_it_counts_a_two_hour_major_outage_as_two_hours_down():
    totals = one_day([(t(10, 10), MAJOR), (t(10, 12), OP)], before=OP)
    assert totals.observed_seconds == 86400
    assert totals.down_seconds == 7200
    assert totals.uptime == pytest.approx(1 - 7200 / 86400)


def test_it_weights_a_partial_outage_at_thirty_percent():
    totals = one_day([(t(10, 10), PARTIAL), (t(10, 11), OP)], before=OP)
    assert PARTIAL_OUTAGE_WEIGHT == 0.3
    assert totals.down_seconds == pytest.approx(1080)
    assert totals.partial_seconds == 3600


def test_it_counts_degraded_performance_as_up():
    totals = one_day([(t(10, 10), Status.DEGRADED_PERFORMANCE), (t(10, 20), OP)], before=OP)
    assert totals.down_seconds == 0
    assert totals.degraded_seconds == 36000
    assert totals.uptime == 1.0


def test_it_leaves_maintenance_and_unknown_out_of_the_denominator():
    totals = one_day(
        [
            (t(10, 1), Status.UNDER_MAINTENANCE),
            (t(10, 3), OP),
            (t(10, 5), Status.UNKNOWN),
            (t(10, 6), MAJOR),
            (t(10, 7), OP),
        ],
        before=OP,
    )
    assert totals.maintenance_seconds == 7200
    assert totals.observed_seconds == 86400 - 7200 - 3600
    assert totals.uptime == pytest.approx(1 - 3600 / 75600)


def test_it_has_no_data_before_the_first_change():
    totals = one_day([(t(10, 12), OP)])
    assert totals.observed_seconds == 43200
    assert totals.uptime == 1.0


def test_a_day_without_any_data_is_not_a_hundred_percent():
    totals = one_day([])
    assert totals.observed_seconds == 0
    assert totals.uptime is None
    assert uptime_ratio(0, 0) is None


def test_overlapping_incidents_count_the_worse_impact_once():
    # Major 10:00-12:00 and partial 11:00-14:00 over an operational day:
    # 2 h major (7200 s) + 2 h partial at 0.3 (2160 s); the overlap hour counts once, as major.
    spans = [ImpactSpan(t(10, 10), t(10, 12), MAJOR), ImpactSpan(t(10, 11), t(10, 14), PARTIAL)]
    totals = one_day([], spans, before=OP)
    assert totals.major_seconds == 7200
    assert totals.partial_seconds == 7200
    assert totals.down_seconds == pytest.approx(7200 + 2160)


def test_an_incident_worse_than_the_recorded_status_wins_and_a_better_one_does_not():
    spans = [ImpactSpan(t(10, 10), t(10, 11), PARTIAL)]
    totals = one_day([(t(10, 10), MAJOR), (t(10, 12), OP)], spans, before=OP)
    assert totals.down_seconds == 7200


def test_an_incident_from_before_we_watched_gives_no_day_a_figure():
    # 18:40 → 02:20 next day, critical, with no recorded statuses at all: nobody watched, so
    # no day gets an uptime (it used to count the rest of each day as up).
    spans = [ImpactSpan(t(26, 18, 40), t(27, 2, 20), MAJOR)]
    days = compute_days([], spans, before=None, start=t(26, 0), end=t(29, 0))
    assert [(d.observed_seconds, d.down_seconds, d.uptime) for d in days] == [(0, 0.0, None)] * 3
    # Nothing recorded: nothing to hand on to the days after.
    assert days[0].tail_status is None


def test_a_provider_added_today_has_one_partial_day_and_says_since_when():
    # First read at 23:50 (operational); its feed brings an incident from 08:00-09:30 today.
    spans = [ImpactSpan(t(10, 8), t(10, 9, 30), MAJOR)]
    [today] = compute_days([(t(10, 23, 50), OP)], spans, before=None, start=t(10, 0), end=t(11, 0))
    assert (today.observed_seconds, today.down_seconds) == (600, 0.0)
    window = summarize([_day(today)], first_watched=t(10, 23, 50))
    assert window.watched == timedelta(minutes=10)
    assert window.watched_since == t(10, 23, 50)
    assert window.uptime == 1.0


def test_an_incident_still_worsens_time_we_watched():
    spans = [ImpactSpan(t(10, 8), t(10, 9), MAJOR)]
    [today] = compute_days([(t(10, 0), OP)], spans, before=None, start=t(10, 0), end=t(11, 0))
    assert (today.observed_seconds, today.down_seconds) == (86400, 3600)


def test_a_window_watched_from_before_its_start_states_no_since():
    days = extend_days([], [date(2024, 12, 10), date(2024, 12, 11)], now=t(12, 0))
    assert summarize(days, first_watched=t(1, 0)).watched_since is None
    assert summarize(days, first_watched=t(11, 6)).watched_since == t(11, 6)


def _day(totals):
    from probes.history.uptime import DayUptime

    return DayUptime(totals.day, totals.observed_seconds, totals.down_seconds)


def test_the_last_day_is_cut_at_the_end_of_the_computation():
    [today] = compute_days(
        [(t(10, 0), OP), (t(10, 11), MAJOR)], [], before=None, start=t(10, 0), end=t(10, 12)
    )
    assert today.observed_seconds == 12 * 3600
    assert today.down_seconds == 3600
    assert today.computed_until == t(10, 12)
    assert today.tail_status == MAJOR


def test_days_are_utc_days_even_when_the_viewer_zone_changes_its_clocks():
    # New York springs forward at 02:00 EST on 9 March 2025 (07:00 UTC). A change at 01:30 EST
    # and one at 03:30 EDT are one hour apart, not two; the UTC day still has 86,400 seconds.
    new_york = ZoneInfo("America/New_York")
    down = datetime(2025, 3, 9, 1, 30, tzinfo=new_york)
    up = datetime(2025, 3, 9, 3, 30, tzinfo=new_york)
    [day] = compute_days(
        [(down, MAJOR), (up, OP)],
        [],
        before=OP,
        start=datetime(2025, 3, 9, tzinfo=UTC),
        end=datetime(2025, 3, 10, tzinfo=UTC),
    )
    assert day.day == date(2025, 3, 9)
    assert day.observed_seconds == 86400
    assert day.down_seconds == 3600


def test_a_change_late_in_the_viewers_evening_lands_on_the_next_utc_day():
    # 22:00 EST on 1 Nov 2025 is 02:00 UTC on 2 Nov (the fall-back day in New York).
    new_york = ZoneInfo("America/New_York")
    down = datetime(2025, 11, 1, 22, 0, tzinfo=new_york)
    days = compute_days(
        [(down, MAJOR)],
        [],
        before=OP,
        start=datetime(2025, 11, 1, tzinfo=UTC),
        end=datetime(2025, 11, 3, tzinfo=UTC),
    )
    assert [d.day for d in days] == [date(2025, 11, 1), date(2025, 11, 2)]
    assert days[0].down_seconds == 0
    assert days[1].down_seconds == 22 * 3600


@dataclass
class Row:
    day: date
    observed_seconds: int
    down_seconds: float
    computed_until: datetime
    tail_status: str


def test_stored_rows_are_carried_on_to_now_with_the_status_they_hand_on():
    rows = [Row(date(2024, 12, 10), 43200, 0.0, t(10, 12), "major_outage")]
    days = [date(2024, 12, 9), date(2024, 12, 10), date(2024, 12, 11), date(2024, 12, 12)]
    result = extend_days(rows, days, now=t(11, 6))
    assert result[0].uptime is None  # before any row: no data
    assert result[1].observed_seconds == 86400
    assert result[1].down_seconds == 43200
    assert result[2].observed_seconds == 6 * 3600  # carried, up to now only
    assert result[2].minutes_down == 360.0
    assert result[3].uptime is None  # the future


def test_a_window_summary_ignores_days_without_data():
    rows = [Row(date(2024, 12, 10), 86400, 8640.0, t(11, 0), "")]
    days = [date(2024, 12, 9), date(2024, 12, 10), date(2024, 12, 11)]
    window = summarize(extend_days(rows, days, now=t(12, 0) + timedelta(days=1)))
    assert window.uptime == pytest.approx(0.9)
