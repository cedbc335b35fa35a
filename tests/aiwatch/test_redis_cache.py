"""The shipped cache backend, on a real Redis: Django's cache behaviour, one client per pool."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from probes.models import Provider

pytestmark = pytest.mark.django_db


def test_the_shipped_settings_use_this_backend():
    from aiwatch import settings as shipped

    # Under pytest the settings swap in a memory cache for the suite; `_CACHE` is what a
    # deployment gets.
    assert shipped._CACHE["BACKEND"] == "aiwatch.redis_cache.ClientKeepingRedisCache"


def test_it_keeps_what_djangos_backend_keeps(redis_cache):
    redis_cache.set("answer", {"status": "major"}, 30)
    redis_cache.set_many({"a": 1, "b": b"\x00bytes"}, 30)
    assert redis_cache.get("answer") == {"status": "major"}
    assert redis_cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": b"\x00bytes"}
    assert redis_cache.add("a", 2) is False
    assert redis_cache.incr("a") == 2
    redis_cache.delete("answer")
    assert redis_cache.get("answer", "gone") == "gone"


def test_one_client_serves_every_call(redis_cache):
    backend = redis_cache._cache
    first = backend.get_client()
    assert backend.get_client() is first
    assert backend.get_client(write=True) is first  # one server: reads and writes share a pool
    redis_cache.set("k", "v", 30)
    assert redis_cache.get("k") == "v"


def test_a_page_is_served_from_redis_with_one_query(client, redis_cache):
    Provider.objects.create(slug="example", name="Example AI")
    first = client.get(reverse("dashboard:index"))
    with CaptureQueriesContext(connection) as cached:
        again = client.get(reverse("dashboard:index"))
    assert first.status_code == again.status_code == 200
    assert len(cached.captured_queries) == 1
    assert "Example AI" in again.content.decode()
