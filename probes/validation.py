"""Pure checks of configuration values, shared by the models, the catalog and the probes.

Kept free of the ORM and of probe logic so that `Source.clean`, the catalog loader and the
probe runner can all use them without importing each other.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from probes.outbound.policy import outbound_url_problem
from probes.parsers import filters_problem

__all__ = [
    "Ranges",
    "describe_invalid",
    "filters_problem",
    "outbound_url_problem",
    "parse_expected_statuses",
]

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
