"""The one outbound HTTP seam: every request AI Watch makes goes through `fetch` (or its async
twin `fetch_async`, which probe batches use to run many requests on one client).

It bounds everything a stranger's server could stretch: connect, read and total time, body
size (after decompression), and redirects. It sends conditional requests so an unchanged page
costs a 304, and names the project in its User-Agent.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urljoin

import httpx
from django.conf import settings

USER_AGENT = "AIWatch/0.1 (self-hosted AI status dashboard; +https://github.com/aiwatch)"


class FetchError(Exception):
    """A transport failure: the request did not produce a usable answer.

    `kind` is one of: timeout, dns, tls, refused, connection, too_large, redirects, blocked,
    http_status.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status_code = status_code
        self.retry_after = retry_after


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


_KEPT_HEADERS = ("etag", "last-modified", "content-type", "retry-after", "content-encoding")


def fetch(
    url: str,
    *,
    method: str = "GET",
    etag: str = "",
    last_modified: str = "",
    headers: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> FetchResult:
    """Request `url` and return the answer, whatever its status code.

    Sends If-None-Match / If-Modified-Since when validators are given (a 304 comes back as a
    result with `not_modified`). Raises FetchError for every transport failure and for bodies
    over the byte cap; never returns a partial body.
    """
    limits = limits or Limits.from_settings()
    request_headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/json, application/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    request_headers.update(headers or {})

    timeout = httpx.Timeout(
        connect=limits.connect_timeout,
        read=limits.read_timeout,
        write=limits.read_timeout,
        pool=limits.connect_timeout,
    )
    started = time.monotonic()
    deadline = started + limits.total_timeout
    current = url
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _hop in range(limits.max_redirects + 1):
            check_url(current)
            try:
                with client.stream(method, current, headers=request_headers) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    content = _read_capped(response, limits.max_bytes, deadline)
                    kept = {
                        name: response.headers[name]
                        for name in _KEPT_HEADERS
                        if name in response.headers
                    }
                    return FetchResult(
                        url=current,
                        status_code=response.status_code,
                        content=content,
                        elapsed=timedelta(seconds=time.monotonic() - started),
                        headers=kept,
                    )
            except httpx.TimeoutException as error:
                raise FetchError("timeout", f"timed out ({type(error).__name__})") from None
            except httpx.ConnectError as error:
                raise classify_connect_error(error) from None
            except httpx.HTTPError as error:
                raise FetchError("connection", f"{type(error).__name__}: {error}") from None
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
    """Like `fetch`, on a shared async client: same URL checks, limits and error kinds.

    Make the client with `async_client()`. Redirects are followed for GET and HEAD only when
    `follow_redirects` is true, and never carry `headers` to another host (they may hold a key).
    Raises FetchError; never returns a partial body.
    """
    limits = limits or Limits.from_settings()
    extra = dict(headers or {})
    request_headers = {"User-Agent": USER_AGENT, "Accept": "application/json, */*;q=0.5", **extra}
    timeout = httpx.Timeout(
        connect=limits.connect_timeout,
        read=limits.read_timeout,
        write=limits.read_timeout,
        pool=limits.total_timeout,
    )
    started = time.monotonic()
    current = url
    first_host = httpx.URL(url).host
    try:
        async with asyncio.timeout(limits.total_timeout):
            for _hop in range(limits.max_redirects + 1):
                # In a thread: the check may resolve names, which must not stall the batch.
                await asyncio.to_thread(check_url, current)
                if httpx.URL(current).host != first_host:
                    request_headers = {
                        name: value for name, value in request_headers.items() if name not in extra
                    }
                request = client.build_request(
                    method, current, headers=request_headers, content=content, timeout=timeout
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
                    body, chunk_times = await _read_capped_async(
                        response, limits.max_bytes, started
                    )
                finally:
                    await response.aclose()
                kept = {
                    name: response.headers[name]
                    for name in _KEPT_HEADERS
                    if name in response.headers
                }
                return FetchResult(
                    url=current,
                    status_code=response.status_code,
                    content=body,
                    elapsed=timedelta(seconds=time.monotonic() - started),
                    headers=kept,
                    chunk_times=chunk_times,
                )
    except TimeoutError:
        raise FetchError("timeout", "the whole answer took longer than the total timeout") from None
    except httpx.TimeoutException as error:
        raise FetchError("timeout", f"timed out ({type(error).__name__})") from None
    except httpx.ConnectError as error:
        raise classify_connect_error(error) from None
    except httpx.HTTPError as error:
        raise FetchError("connection", f"{type(error).__name__}: {error}") from None
    raise FetchError("redirects", f"more than {limits.max_redirects} redirects")


def async_client(*, max_connections: int = 20) -> httpx.AsyncClient:
    """The client `fetch_async` expects: no redirects of its own, no proxy variables."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
    )


async def _read_capped_async(
    response: httpx.Response, max_bytes: int, started: float
) -> tuple[bytes, tuple[tuple[int, float], ...]]:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError("too_large", f"body of {int(declared)} bytes exceeds {max_bytes}")
    chunks: list[bytes] = []
    times: list[tuple[int, float]] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", f"body exceeds {max_bytes} bytes")
        chunks.append(chunk)
        times.append((size, time.monotonic() - started))
    return b"".join(chunks), tuple(times)


def check_url(url: str) -> None:
    """Refuse URLs the seam must not request. Raises FetchError(kind="blocked")."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https"):
        raise FetchError("blocked", f"only http and https URLs are fetched, not {parsed.scheme!r}")
    if not parsed.host:
        raise FetchError("blocked", "the URL has no host")


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError("too_large", f"body of {int(declared)} bytes exceeds {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    # iter_bytes decompresses incrementally, so the cap also bounds gzip bombs.
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", f"body exceeds {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchError("timeout", "the whole answer took longer than the total timeout")
        chunks.append(chunk)
    return b"".join(chunks)


def classify_connect_error(error: Exception) -> FetchError:
    """Name the cause of a failed connection: DNS, TLS, refused, or other."""
    text = str(error)
    lowered = text.lower()
    # The async transport words a refusal as "All connection attempts failed": the cause
    # chain still holds the socket error that says what happened.
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return FetchError("refused", f"connection refused: {cause}")
        if isinstance(cause, socket.gaierror):
            return FetchError("dns", f"DNS lookup failed: {cause}")
        if isinstance(cause, ssl.SSLError):
            return FetchError("tls", f"TLS failed: {cause}")
        cause = cause.__cause__ or cause.__context__
    if any(
        word in lowered
        for word in (
            "name or service not known",
            "nodename nor servname",
            "temporary failure in name resolution",
            "getaddrinfo",
            "no address associated",
            "name resolution",
        )
    ):
        return FetchError("dns", f"DNS lookup failed: {text}")
    if any(word in lowered for word in ("ssl", "certificate", "tls")):
        return FetchError("tls", f"TLS failed: {text}")
    if "refused" in lowered:
        return FetchError("refused", f"connection refused: {text}")
    return FetchError("connection", f"connection failed: {text}")


def parse_retry_after(value: str) -> float | None:
    """Seconds from a Retry-After header given in seconds; None for anything else."""
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 86400))
    return None
