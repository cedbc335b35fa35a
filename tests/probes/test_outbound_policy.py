"""SSRF: the seam reaches only public addresses, the ones it checked, on every redirect hop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from probes import outbound
from probes.catalog import CatalogError, load_catalog_file, read_catalog, sync_catalog
from probes.models import Source
from probes.outbound import AllowList, FetchError, check_url, fetch, outbound_url_problem, policy

# Addresses that must never be reached, with what makes each one internal.
BLOCKED_ADDRESSES = [
    "127.0.0.1",  # loopback
    "127.1.2.3",
    "10.0.0.1",  # RFC 1918
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.0.1",
    "192.168.255.254",
    "169.254.169.254",  # cloud metadata service
    "169.254.0.1",  # link-local
    "100.64.0.1",  # carrier-grade NAT
    "100.127.255.254",
    "0.0.0.0",  # unspecified
    "0.1.2.3",  # "this network"
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "192.0.0.8",  # IETF protocol assignments
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",  # IPv6 loopback
    "::",  # IPv6 unspecified
    "fc00::1",  # unique-local
    "fd12:3456:789a::1",
    "fe80::1",  # link-local
    "fec0::1",  # site-local (deprecated)
    "ff02::1",  # multicast
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.64.0.1",
    "2002:7f00:1::1",  # 6to4 wrapping 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 wrapping 169.254.169.254
    "64:ff9b::a9fe:a9fe",  # NAT64 wrapping 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
    "2001:db8::1",  # documentation
    "100::1",  # discard-only
]

PUBLIC_ADDRESSES = ["104.18.0.1", "151.101.1.1", "8.8.8.8", "2606:4700::1111", "2a00:1450::1"]


@pytest.fixture(autouse=True)
def no_allow_list(settings):
    # The suite allow-lists 127.0.0.1 for its local servers; these tests need the real policy.
    settings.AIWATCH_OUTBOUND_ALLOW = []
    settings.AIWATCH_OUTBOUND_PORTS = []


@pytest.fixture
def resolver(monkeypatch) -> Callable[[dict[str, list[str] | list[list[str]]]], list[str]]:
    """Swap DNS for a table: host -> addresses, or host -> one answer per lookup in turn."""
    lookups: list[str] = []

    def install(table: dict[str, list[str] | list[list[str]]]) -> list[str]:
        answers = {host: list(value) for host, value in table.items()}

        def resolve(host: str, port: int) -> list[str]:
            lookups.append(host)
            if host not in answers:
                raise OSError(-2, "Name or service not known")
            value = answers[host]
            if value and isinstance(value[0], list):
                return value.pop(0) if len(value) > 1 else value[0]  # type: ignore[return-value]
            return value  # type: ignore[return-value]

        monkeypatch.setattr(policy, "resolve_host", resolve)
        return lookups

    return install


@pytest.mark.parametrize("address", BLOCKED_ADDRESSES)
def test_it_refuses_a_name_that_resolves_to_an_internal_address(resolver, address):
    resolver({"status.example.com": [address]})
    with pytest.raises(FetchError) as caught:
        check_url("https://status.example.com/api/v2/summary.json")
    assert caught.value.kind == "blocked"
    assert address in str(caught.value)


@pytest.mark.parametrize("address", BLOCKED_ADDRESSES)
def test_it_refuses_an_internal_address_written_in_the_url(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchError) as caught:
        check_url(f"http://{host}/latest/meta-data/")
    assert caught.value.kind == "blocked"


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/",  # ... as hex
        "http://0177.0.0.1/",  # ... in octal
        "http://127.1/",  # ... shortened
        "http://0/",  # 0.0.0.0
    ],
)
def test_it_refuses_loopback_in_disguise(url):
    # The real resolver: these never leave the machine, and the answer is what gets checked.
    with pytest.raises(FetchError) as caught:
        check_url(url)
    assert caught.value.kind == "blocked"


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_it_lets_public_addresses_through(resolver, address):
    resolver({"status.example.com": [address]})
    target = check_url("https://status.example.com/api/v2/summary.json")
    assert target.address == address


def test_it_refuses_a_name_with_one_public_and_one_private_address(resolver):
    resolver({"mixed.example.com": ["104.18.0.1", "10.0.0.5"]})
    with pytest.raises(FetchError, match=r"10\.0\.0\.5"):
        check_url("https://mixed.example.com/")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://status.example.com/summary.json",
        "gopher://status.example.com:70/_",
        "dict://status.example.com:11211/stat",
        "javascript:alert(1)",
        "data:application/json,{}",
        "ldap://status.example.com/",
        "http:///no-host",
        "https://user:secret@status.example.com/",
        "http://[::1/",
    ],
)
def test_it_refuses_urls_that_are_not_plain_http(url):
    with pytest.raises(FetchError) as caught:
        check_url(url)
    assert caught.value.kind == "blocked"


@pytest.mark.parametrize("port", [22, 25, 2375, 5432, 6379, 8080, 9200, 11211])
def test_it_refuses_public_hosts_on_other_ports(resolver, port):
    resolver({"status.example.com": ["104.18.0.1"]})
    with pytest.raises(FetchError, match=f"port {port}"):
        check_url(f"http://status.example.com:{port}/")


def test_a_configured_port_is_allowed(resolver, settings):
    settings.AIWATCH_OUTBOUND_PORTS = [8443]
    resolver({"status.example.com": ["104.18.0.1"]})
    assert check_url("https://status.example.com:8443/").port == 8443


def test_the_allow_list_lets_a_named_host_through_on_any_port(resolver, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = ["models.lan"]
    resolver({"models.lan": ["192.168.1.20"]})
    assert check_url("http://models.lan:11434/api/tags").address == "192.168.1.20"


def test_the_allow_list_takes_networks(resolver, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = ["10.20.0.0/16"]
    resolver({"a.example.com": ["10.20.3.4"], "b.example.com": ["10.21.0.1"]})
    assert check_url("http://a.example.com:8000/").address == "10.20.3.4"
    with pytest.raises(FetchError):
        check_url("http://b.example.com/")


def test_it_names_a_dns_failure_as_such(resolver):
    resolver({})
    with pytest.raises(FetchError) as caught:
        check_url("https://nothing.invalid/")
    assert caught.value.kind == "dns"


def test_a_request_to_a_refused_address_never_leaves_the_process(status_server):
    status_server.set("/s.json", b"{}")
    with pytest.raises(FetchError) as caught:
        fetch(status_server.url("/s.json"))
    assert caught.value.kind == "blocked"
    assert status_server.requests == []


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]:6379/",
        "http://[::ffff:169.254.169.254]/",
        "http://100.64.0.1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "http://internal.example.com/",  # resolves to a private address (stub below)
    ],
)
def test_it_rechecks_every_redirect_hop(status_server, settings, resolver, location):
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    resolver({"internal.example.com": ["192.168.10.10"]})
    status_server.set("/start", status=302, headers={"Location": location})
    with pytest.raises(FetchError) as caught:
        fetch(status_server.url("/start"))
    assert caught.value.kind == "blocked"
    assert [r.path for r in status_server.requests] == ["/start"]


def test_a_redirect_loop_ends_as_a_redirects_error(status_server, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    status_server.set("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError) as caught:
        fetch(status_server.url("/loop"))
    assert caught.value.kind == "redirects"


def test_the_connection_goes_to_the_checked_address_even_if_dns_changes_its_mind(
    status_server, settings, resolver
):
    # DNS rebinding: the first answer passes the check, a second would point inside. The seam
    # looks the name up once per hop and connects to that answer, with the name as Host.
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    lookups = resolver({"rebind.example.com": [["127.0.0.1"], ["169.254.169.254"]]})
    status_server.set("/s.json", b'{"ok": true}')
    result = fetch(f"http://rebind.example.com:{status_server.port}/s.json")
    assert result.content == b'{"ok": true}'
    assert lookups == ["rebind.example.com"]
    assert status_server.requests[0].headers["Host"] == f"rebind.example.com:{status_server.port}"
    # The next lookup of the same name would have been refused.
    with pytest.raises(FetchError, match=r"169\.254\.169\.254"):
        check_url(f"http://rebind.example.com:{status_server.port}/s.json")


def test_a_rebinding_redirect_to_the_same_name_is_checked_again(status_server, settings, resolver):
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    lookups = resolver({"rebind.example.com": [["127.0.0.1"], ["10.0.0.1"]]})
    status_server.set("/a", status=302, headers={"Location": "/b"})
    status_server.set("/b", b"{}")
    with pytest.raises(FetchError, match=r"10\.0\.0\.1"):
        fetch(f"http://rebind.example.com:{status_server.port}/a")
    assert lookups == ["rebind.example.com", "rebind.example.com"]
    assert [r.path for r in status_server.requests] == ["/a"]


def test_https_is_negotiated_for_the_name_not_the_address(resolver):
    resolver({"status.example.com": ["104.18.0.1"]})
    target = check_url("https://status.example.com/api")
    assert str(target.connect_url) == "https://104.18.0.1/api"
    assert target.extensions == {"sni_hostname": "status.example.com"}
    assert target.host_header == "status.example.com"


def test_ipv6_targets_are_bracketed(resolver):
    resolver({"v6.example.com": ["2606:4700::1111"]})
    target = check_url("http://v6.example.com/x")
    assert str(target.connect_url) == "http://[2606:4700::1111]/x"


def test_every_shipped_catalog_url_passes(resolver, settings):
    # No internet here: each catalog host resolves (by stub) to a public address, and every
    # source URL must pass the same checks a real poll makes. Zero false blocks.
    catalog = load_catalog_file(settings.AIWATCH_CATALOG_PATH)
    urls = [source.url for entry in catalog.providers for source in entry.sources]
    urls += [entry.url for entry in catalog.providers if entry.url]
    assert urls
    hosts = {outbound.parse_target_url(url)[1] for url in urls}
    resolver({host: ["104.18.0.1", "2606:4700::1111"] for host in hosts})
    for url in urls:
        assert check_url(url).address == "104.18.0.1", url
        assert outbound_url_problem(url, resolve=True) is None, url
        assert outbound_url_problem(url, resolve=False) is None, url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://localhost:8000/status", "local or internal name"),
        ("http://redis:6379/", "local or internal name"),
        ("http://metadata.google.internal/", "local or internal name"),
        ("http://169.254.169.254/latest/", "link-local"),
        ("http://[fd00::1]/", "private"),
        ("ftp://status.example.com/", "only http and https"),
        ("https://status.example.com:6379/", "port 6379"),
    ],
)
def test_the_url_validator_explains_what_is_wrong(url, words):
    problem = outbound_url_problem(url, resolve=False)
    assert problem is not None
    assert words in problem


def test_the_url_validator_checks_what_a_name_resolves_to(resolver):
    resolver({"sneaky.example.com": ["10.1.2.3"]})
    assert "private" in (outbound_url_problem("https://sneaky.example.com/", resolve=True) or "")
    assert outbound_url_problem("https://sneaky.example.com/", resolve=False) is None


def test_the_url_validator_accepts_a_name_that_does_not_resolve_right_now(resolver):
    resolver({})
    assert outbound_url_problem("https://status.example.com/api/v2/summary.json") is None


def test_allow_list_parsing_takes_hosts_addresses_and_networks():
    allow = AllowList.parse(["Models.LAN.", "127.0.0.1", "10.0.0.0/8", "[::1]", " "])
    assert allow.allows_host("models.lan")
    assert allow.allows_address("127.0.0.1")
    assert allow.allows_address("::ffff:127.0.0.1")
    assert allow.allows_address("10.9.8.7")
    assert allow.allows_address("::1")
    assert not allow.allows_address("127.0.0.2")


def test_the_source_form_refuses_an_internal_url_with_the_reason():
    source = Source(url="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ValidationError) as caught:
        source.clean()
    message = caught.value.message_dict["url"][0]
    assert message.startswith("This URL cannot be polled:")
    assert "link-local" in message


def test_the_source_form_accepts_a_public_url(resolver):
    resolver({"status.example.com": ["104.18.0.1"]})
    Source(url="https://status.example.com/api/v2/summary.json").clean()


@pytest.mark.django_db
def test_the_catalog_refuses_an_internal_url_naming_the_entry():
    text = """
