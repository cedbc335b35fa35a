"""Query parameter types of the API, with the messages a caller sees when one is wrong.

Each type is an `Annotated` pydantic type: django-ninja validates it and documents it in the
OpenAPI schema, and `dashboard.api.errors` turns a failure into `{"error": message}`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from pydantic import BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError


def _name(info: ValidationInfo) -> str:
    return repr(info.field_name or "value")


def parse_moment(value: Any, info: ValidationInfo) -> datetime | None:
    return moment_from(value, info.field_name or "value")


def moment_from(value: Any, name: str) -> datetime | None:
    """An ISO-8601 date or date-time; a time without an offset is taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed: datetime | date | None = value
    else:
        # A `+` in an unencoded query string arrives as a space.
        text = str(value).strip().replace(" ", "+")
        try:
            parsed = parse_datetime(text) or parse_date(text)
        except ValueError:
            parsed = None
    if parsed is None:
        raise PydanticCustomError(
            "moment",
            "{name} must be an ISO-8601 date or time, e.g. 2025-01-15T12:00:00Z, not {value}",
            {"name": repr(name), "value": repr(str(value))},
        )
    if not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, time.min)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


Moment = Annotated[
    datetime | None,
    BeforeValidator(parse_moment),
    Field(description="An ISO-8601 date or time; without an offset it is UTC."),
]


def bounded(low: int, high: int, default: int) -> BeforeValidator:
    """A whole number from low to high, with a message naming the parameter and the range.

    Use as `Annotated[int, bounded(1, 10, 5), Field(ge=1, le=10)]`: the Field documents it.
    """

    def check(value: Any, info: ValidationInfo) -> int:
        if value is None or value == "":
            return default
        try:
            number = int(str(value).strip())
        except ValueError:
            raise PydanticCustomError(
                "whole_number",
                "{name} must be a whole number, not {value}",
                {"name": _name(info), "value": repr(str(value))},
            ) from None
        if not low <= number <= high:
            raise PydanticCustomError(
                "range",
                "{name} must be between {low} and {high}",
                {"name": _name(info), "low": low, "high": high},
            )
        return number

    return BeforeValidator(check)
