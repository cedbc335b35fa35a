"""RSS and Atom feeds through feedparser: the shared loading rules, a generic feed, Azure's.

Every feed parser in the package loads documents with `load_feed`, which refuses HTML pages,
bot challenges and XML with DOCTYPE/ENTITY declarations (feedparser's parsers themselves refuse
DTDs, see `xmlreader`), and documents feedparser cannot name as RSS or Atom.

The generic `feed` kind reads any RSS/Atom incident feed (custom pages such as xAI's
`feed.xml`, Better Stack's and Instatus' feeds): one incident per entry, its state and
severity from `<category>` words, a `[Resolved]`-style title prefix or a `Status: X` line.
A feed keeps history and carries no component states, so it never claims to list every open
incident.

The `azure_status` kind reads Azure's status RSS, which holds only the incidents that are
active now (no items when healthy) and carries no severity (formats.md §3.2).
"""

from __future__ import annotations

import calendar
import email.utils
import html
import re
from datetime import UTC, datetime
from typing import Any

import feedparser

from .payload import (
    MAX_ITEMS,
    check_year,
    clean_text,
    digest,
    refuse_html,
    refuse_xml_declarations,
    safe_url,
)
from .types import (
    Filters,
    Impact,
    IncidentStatus,
    ParsedIncident,
    ParsedPage,
    ParsedUpdate,
    ParseError,
)
from .xmlreader import REFUSALS as DTD_REFUSALS
from .xmlreader import install as install_xml_reader

FeedDict = Any  # feedparser.FeedParserDict: a dict subclass with attribute access

# feedparser's XML parsers refuse DTDs themselves (probes.parsers.xmlreader).
install_xml_reader()


def load_feed(content: bytes) -> FeedDict:
    """Parse an RSS or Atom document safely. Raises ParseError for anything else."""
    if not content.strip():
        raise ParseError("empty body")
    refuse_html(content)
    refuse_xml_declarations(content)
    head = content[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        raise ParseError("got JSON, not a feed")
    # Relative-URI resolution and sanitising are off: we strip markup to text ourselves and
    # never render feed HTML, and bytes (not a str) stop feedparser from fetching anything.
    try:
        parsed = feedparser.parse(content, resolve_relative_uris=False, sanitize_html=False)
    except DTD_REFUSALS as error:
        raise ParseError(
            f"XML with a DOCTYPE or entity declarations is refused ({error})"
        ) from None
    version = str(parsed.get("version") or "")
    if not (version.startswith("rss") or version.startswith("atom")):
        reason = parsed.get("bozo_exception")
        raise ParseError(f"not an RSS or Atom feed{f' ({reason})' if reason else ''}")
    feed = parsed.feed
    if not any(feed.get(name) for name in ("title", "link", "id")):
        # Not even a channel title or link: a stub, not a status feed.
        raise ParseError("feed has no channel (no title, link or id)")
    return parsed


def feed_kind(parsed: FeedDict) -> str:
    return "atom" if str(parsed.get("version", "")).startswith("atom") else "rss"


def entries(parsed: FeedDict) -> list[FeedDict]:
    return list(parsed.get("entries", []))[:MAX_ITEMS]


def struct_to_utc(value: Any) -> datetime | None:
    """feedparser's `*_parsed` time (a UTC struct_time) as an aware datetime, or None."""
    if value is None:
        return None
    try:
        moment = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, OSError, ValueError, TypeError):
        return None
    return check_year(moment, "feed time")


def rfc822_time(text: str) -> datetime | None:
    """An RFC 822 time with a zone ("Mon, 18 May 2026 02:29:34 GMT") as aware UTC, or None."""
    try:
        moment = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return check_year(moment.astimezone(UTC), "feed time")


def entry_time(entry: FeedDict) -> datetime:
    """When the entry was last updated (or published). Raises ParseError when it has no time."""
    # dict.get skips feedparser's deprecated updated→published fallback (and its warning).
    for name in ("updated_parsed", "published_parsed", "created_parsed"):
        moment = struct_to_utc(dict.get(entry, name))
        if moment is not None:
            return moment
    raise ParseError(f"feed entry {str(entry.get('title', ''))[:60]!r} has no readable date")


def entry_published(entry: FeedDict) -> datetime | None:
    for name in ("published_parsed", "created_parsed", "updated_parsed"):
        moment = struct_to_utc(dict.get(entry, name))
        if moment is not None:
            return moment
    return None


def entry_html(entry: FeedDict) -> str:
    """The entry's HTML body: Atom content, else the summary/description."""
    for content in entry.get("content", []) or []:
        value = content.get("value") if isinstance(content, dict) else None
        if isinstance(value, str) and value.strip():
            return value
    summary = entry.get("summary")
    return summary if isinstance(summary, str) else ""


