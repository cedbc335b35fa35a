"""The words of a [DRILL] alert: which features the pretend outage hits, and their plan B."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, ngettext

from alerts.playbooks import quote_for_message

DRILL_MARK = "[DRILL]"


def drill_headline(payload: dict[str, Any]) -> str:
    drill = payload.get("drill") or {}
    hit = len(drill.get("affected", []))
    features = ngettext("%(count)d feature hit", "%(count)d features hit", hit) % {"count": hit}
    title = one_line(drill.get("title") or gettext("Plan-B drill"))
    return f"{DRILL_MARK} {title}: {features}"


def drill_lines(payload: dict[str, Any]) -> list[str]:
    """Body paragraphs: what this is, then each feature hit with its plan B."""
    drill = payload.get("drill") or {}
    # The mark stays "[DRILL]" in every language: people and filters look for it.
    lines = [
        DRILL_MARK
        + " "
        + gettext(
            "This is a drill, not a real outage: rehearse the plan B and acknowledge "
            "drill %(id)s with what you did."
        )
        % {"id": drill.get("id")}
    ]
    for feature in drill.get("affected", []):
        lines.append(f"- {one_line(feature.get('sentence', ''))}")
        if feature.get("plan_b"):
            name = one_line(feature.get("name", ""))
            lines.append("**" + gettext("Plan B for %(name)s") % {"name": name} + "**")
            lines.append(quote_for_message(feature["plan_b"]))
    if not drill.get("affected"):
        lines.append(gettext("No feature would be hit."))
    return lines


def one_line(value: object) -> str:
    return " ".join(str(value).split())
