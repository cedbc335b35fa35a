"""API reads answered from the cache while nothing they are computed from has changed.

A year of incidents or of daily uptime took 60-150 ms to read, validate and render for every
request, though it changes only when a poll records something. A cached answer is keyed, like
the pages' parts (`dashboard.history_cache`), by the address with its query and by
`state_version()`, which every recorded change moves, and lives `history_cache.TTL` seconds at
most for what only the clock moves (an open incident's minutes, today's uptime). It is stored
rendered, and compressed once (`StoredAnswer`): the API's answers hold nothing of the caller,
so one body serves every caller the gate lets through. The gate is asked before the cache, so
a refused caller never gets a cached body; a refused or failed read is never stored.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import redis
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from dashboard import history_cache
from dashboard.api.access import identify
from dashboard.page_shell import ACCEPTS_GZIP

logger = logging.getLogger(__name__)

# Set for each request, never stored: CORS follows the running settings (open_api_headers),
# and the length and encoding follow the body served.
NOT_STORED = frozenset(
    {"access-control-allow-origin", "content-length", "content-encoding", "vary"}
)


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """An answer kept gzipped only: the body is 10-60 times the size, and a caller that takes
    gzip needs nothing else. One that does not gets it decompressed, about as long as reading
    the body from the cache took (0.03-0.08 ms for 38-145 KB)."""

    gzipped: bytes
    headers: tuple[tuple[str, str], ...]

    def response(self, request: HttpRequest) -> HttpResponse:
        takes_gzip = ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        answer = HttpResponse(self.gzipped if takes_gzip else gzip.decompress(self.gzipped))
        for name, value in self.headers:
            answer[name] = value
        if takes_gzip:
            answer["Content-Encoding"] = "gzip"
        patch_vary_headers(answer, ("Accept-Encoding",))
        return answer


def stored(response: HttpResponse) -> StoredAnswer:
    headers = tuple(
        (name, value) for name, value in response.items() if name.lower() not in NOT_STORED
    )
    return StoredAnswer(gzip.compress(response.content, 6, mtime=0), headers)


def cached_read(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`view` (a django-ninja operation's run) for a GET, from the cache when it can be."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET" or identify(request) is None:
            return view(request, *args, **kwargs)  # the gate answers as it always does
        if not history_cache.is_worth_keeping(request):
            return view(request, *args, **kwargs)
        key = history_cache.cache_key(
            ("api", request.get_full_path(), history_cache.state_version())
        )
        try:
            found = cache.get(key)
        except (redis.RedisError, OSError) as error:  # Redis away: read as before
            logger.warning("API cache unreadable: %s", error)
            return view(request, *args, **kwargs)
        if isinstance(found, StoredAnswer):
            return found.response(request)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        answer = stored(response)
        try:
            cache.set(key, answer, history_cache.TTL)
        except (redis.RedisError, OSError) as error:
            logger.warning("API cache unwritable: %s", error)
        return answer.response(request)

    return wrapper
