"""The outbound address policy: which hosts, addresses and ports AI Watch may reach.

A source URL is typed by an admin or comes from a catalog, and redirects come from strangers.
Without these checks the worker could be pointed at the cloud metadata service
(169.254.169.254), the database, Redis or anything else on the private network. Only globally
routable addresses are reached, unless AIWATCH_OUTBOUND_ALLOW names the host or its network.
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
