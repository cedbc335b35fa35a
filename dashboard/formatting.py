"""Plain-text formatting of times and durations for pages and the API. Pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from probes.history.reliability import duration_minutes


def iso_utc(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a `Z`, to the second; None stays None."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_duration(value: timedelta | None) -> str:
    """A short human duration: "45 s", "12 min", "3 h 5 min", "2 d 4 h". Empty for None."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    if seconds < 0:
        seconds = 0
    if seconds < 60:
        return f"{seconds} s"
    # The one rounding of durations (probes.history.reliability), as the CSV and API use it.
    minutes = duration_minutes(value)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_relative(value: datetime | None, now: datetime) -> str:
    """How long ago (or how far ahead) `value` is from `now`: "just now", "5 min ago", "in 2 h"."""
    if value is None:
        return "never"
    delta = now - value
    future = delta.total_seconds() < 0
    seconds = abs(int(delta.total_seconds()))
    if seconds < 45:
        return "just now"
    if seconds < 90:
        text = "1 min"
    elif seconds < 3600:
        text = f"{round(seconds / 60)} min"
    elif seconds < 86400:
        text = f"{seconds // 3600} h"
    elif seconds < 86400 * 60:
        days = seconds // 86400
        text = f"{days} day" if days == 1 else f"{days} days"
    else:
        months = seconds // (86400 * 30)
        text = f"{months} months" if months < 24 else f"{seconds // (86400 * 365)} years"
    return f"in {text}" if future else f"{text} ago"


def format_datetime(value: datetime) -> str:
    """ "26 Dec 2024 18:40" in the zone `value` carries (callers convert to the viewer's zone)."""
    return f"{value.day} {value:%b %Y %H:%M}"
