"""Pure checks of configuration values, shared by the models, the catalog and the probes.

Kept free of the ORM and of probe logic so that `Source.clean`, the catalog loader and the
probe runner can all use them without importing each other.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from probes.outbound.policy import outbound_url_problem
from probes.outbound.secrets import secret_name_problem
from probes.parsers import filters_problem

__all__ = [
    "Ranges",
    "describe_invalid",
    "filters_problem",
    "link_problem",
    "outbound_url_problem",
    "parse_expected_statuses",
    "secret_name_problem",
    "web_link",
]

# Longer than any real incident or postmortem link; longer ones are refused, not cut.
MAX_LINK_LENGTH = 2000
LINK_SCHEMES = ("http", "https")

Ranges = tuple[tuple[int, int], ...]


def parse_expected_statuses(text: str) -> Ranges:
    """'200-299,401' -> ((200, 299), (401, 401)); '' -> () meaning the default rule.

    Raises ValueError with a readable reason.
    """
    ranges = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"{part!r} is not a status code or a range like 200-299")
        start, end = int(low), int(high or low)
        if not 100 <= start <= end <= 599:
            raise ValueError(f"{part!r} is not within 100-599, low to high")
        ranges.append((start, end))
    return tuple(ranges)


def link_problem(value: object) -> str:
    """Why `value` cannot be a link we store or show ("" when it can).

    The one rule for every stored link (incident, postmortem and archive source links, status
    pages): an absolute http(s) URL naming a host, at most MAX_LINK_LENGTH characters, with no
    whitespace or control characters. Anything else - `javascript:`, `data:`, `vbscript:`,
    relative or scheme-less links - would run or mislead in an href, a feed or a chat message.
    """
    if not isinstance(value, str):
        return "a link must be text"
    if len(value) > MAX_LINK_LENGTH:
        return f"a link may be at most {MAX_LINK_LENGTH} characters"
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return "a link may not contain spaces or control characters"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in LINK_SCHEMES:
        given = f"not {parts.scheme}:" if parts.scheme else "and this one has none"
        return f"a link must start with http:// or https://, {given}"
    if not host:
        return "a link must name a host"
    return ""


def web_link(value: object) -> str:
    """`value` when it passes link_problem, else "": for links shown rather than stored."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    return value if not link_problem(value) else ""


def describe_invalid(error: ValidationError, instance: Any, where: str) -> str:
    """A model's first validation problem as one line for a file's loader: the entry, the
    field, its value and the model's own words, e.g.
    "provider 'x' source #1: timeout_seconds 90.0: Ensure this value is less than or equal to 30.0."
    """
    name, messages = next(iter(error.message_dict.items()))
    text = " ".join(messages)
    if name == NON_FIELD_ERRORS:
        return f"{where}: {text}"
    value = getattr(instance, name, None)
    shown = f" {value!r}" if value not in (None, "", [], {}) else ""
    return f"{where}: {name}{shown}: {text}"
