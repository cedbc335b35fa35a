"""Parsers for every source kind, by name.

`PARSERS` maps a wire format to a pure function `(content, filters) -> ParsedPage`.
"""

from __future__ import annotations

from collections.abc import Callable

from . import statuspage
from .types import Filters, ParsedPage, ParseError

Parser = Callable[[bytes, Filters], ParsedPage]

PARSERS: dict[str, Parser] = {
    "statuspage": statuspage.parse_statuspage,
    "incidentio": statuspage.parse_incidentio,
}

# The order `auto` tries formats in: the stricter shapes first, so a looser parser never
# claims a payload that a stricter one recognises.
DETECTION_ORDER: tuple[str, ...] = ("incidentio", "statuspage")


def detect_format(content: bytes, filters: Filters | None = None) -> tuple[str, ParsedPage]:
    """Try each known format in turn; return the first that parses, with its result.

    Raises ParseError naming what was tried when none matches.
    """
    reasons = []
    for kind in DETECTION_ORDER:
        try:
            return kind, PARSERS[kind](content, filters or {})
        except ParseError as error:
            reasons.append(f"{kind}: {error}")
    raise ParseError("no known status format matched (" + "; ".join(reasons) + ")")


__all__ = ["DETECTION_ORDER", "PARSERS", "ParseError", "Parser", "detect_format"]
