"""Pure checks of configuration values, shared by the models, the catalog and the probes.

Kept free of the ORM and of probe logic so that `Source.clean`, the catalog loader and the
probe runner can all use them without importing each other.
"""

from __future__ import annotations

from probes.outbound.policy import outbound_url_problem
from probes.outbound.secrets import secret_name_problem
from probes.parsers import filters_problem

__all__ = [
    "Ranges",
    "filters_problem",
    "outbound_url_problem",
    "parse_expected_statuses",
    "secret_name_problem",
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
