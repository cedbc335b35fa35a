"""The one outbound HTTP seam: every request AI Watch makes goes through `fetch` (or its async
twin `fetch_async`, which probe batches use to run many requests on one client).

It bounds everything a stranger's server could stretch: connect, read and total time, body
size (after decompression), and redirects. It sends conditional requests so an unchanged page
costs a 304, and names the project in its User-Agent.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from urllib.parse import urljoin

import certifi
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


@cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: building it loads the CA bundle (tens of ms)."""
    return ssl.create_default_context(cafile=certifi.where())


_KEPT_HEADERS = ("etag", "last-modified", "content-type", "retry-after", "content-encoding")


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
    request_headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/json, application/xml;q=0.9, */*;q=0.5",
        # Only what _Inflater decodes in bounded steps.
        "Accept-Encoding": "gzip, deflate",
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
    with httpx.Client(
        timeout=timeout, follow_redirects=False, trust_env=False, verify=tls_context()
    ) as client:
        for _hop in range(limits.max_redirects + 1):
            target = check_url(current)
            try:
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
                    body = _read_capped(response, limits.max_bytes, deadline)
                    kept = _kept_headers(response)
                    return FetchResult(
                        url=current,
                        status_code=response.status_code,
                        content=body,
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
    """Like `fetch`, on a shared async client: the same address checks, limits and error kinds.

    Make the client with `async_client()`. Every hop passes `check_url` (in a thread: it may
    block on DNS) and connects to the address it approved. Redirects are followed for GET and
    HEAD only, when `follow_redirects` is true, and never carry `headers` to another host (they
    may hold a key). Raises FetchError; never returns a partial body.
    """
    limits = limits or Limits.from_settings()
    extra = dict(headers or {})
    request_headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/json, */*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
        **extra,
    }
    timeout = httpx.Timeout(
        connect=limits.connect_timeout,
        read=limits.read_timeout,
        write=limits.read_timeout,
        pool=limits.total_timeout,
    )
    started = time.monotonic()
    current = url
    first_host = ""
    try:
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
                    timeout=timeout,
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
                    body, chunk_times = await _read_capped_async(
                        response, limits.max_bytes, started
                    )
                finally:
                    await response.aclose()
                kept = _kept_headers(response)
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
    """The client `fetch_async` expects: verifying TLS, no redirects of its own, no proxies."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        verify=tls_context(),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
    )


async def _read_capped_async(
    response: httpx.Response, max_bytes: int, started: float
) -> tuple[bytes, tuple[tuple[int, float], ...]]:
    """Like `_read_capped`; the total time is bounded by the caller's asyncio.timeout."""
    _refuse_declared_oversize(response, max_bytes)
    chunks: list[bytes] = []
    times: list[tuple[int, float]] = []
    size = 0
    async for chunk in _decoded_chunks_async(response):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", f"body exceeds {max_bytes} bytes")
        chunks.append(chunk)
        times.append((size, time.monotonic() - started))
    return b"".join(chunks), tuple(times)


# Outbound address policy -------------------------------------------------------------------
#
# A source URL is typed by an admin or comes from a catalog, and redirects come from strangers.
# Without these checks the worker could be pointed at the cloud metadata service
# (169.254.169.254), the database, Redis or anything else on the private network. Only globally
# routable addresses are reached, unless AIWATCH_OUTBOUND_ALLOW names the host or its network.

# Ports a public host may be reached on; AIWATCH_OUTBOUND_PORTS adds more.
STANDARD_PORTS = frozenset({80, 443})

# IPv6 ranges that carry an IPv4 address inside: the embedded address is checked too.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Special-purpose ranges named explicitly, so the policy does not depend on which Python
# patch release's idea of `is_global` is installed.
_SPECIAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "198.18.0.0/15",
        "240.0.0.0/4",
        "fc00::/7",
        "fec0::/10",
        "2001:db8::/32",
        "100::/64",
    )
)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order. Raises OSError on failure.

    Module-level so tests can swap the resolver; the seam connects only to what this returned.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    return addresses


