"""Health endpoints for orchestrators.

`/healthz` answers while the process can serve at all. `/readyz` also checks the database,
Redis and that beat's dispatcher ticked recently. Both are answered by a middleware at the top
of the stack, before host validation and the HTTPS redirect, because probes come from inside
the cluster over plain HTTP with the pod's address as Host.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import redis
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from aiwatch.redis_client import redis_client
from probes import health


def readiness() -> dict[str, str]:
    """ "ok" or what failed, for the database, Redis and beat freshness."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except DatabaseError as error:
        checks["database"] = f"error: {type(error).__name__}"
    try:
        client = redis_client()
        client.ping()
        checks["redis"] = "ok"
        fresh = health.beat_is_fresh(timezone.now(), client)
        checks["beat"] = "ok" if fresh else "error: no dispatcher tick recently"
    except redis.RedisError as error:
        checks["redis"] = f"error: {type(error).__name__}"
        checks["beat"] = "unknown: Redis unreachable"
    return checks


def _json(status: int, body: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """Answer /healthz and /readyz before anything else looks at the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            if request.path == "/healthz":
                return _json(200, {"status": "ok"})
            if request.path == "/readyz":
                checks = readiness()
                ready = all(value == "ok" for value in checks.values())
                return _json(
                    200 if ready else 503,
                    {"status": "ok" if ready else "unavailable", "checks": checks},
                )
        return self.get_response(request)
