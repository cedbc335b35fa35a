"""Atlassian Statuspage's incident history feeds, `/history.atom` and `/history.rss`.

One entry per incident; its HTML holds one paragraph per update, newest first (formats.md
§1.5-1.6):

    <p><small>Oct <var data-var='date'> 7</var>, <var data-var='time'>21:44</var> UTC</small>
    <br><strong>Monitoring</strong> - We've mitigated ...</p>

The paragraph dates carry no year: it comes from the entry's own date, stepping back a year
whenever a date would otherwise land after the newer one (an incident spanning New Year).
The incident's key is its API id from the `/incidents/<id>` link (not the Atom entry's
numeric id), so feed and JSON sources of one page merge into one incident. The feed has no
impact level and no component states, and keeps only recent history.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from .feed_entries import split_entries
from .feeds import (
    FeedDict,
    entries,
    entry_html,
    entry_link,
    entry_published,
    entry_time,
    entry_title,
    feed_kind,
    html_to_text,
    load_feed,
)
from .payload import check_count, digest
from .types import (
    Filters,
    Impact,
    IncidentStatus,
    ParsedIncident,
    ParsedPage,
    ParsedUpdate,
    ParseError,
)

LABELS: dict[str, IncidentStatus] = {
    "investigating": IncidentStatus.INVESTIGATING,
    "identified": IncidentStatus.IDENTIFIED,
    "monitoring": IncidentStatus.MONITORING,
    "update": IncidentStatus.UPDATE,
    "resolved": IncidentStatus.RESOLVED,
    "postmortem": IncidentStatus.POSTMORTEM,
    "scheduled": IncidentStatus.SCHEDULED,
    "in progress": IncidentStatus.IN_PROGRESS,
    "verifying": IncidentStatus.VERIFYING,
    "completed": IncidentStatus.COMPLETED,
}
MAINTENANCE_LABELS = {
    IncidentStatus.SCHEDULED,
    IncidentStatus.IN_PROGRESS,
    IncidentStatus.VERIFYING,
    IncidentStatus.COMPLETED,
}
# Zone abbreviations Statuspage prints after the time (the page's own zone). Fixed offsets:
# the abbreviation itself says whether daylight saving applies.
ZONES: dict[str, float] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "IST": 5.5,
    "CET": 1,
    "CEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "CST": -6,
    "CDT": -5,
    "EST": -5,
    "EDT": -4,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "JST": 9,
    "KST": 9,
    "SGT": 8,
    "HKT": 8,
    "AEST": 10,
    "AEDT": 11,
    "AWST": 8,
    "NZST": 12,
    "NZDT": 13,
}
MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        start=1,
    )
}

_PARAGRAPH = re.compile(r"(?is)<small>(.*?)</small>.*?<strong>(.*?)</strong>\s*-\s*(.*?)</p>")
_WHEN = re.compile(
    r"^\s*([A-Z][a-z]{2})\s+(\d{1,2})\s*,?\s*(?:(\d{4})\s*,?\s*)?(?:-\s*)?(\d{1,2}):(\d{2})"
    r"\s*([A-Za-z]{1,5})?\s*$"
)
_INCIDENT_LINK = re.compile(r"/incidents/([A-Za-z0-9]{6,40})/?$")
_HISTORY_ID = re.compile(r"^tag:[^,]+,\d{4}:/history$")


def parse_statuspage_feed(content: bytes, filters: Filters) -> ParsedPage:
    """Parse a Statuspage `/history.atom` or `/history.rss`. Raises ParseError otherwise."""
    parsed = load_feed(content)
    items = entries(parsed)
    if not items and not _is_history_feed(parsed):
        raise ParseError("an empty feed that does not name itself a Statuspage history feed")
    incidents = tuple(_parse_entry(entry) for entry in items)
    return ParsedPage(platform="statuspage_feed", incidents=incidents)


def parse_statuspage_feed_reusing(
    content: bytes, filters: Filters, known: Mapping[str, ParsedIncident]
) -> tuple[ParsedPage, dict[str, ParsedIncident]]:
    """`parse_statuspage_feed`, reading only the entries that `known` does not hold.

    `known` maps entry keys (`feed_entries.FeedEntries.key`) to what those entries were read
    as; the result is the page and the same map for all of its entries, to pass next time. The
    head and tail are read every time, with the new entries (or the first when none is new),
    so a broken or changed feed is refused exactly as a whole parse refuses it.
    """
    split = split_entries(content)
    if split is None:
        return parse_statuspage_feed(content, filters), {}
    check_count(list(split.entries), "feed entries")
    keys = [split.key(index) for index in range(len(split.entries))]
    wanted = [index for index, key in enumerate(keys) if key not in known] or [0]
    page = parse_statuspage_feed(split.document(wanted), filters)
    if len(page.incidents) != len(wanted):
        # Not one incident per entry cut out (feedparser saw the entries otherwise).
        return parse_statuspage_feed(content, filters), {}
    fresh = dict(zip((keys[index] for index in wanted), page.incidents, strict=True))
    incidents = tuple(fresh[key] if key in fresh else known[key] for key in keys)
    return replace(page, incidents=incidents), dict(zip(keys, incidents, strict=True))


def _is_history_feed(parsed: FeedDict) -> bool:
    feed = parsed.feed
    if _HISTORY_ID.match(str(feed.get("id", ""))):
        return True
    return str(feed.get("title", "")).endswith("- Incident History") and (
        feed_kind(parsed) == "atom" or str(feed.get("description", "")) == "Statuspage"
    )


def _parse_entry(entry: FeedDict) -> ParsedIncident:
    link = entry_link(entry)
    match = _INCIDENT_LINK.search(link.rstrip("/"))
    if not match:
        raise ParseError(f"entry link {link[:80]!r} is not a Statuspage incident link")
    external_id = match.group(1)
    if "//incidents/" in link:
        raise ParseError("entry link has incident.io's double slash")
    title = entry_title(entry)
    reference = entry_time(entry)
    paragraphs = _PARAGRAPH.findall(entry_html(entry))
    if not paragraphs:
        raise ParseError(f"entry {external_id}: no update paragraphs (<small>time</small> ...)")

    updates: list[ParsedUpdate] = []
    newer = reference
    for small, label, body_html in paragraphs:
        at = _update_time(html_to_text(small), newer, external_id)
        newer = at
        word = html_to_text(label).lower()
        status = LABELS.get(word)
        body = html_to_text(body_html)
        updates.append(
            ParsedUpdate(
                key=digest(external_id, at.isoformat(), word, body),
                status=status if status is not None else IncidentStatus.UPDATE,
                body=body,
                at=at,
            )
        )
    updates.sort(key=lambda update: (update.at, update.key))

    # The incident's state is its newest update that names one ("Update" keeps the last).
    status = next(
        (u.status for u in reversed(updates) if u.status != IncidentStatus.UPDATE),
        IncidentStatus.INVESTIGATING,
    )
    maintenance = any(update.status in MAINTENANCE_LABELS for update in updates)
    if status == IncidentStatus.POSTMORTEM:
        closing = [u.at for u in updates if u.status == IncidentStatus.RESOLVED]
        resolved_at: datetime | None = closing[-1] if closing else updates[-1].at
    elif status.is_closed:
        resolved_at = updates[-1].at
    else:
        resolved_at = None
    return ParsedIncident(
        external_id=external_id,
        title=title,
        impact=Impact.MAINTENANCE if maintenance else Impact.MINOR,
        status=status,
        started_at=min(updates[0].at, entry_published(entry) or updates[0].at),
        resolved_at=resolved_at,
        url=link,
        updates=tuple(updates),
        is_maintenance=maintenance,
        # No impact level in the feed: a JSON source of the same page knows better.
        partial=True,
    )


def _update_time(text: str, newer: datetime, incident_id: str) -> datetime:
    """A paragraph's "Oct  7, 21:44 UTC" as aware UTC, its year taken from the newer time."""
    match = _WHEN.match(text)
    if not match:
        raise ParseError(f"incident {incident_id}: unreadable update time {text[:40]!r}")
    month_name, day, year, hour, minute, zone_name = match.groups()
    month = MONTHS.get(month_name)
    offset = ZONES.get((zone_name or "UTC").upper())
    if month is None or offset is None:
        raise ParseError(f"incident {incident_id}: unreadable update time {text[:40]!r}")
    zone = timezone(timedelta(hours=offset))

    def build(candidate_year: int) -> datetime:
        try:
            local = datetime(candidate_year, month, int(day), int(hour), int(minute), tzinfo=zone)
        except ValueError:
            raise ParseError(f"incident {incident_id}: impossible date {text[:40]!r}") from None
        return local.astimezone(UTC)

    if year:
        return build(int(year))
    # Updates are newest first, so each is no later than the one after it; a date that
    # would land well after it belongs to the year before (a December update of an incident
    # last touched in January). A day of slack absorbs zone and clock differences.
    moment = build(newer.year)
    if moment > newer + timedelta(days=1):
        moment = build(newer.year - 1)
    return moment
