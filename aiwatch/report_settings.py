"""Settings of team reports ("I'm affected") and of the alerts' "affected too?" links.

Kept apart from aiwatch/settings.py (which star-imports them) so neither module grows past the
layout limit; the readers are settings.py's own rules (an empty value is the default, anything
unreadable stops the start with the variable's name).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured


def _text(name: str) -> str | None:
    value = os.getenv(name)
    return None if value is None or value == "" else value


def envbool(name: str, default: bool) -> bool:
    value = _text(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")


def envnumber(name: str, default: float, kind: type = int) -> float:
    value = _text(name)
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


__all__ = [
    "AIWATCH_AFFECTED_LINK_HOURS",
    "AIWATCH_REPORT_ANONYMOUS",
    "AIWATCH_REPORT_ANONYMOUS_WEIGHT",
    "AIWATCH_REPORT_BURST_FACTOR",
    "AIWATCH_REPORT_BURST_MIN",
    "AIWATCH_REPORT_MAX_PER_NETWORK",
    "AIWATCH_REPORT_MAX_PER_PROVIDER",
    "AIWATCH_REPORT_WINDOW_MINUTES",
]

# Team reports: one per person per provider per window; at most this many per network (IP) and
# per provider in one window; a burst is this many times the usual level (and at least the minimum).
AIWATCH_REPORT_WINDOW_MINUTES = int(envnumber("AIWATCH_REPORT_WINDOW_MINUTES", 15))
AIWATCH_REPORT_MAX_PER_NETWORK = int(envnumber("AIWATCH_REPORT_MAX_PER_NETWORK", 20))
AIWATCH_REPORT_MAX_PER_PROVIDER = int(envnumber("AIWATCH_REPORT_MAX_PER_PROVIDER", 100))
AIWATCH_REPORT_BURST_FACTOR = float(envnumber("AIWATCH_REPORT_BURST_FACTOR", 3.0, float))
AIWATCH_REPORT_BURST_MIN = int(envnumber("AIWATCH_REPORT_BURST_MIN", 3))
# Reports from visitors who are not signed in: accepted at all? They count once per network
# (an office is one voice) and weigh this much in the burst rule (a teammate's report weighs 1).
AIWATCH_REPORT_ANONYMOUS = envbool("AIWATCH_REPORT_ANONYMOUS", True)
AIWATCH_REPORT_ANONYMOUS_WEIGHT = float(envnumber("AIWATCH_REPORT_ANONYMOUS_WEIGHT", 0.5, float))
# Alerts carry "affected too? yes / no" links, signed; they expire after this many hours.
AIWATCH_AFFECTED_LINK_HOURS = int(envnumber("AIWATCH_AFFECTED_LINK_HOURS", 24))
