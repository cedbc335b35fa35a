"""What a source's feed entries were read as at its last poll, kept in the shared cache.

A parser in `probes.parsers.REUSING_PARSERS` reads only the entries whose bytes it has not
read before (`probes.parsers.feed_entries`); this keeps, for each source, the map from entry
key to parsed incident that it hands back, until the next poll. The map is keyed by the
entries' own bytes, so a stale or missing one costs a whole parse and never a wrong result;
it holds only the entries of the last page read, so it never grows past one page.

It also tells the recording which incidents need no writing (`AlreadyRecorded`): those read
from entries of the last page kept, byte for byte. The map carries that page's body hash; when
the source's recorded body hash is the same (the recording of that page committed), every one
of its entries is stored as it reads, and upserting them again would write nothing.

The cache is the broker's Redis (Django's cache). When it cannot be reached the poll parses
the whole page, as it did before this existed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache

from aiwatch.code_version import code_version
from probes.models import Source
from probes.parsers import ReusingParser
from probes.parsers.payload import digest
from probes.parsers.types import Filters, ParsedIncident, ParsedPage
from probes.status.recording import AlreadyRecorded

logger = logging.getLogger(__name__)

# Kept well past the next poll (a source's interval is minutes), gone soon after it stops.
MINIMUM_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class KeptEntries:
    """A page's entries as read (entry key -> incident), and the body hash of that page."""

    body_hash: str
    entries: dict[str, ParsedIncident]


def parse_reusing(
    source: Source, parser: ReusingParser, content: bytes, filters: Filters, *, body_hash: str
) -> tuple[ParsedPage, AlreadyRecorded]:
    """Parse `content` (whose hash is `body_hash`) with what the source's last poll read of its
    entries; with the incidents the recording may leave alone if that page was recorded."""
    # The filters are part of what the entries were read as, and so is the parser: a release
    # that reads entries differently starts afresh.
    key = f"feed-entries:{source.pk}:{digest([code_version(), *sorted(filters.items())])}"
    kept = _read(key)
    known = kept.entries if kept is not None else {}
    page, entries = parser(content, filters, known)
    seconds = max(MINIMUM_SECONDS, 3 * source.interval_seconds)
    try:
        if kept is not None and kept.body_hash == body_hash and entries.keys() == known.keys():
            cache.touch(key, seconds)
        elif entries:
            cache.set(key, KeptEntries(body_hash, entries), seconds)
    except Exception as error:  # any cache failure: the next poll parses the whole page
        logger.warning("could not keep the feed entries of source %s: %s", source.pk, error)
    if kept is None:
        return page, AlreadyRecorded()
    reused = {incident.external_id for key, incident in entries.items() if key in known}
    # An incident also read from a new entry (two entries of one incident) is written.
    fresh = {incident.external_id for key, incident in entries.items() if key not in known}
    return page, AlreadyRecorded(kept.body_hash, frozenset(reused - fresh))


def _read(key: str) -> KeptEntries | None:
    try:
        kept = cache.get(key)
    except Exception as error:  # any cache failure: parse the whole page
        logger.warning("could not read the kept feed entries (%s): %s", key, error)
        return None
    return kept if isinstance(kept, KeptEntries) else None
