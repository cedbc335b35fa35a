"""Parsers for every source kind, by name.

`PARSERS` maps a wire format to a pure function `(content, filters) -> ParsedPage`.
`DETECTION_ORDER` is the order `auto` tries them in. `REUSING_PARSERS` are the formats whose
parser can take what it read of a previous version of the page, by entry
(`feed_entries`): `(content, filters, known) -> (ParsedPage, known for next time)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

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
from .types import Filters, ParsedIncident, ParsedPage, ParseError, TooManyItems

Parser = Callable[[bytes, Filters], ParsedPage]
KnownEntries = Mapping[str, ParsedIncident]
ReusingParser = Callable[
    [bytes, Filters, KnownEntries], tuple[ParsedPage, dict[str, ParsedIncident]]
]

PARSERS: dict[str, Parser] = {
    "statuspage": statuspage.parse_statuspage,
    "incidentio": statuspage.parse_incidentio,
    "statuspage_feed": statuspage_feeds.parse_statuspage_feed,
    "incidentio_proxy": incidentio.parse_incidentio_proxy,
    "incidentio_feed": incidentio.parse_incidentio_feed,
    "instatus": instatus.parse_instatus,
    "betterstack": betterstack.parse_betterstack,
    "google_cloud": google_cloud.parse_google_cloud,
    "google_cloud_feed": google_cloud.parse_google_cloud_feed,
    "aws_health": aws_health.parse_aws_health,
    "aws_rss": aws_health.parse_aws_rss,
    "azure_status": feeds.parse_azure_status,
    "checkly": checkly.parse_checkly,
    "flashcat": flashcat.parse_flashcat,
    "datadog": datadog.parse_datadog,
    "feed": feeds.parse_feed,
}

REUSING_PARSERS: dict[str, ReusingParser] = {
    "statuspage_feed": statuspage_feeds.parse_statuspage_feed_reusing,
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
    "google_cloud_feed",
    "statuspage_feed",
    "incidentio_feed",
    "aws_rss",
    "azure_status",
    "feed",
)


# The filter keys each format understands (formats.md; see each parser's docstring). `auto`
# takes the keys any format knows, since the format is not known until the first poll.
FILTER_KEYS: dict[str, frozenset[str]] = {
    "statuspage": frozenset({"components"}),
    "incidentio": frozenset({"components"}),
    "statuspage_feed": frozenset(),
    "incidentio_proxy": frozenset({"components"}),
    "incidentio_feed": frozenset(),
    "instatus": frozenset({"components"}),
    "betterstack": frozenset({"components"}),
    "google_cloud": frozenset({"products", "product_titles", "base_url"}),
    "google_cloud_feed": frozenset({"keywords"}),
    "aws_health": frozenset({"services", "regions"}),
    "aws_rss": frozenset(),
    "azure_status": frozenset({"keywords"}),
    "checkly": frozenset(),
    "flashcat": frozenset(),
    "datadog": frozenset({"components"}),
    "feed": frozenset({"keywords"}),
}
FILTER_KEYS["auto"] = frozenset().union(*FILTER_KEYS.values())


def filters_problem(kind: str, filters: object) -> str:
    """Why `filters` do not suit `kind` ("" when they do): a mapping of known names to lists
    of non-empty strings, e.g. {"services": ["bedrock"], "regions": ["us-east-1"]}."""
    if not isinstance(filters, dict):
        return 'filters must be an object such as {"components": ["k8w3r06qmzrp"]}'
    allowed = FILTER_KEYS.get(kind, frozenset())
    unknown = sorted(set(filters) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        return f"{kind} does not use filter {', '.join(unknown)} (it knows: {known})"
    for name, values in filters.items():
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(value, str) and value.strip() for value in values)
        ):
            return f"filter {name} must be a non-empty list of strings"
    return ""


EMPTY_ANSWER = "empty answer, format not detected yet"
# Reads any RSS/Atom feed, so it identifies nothing by itself.
GENERIC_FEED = "feed"


def detect_format(content: bytes, filters: Filters | None = None) -> tuple[str, ParsedPage]:
    """Try each known format in turn; return the first that parses, with its result.

    An empty document (`[]`, `{}`, `null`, a feed with no entries that only the generic feed
    parser reads) detects nothing: several formats accept it (AWS's and
    Google's lists are `[]` on a quiet day), so whichever came first would be fixed as the
    source's format and the real payload refused later as "format changed". It raises
    ParseError(EMPTY_ANSWER), the poll records that as the source's error, and detection runs
    again on the next answer.

    Raises ParseError naming what was tried when none matches.
    """
    if _carries_nothing(content):
        raise ParseError(EMPTY_ANSWER)
    reasons = []
    for kind in DETECTION_ORDER:
        try:
            page = PARSERS[kind](content, filters or {})
        except TooManyItems as error:
            # Unreadable in any format: asking the other parsers only costs time.
            raise ParseError(f"{kind}: {error}") from None
        except ParseError as error:
            reasons.append(f"{kind}: {error}")
            continue
        if kind == GENERIC_FEED and not (page.components or page.incidents):
            # A feed with no entries that no platform's parser recognised: the generic parser
            # reads any feed, and nothing in this one says what it will turn out to be.
            # (A platform's empty feed, such as Azure's on a quiet day, names its platform.)
            raise ParseError(EMPTY_ANSWER)
        return kind, page
    raise ParseError("no known status format matched (" + "; ".join(reasons) + ")")


def _carries_nothing(content: bytes) -> bool:
    """True for blank bytes and for the JSON documents `[]`, `{}`, `null` and `""`."""
    text = content.strip().lstrip(b"\xef\xbb\xbf").strip()
    if not text:
        return True
    # Short and bracketed or null: anything longer has content (or is for the parsers to
    # refuse). Whitespace inside is allowed: "[ ]", "{\n}".
    if len(text) > 64 or text[:1] not in (b"[", b"{", b"n", b'"'):
        return False
    try:
        document = json.loads(text)
    except ValueError:
        return False  # the parsers say what is wrong with it
    return document in (None, "", [], {})


__all__ = [
    "DETECTION_ORDER",
    "EMPTY_ANSWER",
    "FILTER_KEYS",
    "PARSERS",
    "REUSING_PARSERS",
    "KnownEntries",
    "ParseError",
    "Parser",
    "ReusingParser",
    "detect_format",
    "filters_problem",
]
