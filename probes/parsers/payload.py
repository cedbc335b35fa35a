"""Shared checks for raw payloads: refuse what is not data, decode JSON safely, read times."""

from __future__ import annotations

import hashlib
import json
import math
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from .types import ParseError, TooManyItems

# Deeper JSON than this is not a status page; refusing it keeps recursion bounded.
MAX_JSON_DEPTH = 64
# Cap on items in one list (components, incidents, updates, feed entries). A longer list is
# refused, never cut: a page listing every open incident, cut short, would read the ones past
# the cut as resolved.
MAX_ITEMS = 5000

_DEEP_NESTING = re.compile(r"[\[{](\s*[\[{]){" + str(MAX_JSON_DEPTH) + "}")
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_CHALLENGE_MARKERS = (
    b"__cf$cv$params",
    b"cf-mitigated",
    b"Just a moment...",
    b"Attention Required!",
    b"cf-browser-verification",
)


def refuse_html(content: bytes) -> None:
    """Raise ParseError for an HTML page (a login wall or a bot challenge served with 200)."""
    head = content[:4096]
    if any(marker in head for marker in _CHALLENGE_MARKERS):
        raise ParseError("got a bot-challenge page instead of data")
    if _HTML_START.match(head):
        raise ParseError("got an HTML page instead of data")


def decode_text(content: bytes) -> str:
    """Bytes to text: UTF-8, or UTF-16/32 when a byte-order mark says so."""
    if not content.strip():
        raise ParseError("empty body")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif content.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as error:
        raise ParseError(f"body is not valid {encoding}: {error.reason}") from None
    if "\x00" in text:
        raise ParseError("body contains NUL characters")
    return text


# Characters no database column should get: NUL (PostgreSQL refuses it in text) and lone
# surrogates (not encodable as UTF-8). JSON can smuggle both in as \u escapes.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _inspect(value: Any) -> int:
    """The nesting depth of a decoded document; ParseError for unstorable characters."""
    # Iterative, so a hostile nesting cannot overflow the stack while we measure it.
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > deepest:
            deepest = level
            if deepest > MAX_JSON_DEPTH:
                return deepest
        if isinstance(item, dict):
            for key, child in item.items():
                if _UNSTORABLE.search(key):
                    raise ParseError("JSON contains NUL or unpaired surrogate characters")
                stack.append((child, level + 1))
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
        elif isinstance(item, str) and _UNSTORABLE.search(item):
            raise ParseError("JSON contains NUL or unpaired surrogate characters")
        elif isinstance(item, float) and not math.isfinite(item):
            raise ParseError("JSON contains a number too large to represent")
    return deepest


def _reject_constant(name: str) -> None:
    raise ParseError(f"JSON contains {name}")


def load_json(content: bytes) -> Any:
    """Decode a JSON document, refusing HTML, NaN/Infinity and absurd nesting."""
    refuse_html(content)
    text = decode_text(content)
    # A cheap pre-check: nesting needs brackets, and json.loads itself recurses.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _DEEP_NESTING.search(text):
        raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None
    except ValueError as error:
        raise ParseError(f"invalid JSON: {error}") from None
    if _inspect(value) > MAX_JSON_DEPTH:
        raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def require_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParseError(f"{what} is not an object")
    return value


def require_list(value: Any, what: str, *, allow_null: bool = False) -> list[Any]:
    if value is None and allow_null:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{what} is not a list")
    return check_count(value, what)


def check_count(items: list[Any], what: str) -> list[Any]:
    """`items` itself; ParseError when it holds more than MAX_ITEMS."""
    if len(items) > MAX_ITEMS:
        raise TooManyItems(
            f"{what} has {len(items)} items, more than the {MAX_ITEMS} we read: "
            "refused rather than cut short"
        )
    return items


def require_str(value: Any, what: str, *, max_length: int = 10_000) -> str:
    if not isinstance(value, str):
        raise ParseError(f"{what} is not a string")
    return value[:max_length]


def optional_str(value: Any, what: str, *, max_length: int = 100_000) -> str:
    if value is None:
        return ""
    return require_str(value, what, max_length=max_length)