def address_problem(address: str) -> str | None:
    """Why `address` must not be reached ("loopback", "private", ...), or None if it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or (ip.sixtofour) or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            problem = address_problem(str(embedded))
            if problem:
                return f"{problem} (IPv4 inside IPv6)"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    )
    for name, matched in checks:
        if matched:
            return name
    if any(ip.version == network.version and ip in network for network in _SPECIAL_NETWORKS):
        return "a special-purpose range"
    if not ip.is_global:
        # 100.64.0.0/10 (carrier-grade NAT) and other special-purpose ranges.
        return "not globally routable"
    return None


@dataclass(frozen=True, slots=True)
class AllowList:
    """AIWATCH_OUTBOUND_ALLOW parsed: exact host names and IP networks."""

    hosts: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def parse(cls, entries: list[str] | tuple[str, ...]) -> AllowList:
        hosts: set[str] = set()
        networks = []
        for entry in entries:
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    @classmethod
    def from_settings(cls) -> AllowList:
        return cls.parse(list(getattr(settings, "AIWATCH_OUTBOUND_ALLOW", [])))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        return any(ip.version == net.version and ip in net for net in self.networks)


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed the checks, and the one address the connection must go to."""

    url: httpx.URL
    host: str
    port: int
    address: str

    @property
    def connect_url(self) -> httpx.URL:
        """The URL with the checked address in place of the name: no second DNS lookup."""
        return self.url.copy_with(host=self.address)

    @property
    def host_header(self) -> str:
        default = 443 if self.url.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"

    @property
    def extensions(self) -> dict[str, str]:
        # TLS is negotiated and the certificate verified for the name, not the address.
        if self.url.scheme == "https" and not _is_ip_literal(self.host):
            return {"sni_hostname": self.host}
        return {}


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_target_url(url: str) -> tuple[httpx.URL, str, int]:
    """Scheme, host and port checks that need no DNS. Raises FetchError(kind="blocked")."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError, TypeError) as error:
        raise FetchError("blocked", f"not a valid URL: {error}") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError("blocked", f"only http and https URLs are fetched, not {parsed.scheme!r}")
    if not host:
        raise FetchError("blocked", "the URL has no host")
    if parsed.userinfo:
        raise FetchError("blocked", "URLs with a user name or password are not fetched")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return parsed, host.lower(), port


def check_addresses(
    host: str, port: int, addresses: list[str], allow: AllowList | None = None
) -> str:
    """Pick the address to connect to after checking all of them; raise FetchError("blocked").

    Every address must pass, not just the first: a name that mixes a public and a private
    address is refused rather than left to chance. Shared by the sync and async fetches.
    """
    allow = allow or AllowList.from_settings()
    if not addresses:
        raise FetchError("dns", f"DNS lookup for {host} returned no address")
    host_allowed = allow.allows_host(host)
    for address in addresses:
        if host_allowed or allow.allows_address(address):
            continue
        problem = address_problem(address)
        if problem:
            raise FetchError(
                "blocked",
                f"{host} resolves to {address}, which is {problem}; only public addresses are "
                "fetched (AIWATCH_OUTBOUND_ALLOW lists exceptions)",
            )
    listed = host_allowed or all(allow.allows_address(address) for address in addresses)
    _check_port(port, exempt=listed)
    return addresses[0]


def check_url(url: str, *, allow: AllowList | None = None) -> Target:
    """Check `url` and resolve its host once; return where to connect.

    Raises FetchError: kind "blocked" for a refused scheme, port or address, "dns" when the
    name does not resolve. Async callers run it in a thread (it may block on DNS) and then
    connect to `Target.connect_url` exactly as `fetch` does.
    """
    parsed, host, port = parse_target_url(url)
    if _is_ip_literal(host):
        addresses = [str(ipaddress.ip_address(host))]
    else:
        try:
            addresses = resolve_host(host, port)
        except (OSError, UnicodeError) as error:
            raise FetchError("dns", f"DNS lookup for {host} failed: {error}") from None
    address = check_addresses(host, port, addresses, allow)
    return Target(url=parsed, host=host, port=port, address=address)


# Names that only ever mean something inside a network: refused without a DNS lookup.
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet")


def outbound_url_problem(url: str, *, resolve: bool = True) -> str | None:
    """Why the seam would refuse `url`, in a sentence for a form or a catalog error; else None.

    With `resolve`, a name that resolves is checked address by address; a name that does not
    resolve right now is accepted (the poll records the DNS failure and retries). Without it
    (catalog loading, which must work offline) only the URL itself is judged. `fetch` checks
    again at every request either way.
    """
    try:
        _parsed, host, port = parse_target_url(url)
    except FetchError as error:
        return str(error)
    allow = AllowList.from_settings()
    if not allow.allows_host(host) and (
        host == "localhost"
        or host.endswith(_INTERNAL_SUFFIXES)
        or ("." not in host and not _is_ip_literal(host))
    ):
        return f"{host} is a local or internal name; only public hosts are polled"
    if _is_ip_literal(host):
        addresses = [str(ipaddress.ip_address(host))]
    elif resolve:
        try:
            addresses = resolve_host(host, port)
        except (OSError, UnicodeError):
            return None
    else:
        addresses = []
    try:
        if addresses:
            check_addresses(host, port, addresses, allow)
        else:
            _check_port(port, exempt=allow.allows_host(host))
    except FetchError as error:
        return str(error)
    return None


def _check_port(port: int, *, exempt: bool) -> None:
    """Public hosts only on 80, 443 and AIWATCH_OUTBOUND_PORTS; allow-listed ones on any."""
    allowed_ports = STANDARD_PORTS | frozenset(getattr(settings, "AIWATCH_OUTBOUND_PORTS", ()))
    if port not in allowed_ports and not exempt:
        raise FetchError(
            "blocked",
            f"port {port} is not allowed; only {', '.join(map(str, sorted(allowed_ports)))} "
            "(AIWATCH_OUTBOUND_PORTS adds ports, AIWATCH_OUTBOUND_ALLOW exempts a host)",
        )


# Decompressed output is produced at most this many bytes at a time, so one small compressed
# chunk can never balloon in memory before the size check sees it.
_INFLATE_STEP = 64 * 1024


class _Inflater:
    """Incremental gzip/deflate decoding with bounded output per step (no gzip bombs)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # 32 + MAX_WBITS accepts both gzip and zlib headers; a raw deflate stream is retried
        # with negative wbits on the first chunk (some servers send that for "deflate").
        self._wbits = 32 + zlib.MAX_WBITS
        self._decoder = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and self.encoding == "deflate":
            self._started = True
            try:
                probe = zlib.decompressobj(self._wbits)
                probe.decompress(data[:64], 1)
            except zlib.error:
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = True
        pending = data
        while True:
            try:
                out = self._decoder.decompress(pending, _INFLATE_STEP)
            except zlib.error as error:
                raise FetchError("connection", f"corrupt {self.encoding} body: {error}") from None
            if out:
                yield out
            pending = self._decoder.unconsumed_tail
            if self._decoder.eof and self._decoder.unused_data:
                # A second gzip member follows: decode it too.
                pending = self._decoder.unused_data + pending
                self._decoder = zlib.decompressobj(self._wbits)
            if not pending:
                return


