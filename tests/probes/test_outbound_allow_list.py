"""The allow-list takes ports and schemes, and a redirect never leads from public into private.

Also: platform addresses that look public (Azure's WireServer) are refused with the others.
"""

from __future__ import annotations

import pytest

from probes.outbound import AllowList, FetchError, check_url, fetch, outbound_url_problem, policy
from tests.fakeserver import FakeServer


@pytest.fixture
def second_server():
    with FakeServer() as server:
        server.set("/other", b'{"other": true}')
        yield server


def test_an_entry_with_a_port_allows_that_port_only(status_server, second_server, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = [f"127.0.0.1:{status_server.port}"]
    status_server.set("/s.json", b"{}")
    assert fetch(status_server.url("/s.json")).status_code == 200
    with pytest.raises(FetchError) as caught:
        fetch(second_server.url("/other"))
    assert caught.value.kind == "blocked"
    assert f"port {second_server.port}" in str(caught.value)
    assert second_server.requests == []


def test_a_redirect_from_the_allowed_port_cannot_reach_another_port(
    status_server, second_server, settings
):
    settings.AIWATCH_OUTBOUND_ALLOW = [f"127.0.0.1:{status_server.port}"]
    status_server.set("/start", status=302, headers={"Location": second_server.url("/other")})
    with pytest.raises(FetchError) as caught:
        fetch(status_server.url("/start"))
    assert caught.value.kind == "blocked"
    assert second_server.requests == []


def test_an_entry_with_a_scheme_allows_that_scheme_only(status_server, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = ["https://127.0.0.1"]
    status_server.set("/s.json", b"{}")
    with pytest.raises(FetchError, match="loopback"):
        fetch(status_server.url("/s.json"))
    assert status_server.requests == []
    settings.AIWATCH_OUTBOUND_ALLOW = [f"http://127.0.0.1:{status_server.port}"]
    assert fetch(status_server.url("/s.json")).status_code == 200


def test_a_redirect_from_a_public_page_may_not_enter_an_allowed_private_address(
    status_server, settings, monkeypatch
):
    # The status server on 127.0.0.1 stands in for a public page; the allowed private service
    # listens on 127.0.0.2, another loopback address.
    real_problem = policy.address_problem
    monkeypatch.setattr(
        policy, "address_problem", lambda a: None if a == "127.0.0.1" else real_problem(a)
    )
    settings.AIWATCH_OUTBOUND_PORTS = [status_server.port]
    with FakeServer(host="127.0.0.2") as inside:
        inside.set("/admin", b"{}")
        settings.AIWATCH_OUTBOUND_ALLOW = [f"127.0.0.2:{inside.port}"]
        status_server.set("/start", status=302, headers={"Location": inside.url("/admin")})
        with pytest.raises(FetchError, match="redirect from a public address") as caught:
            fetch(status_server.url("/start"))
        assert caught.value.kind == "blocked"
        assert inside.requests == []
        # Reached directly, the allowed service answers.
        assert fetch(inside.url("/admin")).status_code == 200


def test_a_redirect_between_allowed_private_addresses_still_works(status_server, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = [f"127.0.0.1:{status_server.port}"]
    status_server.set("/a", status=302, headers={"Location": "/b"})
    status_server.set("/b", b'{"b": 1}')
    assert fetch(status_server.url("/a")).content == b'{"b": 1}'


@pytest.mark.parametrize(
    ("entry", "url", "allowed"),
    [
        ("127.0.0.1:11434", "http://127.0.0.1:11434/api/tags", True),
        ("127.0.0.1:11434", "http://127.0.0.1:6379/", False),
        ("127.0.0.1", "http://127.0.0.1:6379/", True),
        ("[::1]:8080", "http://[::1]:8080/", True),
        ("[::1]:8080", "http://[::1]:8081/", False),
        ("10.0.0.0/8", "http://10.1.2.3:9000/", True),
        ("http://10.0.0.0/8", "https://10.1.2.3/", False),
        ("https://models.lan:8443", "https://models.lan:8443/v1", True),
        ("https://models.lan:8443", "http://models.lan:8443/v1", False),
    ],
)
def test_entries_are_matched_on_host_port_and_scheme(entry, url, allowed, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = [entry]
    assert (outbound_url_problem(url, resolve=False) is None) is allowed


def test_an_unreadable_entry_is_named(settings):
    with pytest.raises(ValueError, match="not a port"):
        AllowList.parse(["127.0.0.1:http"])
    settings.AIWATCH_OUTBOUND_ALLOW = ["ftp://127.0.0.1"]
    assert "AIWATCH_OUTBOUND_ALLOW" in (outbound_url_problem("https://example.com/") or "")


def test_azure_wireserver_is_refused_written_or_resolved(monkeypatch, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = []
    assert policy.address_problem("168.63.129.16") == "a cloud platform service address"
    with pytest.raises(FetchError, match="cloud platform"):
        check_url("http://168.63.129.16/machine/?comp=goalstate")
    monkeypatch.setattr(policy, "resolve_host", lambda host, port: ["168.63.129.16"])
    with pytest.raises(FetchError, match="cloud platform"):
        check_url("http://wireserver.example.com/")
    assert "cloud platform" in (outbound_url_problem("http://168.63.129.16/") or "")
