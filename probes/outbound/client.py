"""The one outbound HTTP client: every request AI Watch makes goes through `fetch` (or its async
twin `fetch_async`, which probe batches use to run many requests on one client).

It bounds everything a stranger's server could stretch: connect, read and total time, body
size (after decompression), and redirects. It sends conditional requests so an unchanged page
costs a 304, and names the project in its User-Agent.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from urllib.parse import urljoin

import certifi
import httpx
from django.conf import settings

from probes.outbound.decoding import read_capped, read_capped_async
from probes.outbound.errors import FetchError, classify_connect_error
from probes.outbound.policy import check_url

USER_AGENT = "AIWatch/0.1 (self-hosted AI status dashboard; +https://github.com/aiwatch)"


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    status_code: int
    content: bytes
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
    rebinding) cannot steer the request. Sends If-None-Match / If-Modified-Since when
    validators are given (a 304 comes back as a result with `not_modified`). Raises FetchError
    for every transport failure, every refused address and for bodies over the byte cap; never
    returns a partial body.
    """
    limits = limits or Limits.from_settings()
    request_headers = _request_headers(headers, etag=etag, last_modified=last_modified)
    started = time.monotonic()
    deadline = started + limits.total_timeout
    current = url
    with (
        _mapped_errors(),
        httpx.Client(
            timeout=_timeout(limits), follow_redirects=False, trust_env=False, verify=tls_context()
        ) as client,
    ):
        for _hop in range(limits.max_redirects + 1):
            target = check_url(current)
            with client.stream(
                method,
                target.connect_url,
                headers={**request_headers, "Host": target.host_header},
                content=content,
                extensions=target.extensions,
            ) as response:
                if response.is_redirect and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    if response.status_code in (301, 302, 303) and method == "POST":
                        # Browsers and httpx turn a redirected POST into a GET without body.
                        method, content = "GET", None
                    continue
                body = read_capped(response, limits.max_bytes, deadline)
                return FetchResult(
                    url=current,
                    status_code=response.status_code,
                    content=body,
                    elapsed=timedelta(seconds=time.monotonic() - started),
                    headers=_kept_headers(response),
                )
    raise FetchError("redirects", f"more than {limits.max_redirects} redirects")


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
    HEAD only, when `follow_redirects` is true, and never carry `headers` to another host (they
    may hold a key). Raises FetchError; never returns a partial body.
    """
    limits = limits or Limits.from_settings()
    extra = dict(headers or {})
    request_headers = _request_headers(extra)
    started = time.monotonic()
    current = url
    first_host = ""
    with _mapped_errors():
        async with asyncio.timeout(limits.total_timeout):
            for _hop in range(limits.max_redirects + 1):
                target = await asyncio.to_thread(check_url, current)
                first_host = first_host or target.host
                if target.host != first_host:
                    request_headers = {
                        name: value for name, value in request_headers.items() if name not in extra
                    }
                request = client.build_request(
                    method,
                    target.connect_url,
                    headers={**request_headers, "Host": target.host_header},
                    content=content,
                    timeout=_timeout(limits),
                    extensions=target.extensions,
                )
                response = await client.send(request, stream=True)
                try:
                    if (
                        follow_redirects
                        and method in ("GET", "HEAD")
                        and response.is_redirect
                        and "location" in response.headers
                    ):
                        current = urljoin(current, response.headers["location"])
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
