"""Cursor pagination for the API's lists, newest first.

A page is at most `limit` rows ordered by a time field and the primary key, both descending;
when more rows follow, the response carries `Link: <…?cursor=…>; rel="next"` (RFC 8288), as
GitHub's API does, so the bodies keep their shape. A cursor is the last row's (time, pk): rows
added meanwhile never shift a page, and a page never repeats or skips a row.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse

from dashboard.api.errors import ApiError

M = TypeVar("M", bound=Model)


def encode_cursor(moment: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        moment, _, pk = raw.partition("|")
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ApiError("'cursor' is not one this API gave out") from None


def page(
    queryset: QuerySet[M], field: str, *, cursor: str | None, limit: int
) -> tuple[list[M], str | None]:
    """One page of rows and the cursor of the next page (None on the last)."""
    queryset = queryset.order_by(f"-{field}", "-pk")
    if cursor:
        moment, pk = decode_cursor(cursor)
        queryset = queryset.filter(
            Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk})
        )
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last: Any = rows[-1]
    return rows, encode_cursor(getattr(last, field), last.pk)


def link_next(request: HttpRequest, response: HttpResponse, cursor: str | None) -> None:
    if cursor is None:
        return
    query = request.GET.copy()
    query["cursor"] = cursor
    url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    response["Link"] = f'<{url}>; rel="next"'