def _inflater_for(response: httpx.Response) -> _Inflater | None:
    """The decoder the answer needs (None: not compressed); FetchError for unknown encodings."""
    encodings = [
        part.strip().lower()
        for part in response.headers.get("content-encoding", "").split(",")
        if part.strip() and part.strip().lower() != "identity"
    ]
    if not encodings:
        return None
    if len(encodings) > 1 or encodings[0] not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(
            "connection", f"unsupported Content-Encoding {response.headers['content-encoding']!r}"
        )
    return _Inflater(encodings[0])


def _decoded_chunks(response: httpx.Response) -> Iterator[bytes]:
    inflater = _inflater_for(response)
    if inflater is None:
        yield from response.iter_raw()
        return
    for raw in response.iter_raw():
        yield from inflater.feed(raw)


async def _decoded_chunks_async(response: httpx.Response) -> AsyncIterator[bytes]:
    inflater = _inflater_for(response)
    async for raw in response.aiter_raw():
        if inflater is None:
            yield raw
        else:
            for chunk in inflater.feed(raw):
                yield chunk


def _kept_headers(response: httpx.Response) -> dict[str, str]:
    return {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}


def _refuse_declared_oversize(response: httpx.Response, max_bytes: int) -> None:
    # An uncompressed body that announces more than the cap is refused before reading it; a
    # compressed one is judged by what it inflates to, while streaming.
    declared = response.headers.get("content-length", "")
    if (
        declared.isdigit()
        and int(declared) > max_bytes
        and not response.headers.get("content-encoding")
    ):
        raise FetchError("too_large", f"body of {int(declared)} bytes exceeds {max_bytes}")


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    """The body, decompressed, refused as soon as it passes `max_bytes` or the deadline.

    The cap applies to the decompressed size; compressed input is inflated in bounded steps.
    """
    _refuse_declared_oversize(response, max_bytes)
    chunks: list[bytes] = []
    size = 0
    for chunk in _decoded_chunks(response):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", f"body exceeds {max_bytes} bytes (after decompression)")
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
