"""Settings of team reports ("I'm affected") and of the alerts' "affected too?" links.

Kept apart from aiwatch/settings.py (which star-imports them) so neither module grows past the
layout limit; read with settings.py's own readers (aiwatch/environment.py: an empty value is the
default, anything unreadable stops the start with the variable's name).
"""

from __future__ import annotations

from aiwatch.environment import envbool, envfloat, envint

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
AIWATCH_REPORT_WINDOW_MINUTES = envint("AIWATCH_REPORT_WINDOW_MINUTES", 15)
AIWATCH_REPORT_MAX_PER_NETWORK = envint("AIWATCH_REPORT_MAX_PER_NETWORK", 20)
AIWATCH_REPORT_MAX_PER_PROVIDER = envint("AIWATCH_REPORT_MAX_PER_PROVIDER", 100)
AIWATCH_REPORT_BURST_FACTOR = envfloat("AIWATCH_REPORT_BURST_FACTOR", 3.0)
AIWATCH_REPORT_BURST_MIN = envint("AIWATCH_REPORT_BURST_MIN", 3)
# Reports from visitors who are not signed in: accepted at all? They count once per network
# (an office is one voice) and weigh this much in the burst rule (a teammate's report weighs 1).
AIWATCH_REPORT_ANONYMOUS = envbool("AIWATCH_REPORT_ANONYMOUS", True)
AIWATCH_REPORT_ANONYMOUS_WEIGHT = envfloat("AIWATCH_REPORT_ANONYMOUS_WEIGHT", 0.5)
# Alerts carry "affected too? yes / no" links, signed; they expire after this many hours.
AIWATCH_AFFECTED_LINK_HOURS = envint("AIWATCH_AFFECTED_LINK_HOURS", 24)