_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/li|/h[1-6]|/div|/tr|hr\s*/?)\s*>")
_TAG = re.compile(r"(?s)<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(markup: str) -> str:
    """Markup to plain text: block ends become newlines, tags go, entities are decoded once."""
    text = _BLOCK_END.sub("\n", markup)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return clean_text(_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip())


def entry_link(entry: FeedDict) -> str:
    link = safe_url(entry.get("link"))
    if link:
        return link
    guid = entry.get("id")
    return safe_url(guid)


def entry_title(entry: FeedDict) -> str:
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ParseError("feed entry has no title")
    return clean_text(html_to_text(title), max_length=1000)


# --- the generic feed ---------------------------------------------------------------------

STATE_WORDS: dict[str, IncidentStatus] = {
    "investigating": IncidentStatus.INVESTIGATING,
    "identified": IncidentStatus.IDENTIFIED,
    "monitoring": IncidentStatus.MONITORING,
    "update": IncidentStatus.UPDATE,
    "updated": IncidentStatus.UPDATE,
    "resolved": IncidentStatus.RESOLVED,
    "closed": IncidentStatus.RESOLVED,
    "fixed": IncidentStatus.RESOLVED,
    "postmortem": IncidentStatus.POSTMORTEM,
    "scheduled": IncidentStatus.SCHEDULED,
    "in progress": IncidentStatus.IN_PROGRESS,
    "in_progress": IncidentStatus.IN_PROGRESS,
    "verifying": IncidentStatus.VERIFYING,
    "completed": IncidentStatus.COMPLETED,
}
SEVERITY_WORDS: dict[str, Impact] = {
    "available": Impact.NONE,
    "operational": Impact.NONE,
    "none": Impact.NONE,
    "minor": Impact.MINOR,
    "degraded": Impact.MINOR,
    "degraded_performance": Impact.MINOR,
    "degraded performance": Impact.MINOR,
    "major": Impact.MAJOR,
    "partial_outage": Impact.MAJOR,
    "partial outage": Impact.MAJOR,
    "partial": Impact.MAJOR,
    "critical": Impact.CRITICAL,
    "outage": Impact.CRITICAL,
    "major_outage": Impact.CRITICAL,
    "major outage": Impact.CRITICAL,
    "full_outage": Impact.CRITICAL,
    "unavailable": Impact.CRITICAL,
    "down": Impact.CRITICAL,
    "downtime": Impact.CRITICAL,
    "maintenance": Impact.MAINTENANCE,
}
MAINTENANCE_STATES = {
    IncidentStatus.SCHEDULED,
    IncidentStatus.IN_PROGRESS,
    IncidentStatus.VERIFYING,
    IncidentStatus.COMPLETED,
}

_TITLE_STATE = re.compile(
    r"^\s*\[?\s*(resolved|completed|investigating|identified|monitoring|"
    r"scheduled|in progress|update)\s*[\]:\-]\s*",
    re.IGNORECASE,
)
_STATUS_LINE = re.compile(r"(?i)\bstatus\s*:\s*([a-z _]+?)\s*(?:<|\n|$)")
_SEVERITY_LINE = re.compile(r"(?i)\bseverity\s*:\s*([a-z _]+?)\s*(?:<|\n|$)")
# xAI-style update blocks: <strong>RFC 822 time</strong> ... <h3>Label</h3> ... <p>text</p>
_UPDATE_BLOCK = re.compile(
    r"(?is)<strong>\s*([A-Z][a-z]{2},\s*\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}\s+\d{2}:\d{2}:\d{2}\s+"
    r"(?:GMT|UTC|[+-]\d{4}))\s*</strong>.*?<h3>\s*(.*?)\s*</h3>(.*?)(?=<strong>|$)"
)


def parse_feed(content: bytes, filters: Filters) -> ParsedPage:
    """Any RSS/Atom incident feed: one incident per entry."""
    parsed = load_feed(content)
    notes: list[str] = []
    incidents = [_generic_incident(entry, notes) for entry in entries(parsed)]
    incidents = _filter_by_keywords(incidents, filters, notes)
    return ParsedPage(platform="feed", incidents=tuple(incidents), notes=tuple(notes))


def _words(entry: FeedDict) -> list[str]:
    words = []
    for tag in entry.get("tags", []) or []:
        term = tag.get("term") if isinstance(tag, dict) else None
        if isinstance(term, str):
            words.append(term.strip().lower())
    return words


def _generic_incident(entry: FeedDict, notes: list[str]) -> ParsedIncident:
    title = entry_title(entry)
    at = entry_time(entry)
    body_html = entry_html(entry)
    link = entry_link(entry)
    raw_id = entry.get("id") or link or ""
    external_id = str(raw_id)[:200] if raw_id else digest(title, entry_published(entry) or at)

    state: IncidentStatus | None = None
    impact: Impact | None = None
    for word in _words(entry):
        state = state or STATE_WORDS.get(word)
        impact = impact or SEVERITY_WORDS.get(word)
    title_match = _TITLE_STATE.match(title)
    if title_match:
        state = state or STATE_WORDS.get(title_match.group(1).lower())
        title = title[title_match.end() :].strip() or title
    status_match = _STATUS_LINE.search(body_html)
    if status_match:
        state = state or STATE_WORDS.get(status_match.group(1).strip().lower())
    severity_match = _SEVERITY_LINE.search(body_html)
    if severity_match:
        impact = impact or SEVERITY_WORDS.get(severity_match.group(1).strip().lower())

    updates = _update_blocks(body_html, external_id)
    if not updates:
        body = html_to_text(body_html)
        updates = [
            ParsedUpdate(
                key=digest(external_id, at, state or "", body),
                status=state or IncidentStatus.UPDATE,
                body=body,
                at=at,
            )
        ]
    if state is None:
        # No state word anywhere: we cannot tell it ended, so it stays open.
        notes.append(f"entry {external_id[:60]}: no state found, kept open")
        state = IncidentStatus.INVESTIGATING
    elif state == IncidentStatus.UPDATE:
        # "Update" names a post, not a state: the incident is still being worked on.
        state = IncidentStatus.INVESTIGATING
    maintenance = state in MAINTENANCE_STATES or impact == Impact.MAINTENANCE
    if maintenance:
        impact = Impact.MAINTENANCE
    partial = impact is None
    if impact is None:
        impact = Impact.MINOR
    started_at = min([entry_published(entry) or at, *(u.at for u in updates)])
    return ParsedIncident(
        external_id=external_id,
        title=title,
        impact=impact,
        status=state,
        started_at=started_at,
        resolved_at=max(at, *(u.at for u in updates)) if state.is_closed else None,
        url=link,
        updates=tuple(sorted(updates, key=lambda u: (u.at, u.key))),
        is_maintenance=maintenance,
        partial=partial,
    )


def _update_blocks(body_html: str, external_id: str) -> list[ParsedUpdate]:
    updates = []
    for match in _UPDATE_BLOCK.finditer(body_html):
        at = rfc822_time(match.group(1))
        if at is None:
            continue
        label = html_to_text(match.group(2)).lower()
        body = html_to_text(match.group(3))
        status = STATE_WORDS.get(label, IncidentStatus.UPDATE)
        updates.append(
            ParsedUpdate(key=digest(external_id, at, status, body), status=status, body=body, at=at)
        )
    return updates


def _filter_by_keywords(
    incidents: list[ParsedIncident], filters: Filters, notes: list[str]
) -> list[ParsedIncident]:
    keywords = [word.lower() for word in filters.get("keywords", ()) if word.strip()]
    if not keywords:
        return incidents
    kept = [
        incident
        for incident in incidents
        if any(
            word in incident.title.lower() or any(word in u.body.lower() for u in incident.updates)
            for word in keywords
        )
    ]
    notes.append(f"kept {len(kept)} of {len(incidents)} entries mentioning {', '.join(keywords)}")
    return kept


# --- Azure status RSS ---------------------------------------------------------------------

_AZURE_LINK = re.compile(
    r"^https?://([a-z0-9-]+\.)*(azure\.status\.microsoft|azurestatuscdn\.azureedge\.net"
    r"|status\.azure\.com)(/|$)",
    re.IGNORECASE,
)


def parse_azure_status(content: bytes, filters: Filters) -> ParsedPage:
    """Azure's status RSS: only active incidents, no severity, no components.

    Filters: {"keywords": ["OpenAI", "AI Foundry"]} keeps the items that mention one of them.
    """
    parsed = load_feed(content)
    channel_link = str(parsed.feed.get("link", ""))
    if feed_kind(parsed) != "rss" or not _AZURE_LINK.match(channel_link):
        raise ParseError("not Azure's status feed (channel link is not azure.status.microsoft)")
    notes: list[str] = []
    incidents = []
    for entry in entries(parsed):
        title = entry_title(entry)
        at = entry_time(entry)
        body = html_to_text(entry_html(entry))
        raw_id = entry.get("id") or entry.get("link")
        external_id = str(raw_id)[:200] if raw_id else digest(title, entry_published(entry) or at)
        incidents.append(
            ParsedIncident(
                external_id=external_id,
                title=title,
                # Azure publishes no severity; an active broad-impact item is at least minor.
                impact=Impact.MINOR,
                status=IncidentStatus.INVESTIGATING,
                started_at=entry_published(entry) or at,
                resolved_at=None,
                url=entry_link(entry),
                updates=(
                    ParsedUpdate(
                        key=digest(external_id, at, body),
                        status=IncidentStatus.UPDATE,
                        body=body,
                        at=at,
                    ),
                ),
                partial=True,
            )
        )
    incidents = _filter_by_keywords(incidents, filters, notes)
    return ParsedPage(
        platform="azure_status",
        incidents=tuple(incidents),
        # The feed carries exactly the incidents active now: one that leaves it has ended.
        lists_all_open_incidents=True,
        notes=tuple(notes),
    )
