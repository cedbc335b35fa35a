"""Plain-text formatting of times, durations and numbers for pages and the API, in the active
language ("3 h 5 min", "il y a 5 min", "26 déc. 2024 18:40", "98,55 %"). Pure functions."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from probes.history.reliability import duration_minutes


def iso_utc(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a `Z`, to the second; None stays None (never translated)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _days(count: int) -> str:
    return pgettext("short duration", "%(count)d d") % {"count": count}


def _hours(count: int) -> str:
    return pgettext("short duration", "%(count)d h") % {"count": count}


def _minutes(count: int) -> str:
    return pgettext("short duration", "%(count)d min") % {"count": count}


def format_duration(value: timedelta | None) -> str:
    """A short human duration: "45 s", "12 min", "3 h 5 min", "2 d 4 h". Empty for None."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    if seconds < 0:
        seconds = 0
    if seconds < 60:
        return pgettext("short duration", "%(count)d s") % {"count": seconds}
    # The one rounding of durations (probes.history.reliability), as the CSV and API use it.
    minutes = duration_minutes(value)
    if minutes < 60:
        return _minutes(minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{_hours(hours)} {_minutes(minutes)}" if minutes else _hours(hours)
    days, hours = divmod(hours, 24)
    return f"{_days(days)} {_hours(hours)}" if hours else _days(days)


def format_hours_minutes(value: timedelta | None) -> str:
    """An outage length to the minute: "3 h 05 min", "45 min", "2 d 4 h"; "none" for None."""
    if value is None:
        return _("none")
    minutes = round(value.total_seconds() / 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{_days(days)} {_hours(hours)}"
    if hours:
        return pgettext("short duration", "%(hours)d h %(minutes)02d min") % {
            "hours": hours,
            "minutes": minutes,
        }
    return _minutes(minutes)


def format_relative(value: datetime | None, now: datetime) -> str:
    """How long ago (or how far ahead) `value` is from `now`: "just now", "5 min ago", "in 2 h"."""
    if value is None:
        return _("never")
    delta = now - value
    future = delta.total_seconds() < 0
    seconds = abs(int(delta.total_seconds()))
    if seconds < 45:
        return _("just now")
    if seconds < 90:
        text = _minutes(1)
    elif seconds < 3600:
        text = _minutes(round(seconds / 60))
    elif seconds < 86400:
        text = _hours(seconds // 3600)
    elif seconds < 86400 * 60:
        days = seconds // 86400
        text = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    else:
        months = seconds // (86400 * 30)
        if months < 24:
            text = ngettext("%(count)d month", "%(count)d months", months) % {"count": months}
        else:
            years = seconds // (86400 * 365)
            text = ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    if future:
        return _("in %(time)s") % {"time": text}
    return _("%(time)s ago") % {"time": text}


def format_datetime(value: datetime) -> str:
    """ "26 Dec 2024 18:40" ("26 déc. 2024 18:40" in French) in the zone `value` carries
    (callers convert to the viewer's zone)."""
    return formats.date_format(value, "SHORT_DATETIME_FORMAT")


def format_percent(value: float | None, decimals: int = 2) -> str:
    """A number already in percent as "98.55%" ("98,55 %" in French)."""
    if value is None:
        return _("no data")
    number = formats.number_format(value, decimals)
    return _("%(number)s%%") % {"number": number}


def format_uptime(value: float | None) -> str:
    """An uptime ratio as "99.95%", or "no data" (never 100 % by default)."""
    if value is None:
        return _("no data")
    # Rounded down, so a day with any downtime never reads 100.00%.
    return format_percent(math.floor(value * 10000) / 100, 2)
