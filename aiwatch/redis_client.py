"""A redis-py client for the Redis that Celery uses as its broker (health checks, login limits)."""

from __future__ import annotations

import redis
from django.conf import settings


def client_url(broker_url: str) -> str:
    """Celery's `redis+socket:///path` is redis-py's `unix:///path`; other URLs are the same."""
    if broker_url.startswith("redis+socket://"):
        return "unix://" + broker_url.removeprefix("redis+socket://")
    return broker_url


def redis_client(*, timeout: float = 1.0) -> redis.Redis:
    """A client with short timeouts: callers are web requests that must not hang on Redis."""
    return redis.Redis.from_url(
        client_url(settings.CELERY_BROKER_URL),
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )
