"""What a source's feed entries were read as at its last poll, kept in the shared cache.

A parser in `probes.parsers.REUSING_PARSERS` reads only the entries whose bytes it has not
read before (`probes.parsers.feed_entries`); this keeps, for each source, the map from entry
key to parsed incident that it hands back, until the next poll. The map is keyed by the
entries' own bytes, so a stale or missing one costs a whole parse and never a wrong result;
it holds only the entries of the last page read, so it never grows past one page.

The cache is the broker's Redis (Django's cache). When it cannot be reached the poll parses
the whole page, as it did before this existed.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

from aiwatch.code_version import code_version
from probes.models import Source
from probes.parsers import ReusingParser
from probes.parsers.payload import digest
from probes.parsers.types import Filters, ParsedIncident, ParsedPage

logger = logging.getLogger(__name__)

# Kept well past the next poll (a source's interval is minutes), gone soon after it stops.
MINIMUM_SECONDS = 3600


def parse_reusing(
    source: Source, parser: ReusingParser, content: bytes, filters: Filters
) -> ParsedPage:
    """Parse `content` with what the source's last poll read of its entries."""
    # The filters are part of what the entries were read as, and so is the parser: a release
    # that reads entries differently starts afresh.
    key = f"feed-entries:{source.pk}:{digest([code_version(), *sorted(filters.items())])}"
    known = _read(key)
    page, entries = parser(content, filters, known)
    seconds = max(MINIMUM_SECONDS, 3 * source.interval_seconds)
    try:
        if entries.keys() == known.keys():
            cache.touch(key, seconds)
        elif entries:
            cache.set(key, entries, seconds)
    except Exception as error:  # any cache failure: the next poll parses the whole page
        logger.warning("could not keep the feed entries of source %s: %s", source.pk, error)
    return page


def _read(key: str) -> dict[str, ParsedIncident]:
    try:
        known = cache.get(key)
    except Exception as error:  # any cache failure: parse the whole page
        logger.warning("could not read the kept feed entries (%s): %s", key, error)
        return {}
    return known if isinstance(known, dict) else {}
