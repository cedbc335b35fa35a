"""Times and durations as people read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from dashboard.formatting import format_datetime, format_duration, format_relative, iso_utc

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(seconds=0), "0 s"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=12, seconds=59), "12 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=3, minutes=5), "3 h 5 min"),
        (timedelta(days=2, hours=4, minutes=30), "2 d 4 h"),
        (timedelta(days=3), "3 d"),
        (timedelta(seconds=-5), "0 s"),
        (None, ""),
    ],
)
def test_durations_are_short_and_human(value, expected):
    assert format_duration(value) == expected


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(seconds=70), "1 min ago"),
        (timedelta(minutes=2), "2 min ago"),
        (timedelta(minutes=59), "59 min ago"),
        (timedelta(hours=5, minutes=50), "5 h ago"),
        (timedelta(days=1, hours=2), "1 day ago"),
        (timedelta(days=12), "12 days ago"),
        (timedelta(days=120), "4 months ago"),
        (timedelta(days=1000), "2 years ago"),
        (timedelta(hours=-2), "in 2 h"),
    ],
)
def test_relative_times_read_naturally(ago, expected):
    assert format_relative(NOW - ago, NOW) == expected


def test_never_read_is_never():
    assert format_relative(None, NOW) == "never"


def test_iso_utc_always_ends_in_z():
    local = datetime(2025, 1, 15, 13, 0, tzinfo=ZoneInfo("Europe/Paris"))

    assert iso_utc(local) == "2025-01-15T12:00:00Z"
    assert iso_utc(None) is None


def test_dates_have_no_leading_zero_on_the_day():
    assert format_datetime(datetime(2024, 12, 6, 8, 5, tzinfo=UTC)) == "6 Dec 2024 08:05"


def _render(source: str, **context) -> str:
    return Template("{% load dashboard_extras %}" + source).render(Context(context))


def test_when_shows_the_viewers_zone_with_utc_in_the_tooltip():
    at = datetime(2024, 12, 26, 17, 40, tzinfo=UTC)
    with timezone.override(ZoneInfo("Europe/Berlin")):
        html = _render("{{ at|when }}", at=at)

    assert html == (
        '<time datetime="2024-12-26T17:40:00Z" title="2024-12-26 17:40 UTC">'
        "26 Dec 2024 18:40</time>"
    )


def test_when_crosses_daylight_saving_correctly():
    summer = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    with timezone.override(ZoneInfo("America/New_York")):
        assert "1 Jul 2025 08:00" in _render("{{ at|when }}", at=summer)


def test_ago_is_relative_with_the_exact_time_in_the_tooltip():
    with time_machine.travel(NOW, tick=False), timezone.override(ZoneInfo("Asia/Tokyo")):
        html = _render("{{ at|ago }}", at=NOW - timedelta(minutes=2))

    assert ">2 min ago</time>" in html
    assert 'title="15 Jan 2025 20:58 JST (11:58 UTC)"' in html


def test_filters_accept_missing_values():
    assert _render("{{ at|when }}|{{ at|ago }}|{{ d|duration }}", at=None, d=None) == "|never|"


def test_words_turns_machine_words_into_reading_text():
    assert _render("{{ s|words }}", s="in_progress") == "In progress"


def test_status_badge_has_word_icon_and_colour_class():
    html = _render("{% status_badge 'partial_outage' %}")

    assert "status--partial_outage" in html
    assert "<svg" in html
    assert 'aria-hidden="true"' in html
    assert "Partial outage" in html


def test_an_unrecognised_status_is_shown_as_unknown():
    html = _render("{% status_badge 'on_fire' %}")

    assert "status--unknown" in html
    assert "Unknown" in html


def test_elapsed_is_the_time_since_as_a_duration():
    with time_machine.travel(NOW, tick=False):
        assert _render("{{ at|elapsed }}", at=NOW - timedelta(hours=2, minutes=5)) == "2 h 5 min"
        assert _render("{{ at|elapsed }}", at=None) == ""
