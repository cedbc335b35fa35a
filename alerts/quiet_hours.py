"""Quiet hours: a personal channel's messages wait until the person's night is over. Pure."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta


def quiet_end(
    at: datetime, *, quiet_from: time | None, quiet_until: time | None, zone: str
) -> datetime | None:
    """When the quiet hours that `at` falls in end (aware, UTC), or None when `at` is not in any.

    Hours are read in `zone` (UTC when empty or unknown) and may run past midnight (22:00 to
    07:00). Equal start and end mean no quiet hours. A wall-clock end that a daylight-saving
    change skips is taken as the first instant after it.
    """
    if quiet_from is None or quiet_until is None or quiet_from == quiet_until:
        return None
    try:
        tz = zoneinfo.ZoneInfo(zone) if zone else UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = UTC
    local = at.astimezone(tz)
    now = local.time().replace(tzinfo=None)
    if quiet_from < quiet_until:
        inside = quiet_from <= now < quiet_until
        end_day = local.date()
    else:  # past midnight
        inside = now >= quiet_from or now < quiet_until
        end_day = local.date() + timedelta(days=1) if now >= quiet_from else local.date()
    if not inside:
        return None
    end = datetime.combine(end_day, quiet_until, tzinfo=tz)
    return end.astimezone(UTC)
