"""The one outbound HTTP client: every request AI Watch makes goes through `fetch` (or its async
twin `fetch_async`, which probe batches use to run many requests on one client).

It bounds everything a stranger's server could stretch: connect, read and total time, body
size (after decompression), and redirects. It sends conditional requests so an unchanged page
costs a 304, and names the project in its User-Agent.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from urllib.parse import urljoin

import certifi
import httpx
from django.conf import settings

from probes.outbound.decoding import read_capped_async
from probes.outbound.errors import FetchError, classify_connect_error
from probes.outbound.policy import Target, check_url

USER_AGENT = "AIWatch/0.1 (self-hosted AI status dashboard; +https://github.com/aiwatch)"


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    status_code: int
    # Out of the repr: asyncio formats a finished batch's result whenever it restores the
    # SIGINT handler it set, and the whole of every body made that cost milliseconds a batch
    # (a body does not belong in a log line either).
    content: bytes = field(repr=False)
    elapsed: timedelta
    headers: dict[str, str] = field(default_factory=dict)
    # fetch_async only: (bytes received so far, seconds since the request started) per chunk,
    # so a streaming answer can tell when its first token arrived.
    chunk_times: tuple[tuple[int, float], ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.status_code == 304

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass(frozen=True, slots=True)
class Limits:
    connect_timeout: float
    read_timeout: float
    total_timeout: float
    max_bytes: int
    max_redirects: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            connect_timeout=settings.AIWATCH_HTTP_CONNECT_TIMEOUT,
            read_timeout=settings.AIWATCH_HTTP_READ_TIMEOUT,
            total_timeout=settings.AIWATCH_HTTP_TOTAL_TIMEOUT,
            max_bytes=settings.AIWATCH_HTTP_MAX_BYTES,
            max_redirects=settings.AIWATCH_HTTP_MAX_REDIRECTS,
        )


@cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: building it loads the CA bundle (tens of ms)."""
    return ssl.create_default_context(cafile=certifi.where())


_KEPT_HEADERS = ("etag", "last-modified", "content-type", "retry-after", "content-encoding")