# Years outside this range are typos or hostile values, not status history.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def parse_time(value: Any, what: str) -> datetime:
    """An ISO-8601 time with a zone, as aware UTC. Naive or out-of-range times are refused."""
    text = require_str(value, what, max_length=64).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ParseError(f"{what} is not an ISO-8601 time: {text[:40]!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ParseError(f"{what} has no time zone: {text[:40]!r}")
    return check_year(parsed.astimezone(UTC), what)


def optional_time(value: Any, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    return parse_time(value, what)


def check_year(moment: datetime, what: str) -> datetime:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ParseError(f"{what} is out of range: {moment.isoformat()}")
    return moment


def digest(*parts: object) -> str:
    """A short stable key for things a source gives no id for."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(str(part).encode("utf-8", "replace"))
        hasher.update(b"\x1f")
    return hasher.hexdigest()[:32]


def safe_url(value: Any) -> str:
    """The URL if it is plain http(s), else "": payload links end up in href attributes."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if len(url) > 2000 or any(ord(ch) < 0x21 for ch in url):
        return ""
    if url.lower().startswith(("https://", "http://")):
        return url
    return ""


# Control characters other than tab and newline. One regex pass: a character-by-character
# filter took a quarter of a large page's parse.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f]")


def clean_text(value: str, *, max_length: int = 100_000) -> str:
    """Drop control characters (keeping newlines and tabs) and cap the length."""
    return _CONTROL_CHARACTERS.sub("", value)[:max_length]


# XML ------------------------------------------------------------------------------------------

_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.DOTALL)
# Any DTD markup, except the bare HTML5 `<!DOCTYPE html>` (no subset, no external DTD), which
# declares nothing and heads the HTML pages some parsers read.
_DECLARATION = re.compile(
    rb"<!\s*(DOCTYPE(?!\s+html\s*>)|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE
)


def refuse_xml_declarations(content: bytes) -> None:
    """Raise ParseError for XML carrying a DOCTYPE or entity declarations.

    Status feeds never need a DTD (only a bare `<!DOCTYPE html>` passes), and a DTD is how
    billion-laughs, quadratic blow-up and external-entity (XXE) payloads work, so such
    documents are refused before any XML parser (feedparser included) sees them. UTF-16/32
    documents are checked in their decoded form, so a declaration cannot hide behind another
    encoding. CDATA sections, which may quote markup as text, are ignored.
    """
    candidates = [content]
    head = content[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"):
            try:
                candidates.append(content.decode(encoding).encode("utf-8"))
            except UnicodeDecodeError:
                continue
    for candidate in candidates:
        if _DECLARATION.search(_CDATA.sub(b"", candidate)):
            raise ParseError("XML with a DOCTYPE or entity declarations is refused")


# Time budget ----------------------------------------------------------------------------------


class ParseTimeout(Exception):
    """A parse ran past its time budget.

    Deliberately not a ParseError: a parser or format detection that catches ParseError to
    try something else must not swallow the budget running out.
    """


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise ParseTimeout inside the block once `seconds` of wall-clock time have passed.

    In the main thread of a process (Celery's prefork children and `manage.py poll`) an
    interval timer interrupts the parser mid-work; any timer already running is put back
    afterwards. Elsewhere (a web request thread) signals are unavailable, so the block runs to
    the end and is refused afterwards if it overran; the byte, depth and item caps keep every
    parser linear in the body, so this is a backstop, and Celery's hard time limit is the last.
    """
    started = time.monotonic()
    use_signal = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not use_signal:
        yield
        if seconds > 0 and time.monotonic() - started > seconds:
            raise ParseTimeout(f"parsing took longer than {seconds:g} s")
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise ParseTimeout(f"parsing took longer than {seconds:g} s")

    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(
            signal.SIGALRM, previous_handler if previous_handler is not None else signal.SIG_DFL
        )
        if previous_delay:
            remaining = max(previous_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, remaining, previous_interval)


def epoch_time(value: Any, what: str) -> datetime:
    """Seconds since the epoch (a number or a string of digits) as aware UTC."""
    if isinstance(value, str) and re.fullmatch(r"\d{1,12}(\.\d+)?", value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParseError(f"{what} is not a time in epoch seconds")
    try:
        moment = datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ParseError(f"{what} is out of range: {value!r}") from None
    return check_year(moment, what)