[[provider]]
slug = "inside"
name = "Inside"
url = "https://inside.example.com"
category = "model_api"
[[provider.source]]
url = "http://10.0.0.5:8080/api/v2/summary.json"
"""
    with pytest.raises(CatalogError, match=r"provider 'inside' source #1: url .* cannot be polled"):
        sync_catalog(read_catalog(text))


async def _fetch_async(url: str) -> outbound.FetchResult:
    async with outbound.async_client() as client:
        return await outbound.fetch_async(client, url)


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/", "file:///etc/passwd"],
)
def test_the_async_fetch_refuses_internal_addresses_too(url):
    with pytest.raises(FetchError) as caught:
        asyncio.run(_fetch_async(url))
    assert caught.value.kind == "blocked"


def test_the_async_fetch_rechecks_redirects_and_pins_the_address(status_server, settings, resolver):
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    lookups = resolver({"rebind.example.com": [["127.0.0.1"], ["169.254.169.254"]]})
    status_server.set("/a", status=302, headers={"Location": "/b"})
    with pytest.raises(FetchError, match=r"169\.254\.169\.254"):
        asyncio.run(_fetch_async(f"http://rebind.example.com:{status_server.port}/a"))
    assert lookups == ["rebind.example.com", "rebind.example.com"]
    assert [r.path for r in status_server.requests] == ["/a"]
    assert status_server.requests[0].headers["Host"] == f"rebind.example.com:{status_server.port}"
