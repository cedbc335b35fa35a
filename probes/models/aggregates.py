"""Aggregates the two supported databases spell differently."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, JSONField


class JSONArrayAgg(Aggregate):
    """The values of a group as one JSON array: SQLite's JSON_GROUP_ARRAY, PostgreSQL's
    JSONB_AGG (jsonb, which JSONField reads as it reads its own column)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)
