"""Show times in the viewer's time zone, chosen by the `tz` cookie.

Everything is stored and computed in UTC. A small static script sets the cookie from the
browser's zone on the first visit; the header's picker changes it. Names that zoneinfo does not
know are ignored, so a forged cookie can only ever give UTC.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from functools import lru_cache

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

COOKIE_NAME = "tz"
COOKIE_MAX_AGE = 365 * 24 * 3600
# IANA names: letters, digits and a few separators, e.g. America/Argentina/Buenos_Aires, Etc/GMT+5.
ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$")

# Offered in the header picker; the viewer's own zone is always added when it is not listed.
COMMON_ZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Warsaw",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
    "Pacific/Auckland",
)


@lru_cache(maxsize=512)
def zone_from_name(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone called `name`, or None when it is not a valid IANA zone name."""
    if not name or not ZONE_NAME.match(name) or ".." in name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_choices(current: str) -> list[str]:
    """The zones the picker offers, with `current` included."""
    zones = list(COMMON_ZONES)
    if current and current not in zones and zone_from_name(current) is not None:
        zones.append(current)
        zones.sort(key=lambda name: (name != "UTC", name))
    return zones


def all_zones_by_region() -> list[tuple[str, list[str]]]:
    """Every IANA zone this system knows, grouped by region ("Europe", "America"...)."""
    regions: dict[str, list[str]] = {}
    for name in sorted(zoneinfo.available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        regions.setdefault(name.split("/", 1)[0], []).append(name)
    return [("", ["UTC"]), *sorted(regions.items())]


class TimezoneMiddleware:
    """Activate the zone named by the `tz` cookie for this request (UTC when absent or invalid)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = zone_from_name(request.COOKIES.get(COOKIE_NAME, ""))
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
