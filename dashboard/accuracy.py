"""The status-page accuracy scorecard as the history page shows it: each provider's figures
(probes/observe/accuracy.py) with its delays in words ("12 min after us")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext as _

from dashboard.formatting import format_duration
from probes.observe.accuracy import Scorecard


def first_post_words(value: timedelta | None) -> str:
    if value is None:
        return ""
    if value >= timedelta():
        return _("%(duration)s after us") % {"duration": format_duration(value)}
    return _("%(duration)s before us") % {"duration": format_duration(-value)}


def resolved_words(value: timedelta | None) -> str:
    if value is None:
        return ""
    if value >= timedelta():
        return _("%(duration)s after our recovery") % {"duration": format_duration(value)}
    return _("%(duration)s before our recovery") % {"duration": format_duration(-value)}


@dataclass(frozen=True, slots=True)
class ScorecardRow:
    card: Scorecard
    median_first_post: str
    p90_first_post: str
    median_resolved: str
    p90_resolved: str


def scorecard_rows(cards: Sequence[Scorecard]) -> list[ScorecardRow]:
    return [
        ScorecardRow(
            card=card,
            median_first_post=first_post_words(card.median_lateness),
            p90_first_post=first_post_words(card.p90_lateness),
            median_resolved=resolved_words(card.median_recovery_gap),
            p90_resolved=resolved_words(card.p90_recovery_gap),
        )
        for card in cards
    ]