def _request_headers(
    extra: dict[str, str] | None, *, etag: str = "", last_modified: str = ""
) -> dict[str, str]:
    """The headers every request sends, then conditional validators, then the caller's own."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/json, application/xml;q=0.9, */*;q=0.5",
        # Only what the decoder inflates in bounded steps.
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    headers.update(extra or {})
    return headers


def _timeout(limits: Limits) -> httpx.Timeout:
    return httpx.Timeout(
        connect=limits.connect_timeout,
        read=limits.read_timeout,
        write=limits.read_timeout,
        pool=limits.connect_timeout,
    )


@contextmanager
def _mapped_errors() -> Iterator[None]:
    """Turn every httpx failure into one FetchError kind, for the sync and async fetch alike."""
    try:
        yield
    except TimeoutError:
        raise FetchError("timeout", "the whole answer took longer than the total timeout") from None
    except httpx.TimeoutException as error:
        raise FetchError("timeout", f"timed out ({type(error).__name__})") from None
    except httpx.ConnectError as error:
        raise classify_connect_error(error) from None
    except httpx.HTTPError as error:
        raise FetchError("connection", f"{type(error).__name__}: {error}") from None


def fetch(
    url: str,
    *,
    method: str = "GET",
    etag: str = "",
    last_modified: str = "",
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    limits: Limits | None = None,
) -> FetchResult:
    """Request `url` and return the answer, whatever its status code.

    Every hop (the first request and each redirect) passes `check_url` and the connection goes
    to the address that check approved, so a name that resolves elsewhere a second time (DNS
    rebinding) cannot steer the request. The total timeout bounds the whole exchange (connect,
    headers dripped a byte at a time, every redirect hop, the body): the request runs on a
    short-lived event loop under one deadline. Sends If-None-Match / If-Modified-Since when
    validators are given (a 304 comes back as a result with `not_modified`). Redirects are
    followed for every method (a POST answered 301-303 becomes a GET without body). Raises
    FetchError for every transport failure, every refused address and for bodies over the
    byte cap; never returns a partial body.
    """
    limits = limits or Limits.from_settings()

    async def exchange() -> FetchResult:
        async with async_client(max_connections=1) as client:
            return await _exchange(
                client,
                url,
                method=method,
                headers=_request_headers(headers, etag=etag, last_modified=last_modified),
                private=frozenset(headers or ()),
                content=content,
                limits=limits,
                redirects="any",
                resolve_in_thread=False,
            )

    return asyncio.run(exchange())


async def fetch_async(
    client: httpx.AsyncClient,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    limits: Limits | None = None,
    follow_redirects: bool = True,
) -> FetchResult:
    """Like `fetch`, on a shared async client: the same address checks, limits and error kinds.

    Make the client with `async_client()`. Every hop passes `check_url` (in a thread: it may
    block on DNS) and connects to the address it approved. Redirects are followed for GET and
    HEAD only, when `follow_redirects` is true. Raises FetchError; never returns a partial body.
    """
    return await _exchange(
        client,
        url,
        method=method,
        headers=_request_headers(headers),
        private=frozenset(headers or ()),
        content=content,
        limits=limits or Limits.from_settings(),
        redirects="get" if follow_redirects else "none",
        resolve_in_thread=True,
    )


_resolvers: dict[int, ThreadPoolExecutor] = {}
_resolvers_lock = threading.Lock()


def _resolver() -> ThreadPoolExecutor:
    """The threads that resolve and check addresses for `fetch_async`, one pool per process.

    Each batch runs on an event loop of its own, whose default executor starts its threads
    anew and joins them at the end: that cost more than the lookups it ran. The pool outlives
    the loops; a forked worker process makes its own (threads do not survive a fork).
    """
    pid = os.getpid()
    with _resolvers_lock:
        pool = _resolvers.get(pid)
        if pool is None:
            pool = _resolvers[pid] = ThreadPoolExecutor(
                max_workers=8, thread_name_prefix="aiwatch-resolve"
            )
        return pool


async def _exchange(
    client: httpx.AsyncClient,
    url: str,
    *,
    method: str,
    headers: dict[str, str],
    private: frozenset[str],
    content: bytes | None,
    limits: Limits,
    redirects: str,
    resolve_in_thread: bool,
) -> FetchResult:
    """One request and its redirects under one deadline; shared by `fetch` and `fetch_async`.

    `private` names the caller's own headers (they may hold a key): they never follow a
    redirect to another host. After a first hop to a public address, later hops may not use
    the allow-list: a public page cannot redirect us into an allowed private address.
    `redirects`: "any" method, "get" (GET and HEAD only) or "none".
    """
    started = time.monotonic()
    current = url
    first: Target | None = None
    with _mapped_errors():
        async with asyncio.timeout(limits.total_timeout):
            for _hop in range(limits.max_redirects + 1):
                public_only = first is not None and not first.exempted
                if resolve_in_thread:
                    target = await asyncio.get_running_loop().run_in_executor(
                        _resolver(), functools.partial(check_url, current, public_only=public_only)
                    )
                else:
                    # One request on its own loop: nothing else waits while DNS answers.
                    target = check_url(current, public_only=public_only)
                first = first or target
                if target.host != first.host:
                    headers = {
                        name: value for name, value in headers.items() if name not in private
                    }
                request = client.build_request(
                    method,
                    target.connect_url,
                    headers={**headers, "Host": target.host_header},
                    content=content,
                    timeout=_timeout(limits),
                    extensions=target.extensions,
                )
                response = await client.send(request, stream=True)
                try:
                    if _follows(redirects, method, response):
                        current = urljoin(current, response.headers["location"])
                        if response.status_code in (301, 302, 303) and method == "POST":
                            # Browsers and httpx turn a redirected POST into a GET without body.
                            method, content = "GET", None
                        continue
                    body, chunk_times = await read_capped_async(response, limits.max_bytes, started)
                finally:
                    await response.aclose()
                return FetchResult(
                    url=current,
                    status_code=response.status_code,
                    content=body,
                    elapsed=timedelta(seconds=time.monotonic() - started),
                    headers=_kept_headers(response),
                    chunk_times=chunk_times,
                )
    raise FetchError("redirects", f"more than {limits.max_redirects} redirects")


def _follows(redirects: str, method: str, response: httpx.Response) -> bool:
    if not (response.is_redirect and "location" in response.headers):
        return False
    return redirects == "any" or (redirects == "get" and method in ("GET", "HEAD"))


def async_client(*, max_connections: int = 20) -> httpx.AsyncClient:
    """The client `fetch_async` expects: verifying TLS, no redirects of its own, no proxies."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        verify=tls_context(),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
    )


def _kept_headers(response: httpx.Response) -> dict[str, str]:
    return {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
