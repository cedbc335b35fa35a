"""The words of a [DRILL] alert: which features the pretend outage hits, and their plan B."""

from __future__ import annotations

from typing import Any

from alerts.playbooks import quote_for_message

DRILL_MARK = "[DRILL]"


def drill_headline(payload: dict[str, Any]) -> str:
    drill = payload.get("drill") or {}
    hit = len(drill.get("affected", []))
    features = "1 feature hit" if hit == 1 else f"{hit} features hit"
    return f"{DRILL_MARK} {one_line(drill.get('title', 'Plan-B drill'))}: {features}"


def drill_lines(payload: dict[str, Any]) -> list[str]:
    """Body paragraphs: what this is, then each feature hit with its plan B."""
    drill = payload.get("drill") or {}
    lines = [
        f"{DRILL_MARK} This is a drill, not a real outage: rehearse the plan B and acknowledge "
        f"drill {drill.get('id')} with what you did."
    ]
    for feature in drill.get("affected", []):
        lines.append(f"- {one_line(feature.get('sentence', ''))}")
        if feature.get("plan_b"):
            lines.append(f"**Plan B for {one_line(feature.get('name', ''))}**")
            lines.append(quote_for_message(feature["plan_b"]))
    if not drill.get("affected"):
        lines.append("No feature would be hit.")
    return lines


def one_line(value: object) -> str:
    return " ".join(str(value).split())
