"""Parsers for every source kind, by name.

`PARSERS` maps a wire format to a pure function `(content, filters) -> ParsedPage`.
`DETECTION_ORDER` is the order `auto` tries them in.
"""

from __future__ import annotations

from collections.abc import Callable

from . import (
    aws_health,
    betterstack,
    checkly,
    datadog,
    feeds,
    flashcat,
    google_cloud,
    incidentio,
    instatus,
    statuspage,
    statuspage_feeds,
)
from .types import Filters, ParsedPage, ParseError

Parser = Callable[[bytes, Filters], ParsedPage]

PARSERS: dict[str, Parser] = {
    "statuspage": statuspage.parse_statuspage,
    "incidentio": statuspage.parse_incidentio,
    "statuspage_feed": statuspage_feeds.parse_statuspage_feed,
    "incidentio_proxy": incidentio.parse_incidentio_proxy,
    "incidentio_feed": incidentio.parse_incidentio_feed,
    "instatus": instatus.parse_instatus,
    "betterstack": betterstack.parse_betterstack,
    "google_cloud": google_cloud.parse_google_cloud,
    "aws_health": aws_health.parse_aws_health,
    "aws_rss": aws_health.parse_aws_rss,
    "azure_status": feeds.parse_azure_status,
    "checkly": checkly.parse_checkly,
    "flashcat": flashcat.parse_flashcat,
    "datadog": datadog.parse_datadog,
    "feed": feeds.parse_feed,
}

# The order `auto` tries formats in: the stricter shapes first, so a looser parser never
# claims a payload that a stricter one recognises. The generic feed takes any RSS/Atom, so
# it comes last; Google's list refuses UTF-16 so that AWS's `[]` (UTF-16) is not taken for it.
DETECTION_ORDER: tuple[str, ...] = (
    "incidentio",
    "statuspage",
    "incidentio_proxy",
    "instatus",
    "betterstack",
    "datadog",
    "flashcat",
    "checkly",
    "google_cloud",
    "aws_health",
    "statuspage_feed",
    "incidentio_feed",
    "aws_rss",
    "azure_status",
    "feed",
)


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
