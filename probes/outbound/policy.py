"""The outbound address policy: which hosts, addresses and ports AI Watch may reach.

A source URL is typed by an admin or comes from a catalog, and redirects come from strangers.
Without these checks the worker could be pointed at the cloud metadata service
(169.254.169.254), the database, Redis or anything else on the private network. Only globally
routable addresses are reached, unless AIWATCH_OUTBOUND_ALLOW names the host or its network
(optionally with a scheme and a port), and a redirect from a public address never leads into
an allowed private one.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import httpx
from django.conf import settings

from probes.outbound.errors import FetchError

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
# Cloud platform services on addresses that look public: Azure's WireServer (the host agent
# and its instance metadata) answers every VM on 168.63.129.16.
_PLATFORM_ADDRESSES = frozenset({ipaddress.ip_address("168.63.129.16")})


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
    if ip in _PLATFORM_ADDRESSES:
        return "a cloud platform service address"
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
class AllowEntry:
    """One AIWATCH_OUTBOUND_ALLOW entry: a host name or a network, optionally a scheme and port.

    `models.lan`, `127.0.0.1:11434`, `http://10.0.0.0/8`, `https://[fd00::5]:8443`. An entry
    without a port allows every port of that host; one with a port allows only that port.
    """

    host: str = ""
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    port: int | None = None
    scheme: str | None = None

    @classmethod
    def parse(cls, entry: str) -> AllowEntry:
        """Raises ValueError for an entry that cannot mean anything."""
        text = entry.strip().lower()
        scheme = None
        if "://" in text:
            scheme, text = text.split("://", 1)
            if scheme not in ("http", "https"):
                raise ValueError(f"{entry!r}: only http:// or https:// may be named")
        text = text.rstrip("/")
        port: int | None = None
        if text.startswith("["):
            inside, _, rest = text[1:].partition("]")
            text = inside
            if rest:
                port = _entry_port(entry, rest.removeprefix(":"))
        elif text.count(":") == 1:
            text, port_text = text.split(":")
            port = _entry_port(entry, port_text)
        if not text:
            raise ValueError(f"{entry!r} names no host")
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return cls(host=text.rstrip("."), port=port, scheme=scheme)
        return cls(network=network, port=port, scheme=scheme)

    def matches(self, *, host: str, address: str, port: int | None, scheme: str | None) -> bool:
        if self.port is not None and port is not None and self.port != port:
            return False
        if self.scheme is not None and scheme is not None and self.scheme != scheme:
            return False
        if self.host:
            return bool(host) and host.lower().rstrip(".") == self.host
        ip = _plain_ip(address)
        return ip is not None and self.network is not None and ip in self.network


def _entry_port(entry: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{entry!r}: {text!r} is not a port")
    return int(text)


def _plain_ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True, slots=True)
class AllowList:
    """AIWATCH_OUTBOUND_ALLOW parsed: host names and IP networks, each maybe with scheme/port."""

    entries: tuple[AllowEntry, ...]

    @classmethod
    def parse(cls, entries: list[str] | tuple[str, ...]) -> AllowList:
        """Raises ValueError naming an entry that cannot be read (aiwatch.checks reports it)."""
        return cls(tuple(AllowEntry.parse(entry) for entry in entries if entry.strip()))

    @classmethod
    def from_settings(cls) -> AllowList:
        """The configured list; a misread entry refuses every request, naming the entry."""
        try:
            return cls.parse(list(getattr(settings, "AIWATCH_OUTBOUND_ALLOW", [])))
        except ValueError as error:
            raise FetchError("blocked", f"AIWATCH_OUTBOUND_ALLOW: {error}") from None

    def allows_host(self, host: str, port: int | None = None, scheme: str | None = None) -> bool:
        """True when an entry names `host` (on `port` and `scheme`, when given)."""
        return any(
            entry.host and entry.matches(host=host, address="", port=port, scheme=scheme)
            for entry in self.entries
        )

    def allows_address(
        self, address: str, port: int | None = None, scheme: str | None = None
    ) -> bool:
        """True when an entry's network holds `address` (on `port` and `scheme`, when given)."""
        return any(
            entry.network is not None
            and entry.matches(host="", address=address, port=port, scheme=scheme)
            for entry in self.entries
        )


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed the checks, and the one address the connection must go to."""

    url: httpx.URL
    host: str
    port: int
    address: str
    # True when the address is not public and only AIWATCH_OUTBOUND_ALLOW let it through.
    exempted: bool = False

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
    host: str,
    port: int,
    addresses: list[str],
    allow: AllowList | None = None,
    *,
    scheme: str | None = None,
    public_only: bool = False,
) -> tuple[str, bool]:
    """Pick the address to connect to after checking all of them; raise FetchError("blocked").

    Every address must pass, not just the first: a name that mixes a public and a private
    address is refused rather than left to chance. Returns the address and whether the
    allow-list was needed to let it through. With `public_only` the allow-list is ignored: a
    redirect from a public page may not lead into an allowed private address. Shared by the
    sync and async fetches.
    """
    allow = allow or AllowList.from_settings()
    if not addresses:
        raise FetchError("dns", f"DNS lookup for {host} returned no address")
    host_allowed = not public_only and allow.allows_host(host, port, scheme)
    exempted = False
    for address in addresses:
        problem = address_problem(address)
        if not problem:
            continue
        if host_allowed or (not public_only and allow.allows_address(address, port, scheme)):
            exempted = True
            continue
        if public_only and (allow.allows_host(host) or allow.allows_address(address)):
            raise FetchError(
                "blocked",
                f"a redirect from a public address may not lead to {host} ({address}, "
                f"{problem}), even though AIWATCH_OUTBOUND_ALLOW lists it",
            )
        hint = (
            f"AIWATCH_OUTBOUND_ALLOW lists it, but not for {scheme or 'this scheme'} on port {port}"
            if allow.allows_host(host) or allow.allows_address(address)
            else "AIWATCH_OUTBOUND_ALLOW lists exceptions"
        )
        raise FetchError(
            "blocked",
            f"{host} resolves to {address}, which is {problem}; only public addresses are "
            f"fetched ({hint})",
        )
    listed = host_allowed or (
        not public_only
        and all(allow.allows_address(address, port, scheme) for address in addresses)
    )
    _check_port(port, exempt=listed)
    return addresses[0], exempted


def check_url(url: str, *, allow: AllowList | None = None, public_only: bool = False) -> Target:
    """Check `url` and resolve its host once; return where to connect.

    Raises FetchError: kind "blocked" for a refused scheme, port or address, "dns" when the
    name does not resolve. Async callers run it in a thread (it may block on DNS) and then
    connect to `Target.connect_url` exactly as `fetch` does. `public_only`: see
    `check_addresses`; the fetches pass it for every redirect hop after a public first hop.
    """
    parsed, host, port = parse_target_url(url)
    allow = allow or AllowList.from_settings()
    if _is_ip_literal(host):
        addresses = [str(ipaddress.ip_address(host))]
    else:
        if _is_internal_name(host) and (
            public_only or not allow.allows_host(host, port, parsed.scheme)
        ):
            raise FetchError("blocked", f"{host} is a local or internal name; it is not fetched")
        try:
            addresses = resolve_host(host, port)
        except (OSError, UnicodeError) as error:
            raise FetchError("dns", f"DNS lookup for {host} failed: {error}") from None
    address, exempted = check_addresses(
        host, port, addresses, allow, scheme=parsed.scheme, public_only=public_only
    )
    return Target(url=parsed, host=host, port=port, address=address, exempted=exempted)


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
        parsed, host, port = parse_target_url(url)
    except FetchError as error:
        return str(error)
    try:
        allow = AllowList.from_settings()
    except FetchError as error:
        return str(error)
    if not allow.allows_host(host, port, parsed.scheme) and _is_internal_name(host):
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
            check_addresses(host, port, addresses, allow, scheme=parsed.scheme)
        else:
            _check_port(port, exempt=allow.allows_host(host, port, parsed.scheme))
    except FetchError as error:
        return str(error)
    return None


def _is_internal_name(host: str) -> bool:
    return (
        host == "localhost"
        or host.endswith(_INTERNAL_SUFFIXES)
        or ("." not in host and not _is_ip_literal(host))
    )


def _check_port(port: int, *, exempt: bool) -> None:
    """Public hosts only on 80, 443 and AIWATCH_OUTBOUND_PORTS; allow-listed ones on any."""
    allowed_ports = STANDARD_PORTS | frozenset(getattr(settings, "AIWATCH_OUTBOUND_PORTS", ()))
    if port not in allowed_ports and not exempt:
        raise FetchError(
            "blocked",
            f"port {port} is not allowed; only {', '.join(map(str, sorted(allowed_ports)))} "
            "(AIWATCH_OUTBOUND_PORTS adds ports, AIWATCH_OUTBOUND_ALLOW exempts a host)",
        )
