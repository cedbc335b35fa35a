"""Shared checks for raw payloads: refuse what is not data, decode JSON safely, read times."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from .types import ParseError

# Deeper JSON than this is not a status page; refusing it keeps recursion bounded.
MAX_JSON_DEPTH = 64
# Cap on items a parser looks at in one list (components, incidents, updates).
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


def _depth(value: Any) -> int:
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
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


def _reject_constant(name: str) -> None:
    raise ParseError(f"JSON contains {name}")


def load_json(content: bytes) -> Any:
    """Decode a JSON document, refusing HTML, NaN/Infinity and absurd nesting."""
    refuse_html(content)
    text = decode_text(content)
    # A cheap pre-check: nesting needs brackets, and json.loads itself recurses.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and re.search(
        _DEEP_NESTING, text
    ):
        raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None
    except ValueError as error:
        raise ParseError(f"invalid JSON: {error}") from None
    if _depth(value) > MAX_JSON_DEPTH:
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
    return value[:MAX_ITEMS]


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


def clean_text(value: str, *, max_length: int = 100_000) -> str:
    """Drop control characters (keeping newlines and tabs) and cap the length."""
    cleaned = "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 0x20)
    return cleaned[:max_length]
