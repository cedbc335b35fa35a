"""The words of an alert about the team's features: which are hit, what to use, their plan B.

Pure: the event's payload in, Markdown lines out, in the active language (the channel's). Names
and plans are the team's own text, flattened and escaped like provider text all the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.playbooks import quote_for_message

STATE_WORDS = {
    "working": gettext_lazy("working"),
    "degraded": gettext_lazy("degraded"),
    "down": gettext_lazy("down"),
    "unknown": gettext_lazy("unknown"),
}


def state_word(value: object) -> str:
    return str(STATE_WORDS.get(str(value), value))


def feature_lines(payload: dict[str, Any], inline: Callable[[object], str]) -> list[str]:
    """Body paragraphs: each feature hit with its state and the fallback that is up, then each
    one's plan B. `inline` is the message's escaping of untrusted text. Empty: none hit."""
    features = payload.get("features") or []
    if not features:
        return []
    heading = _("Our features hit")
    lines = [f"**{heading}**"]
    for feature in features:
        words = {"name": inline(feature.get("name", "")), "state": state_word(feature["state"])}
        fallback = feature.get("fallback")
        if fallback:
            line = _("%(name)s: %(state)s; use %(fallback)s (%(fallback_state)s)") % {
                **words,
                "fallback": inline(fallback.get("label", "")),
                "fallback_state": state_word(fallback.get("state")),
            }
        elif feature.get("has_fallbacks"):
            line = _("%(name)s: %(state)s; no fallback is working either") % words
        else:
            line = _("%(name)s: %(state)s; it has no fallback") % words
        lines.append(f"- {line}")
    for feature in features:
        if feature.get("plan_b"):
            title = _("Plan B for %(name)s") % {"name": inline(feature.get("name", ""))}
            lines.append(f"**{title}**")
            lines.append(quote_for_message(feature["plan_b"]))
    return lines


def features_headline(payload: dict[str, Any], plain: Callable[[object], str]) -> str:
    """ "Hits: Support bot, Video ads" for the title's end; empty when none is hit."""
    names = [plain(feature.get("name", "")) for feature in payload.get("features") or []]
    return _("hits %(names)s") % {"names": ", ".join(names)} if names else ""
