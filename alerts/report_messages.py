"""The words of the monthly exposure report as a channel receives it: each feature's minutes
affected, the incidents that hit it, the drills that rehearsed it, whether it has a plan B.

Feature names are the team's own text, escaped by the caller's `inline` like provider text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def month_words(payload: dict[str, Any]) -> str:
    report = payload.get("report") or {}
    try:
        month = date.fromisoformat(f"{report.get('month', '')}-01")
    except ValueError:
        return str(report.get("month", ""))
    return formats.date_format(month, "F Y")


def report_headline(payload: dict[str, Any]) -> str:
    features = (payload.get("report") or {}).get("features", [])
    hit = sum(1 for feature in features if feature.get("affected_minutes"))
    return ngettext(
        "AI Watch monthly report, %(month)s: %(count)d feature affected",
        "AI Watch monthly report, %(month)s: %(count)d features affected",
        hit,
    ) % {"month": month_words(payload), "count": hit}


def report_lines(
    payload: dict[str, Any],
    *,
    inline: Callable[[object], str],
    link: Callable[[str, object], str],
    page: str,
) -> list[str]:
    """Body paragraphs: one line per feature, then where the printable report is."""
    report = payload.get("report") or {}
    lines = []
    for feature in report.get("features", []):
        minutes = int(feature.get("affected_minutes", 0))
        down = int(feature.get("down_minutes", 0))
        if minutes:
            affected = ngettext(
                "%(count)d minute affected", "%(count)d minutes affected", minutes
            ) % {"count": minutes}
            if down:
                affected += " " + _("(%(count)d down)") % {"count": down}
        else:
            affected = _("not affected")
        parts = [
            affected,
            ngettext("%(count)d incident", "%(count)d incidents", feature.get("incidents", 0))
            % {"count": feature.get("incidents", 0)},
            ngettext("%(count)d drill", "%(count)d drills", feature.get("drills", 0))
            % {"count": feature.get("drills", 0)},
            _("plan B written") if feature.get("plan_b") else _("no plan B"),
        ]
        lines.append(f"- **{inline(feature.get('name', ''))}**: " + "; ".join(parts))
    if not report.get("features"):
        lines.append(_("No features are set up yet."))
    lines.append(link(_("The printable report"), page))
    return lines
