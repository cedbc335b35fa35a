"""Alert channels go through the outbound address policy, and read only allowed secrets.

Apprise's HTTP services are held to it request by request (pinned to the checked address,
redirects refused); services that speak anything else are refused when saved and when sent.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from alerts import transports
from alerts.models import Channel
from alerts.transports import Message, TransportError
from probes.outbound import policy
from tests.fakeserver import FakeServer

INTERNAL_TARGETS = [
    "127.0.0.1:{port}",
    "169.254.169.254",
    "10.1.2.3:8080",
    "[::1]:{port}",
    "metadata.google.internal",
    "168.63.129.16",
]


def message() -> Message:
    return Message(
        title="T", body="B", notify_type="info", document=b"{}", key="k:1", event_type="test"
    )


@pytest.fixture
def nothing_allowed(settings):
    settings.AIWATCH_OUTBOUND_ALLOW = []


@pytest.mark.parametrize("scheme", ["json", "jsons", "form", "xml"])
@pytest.mark.parametrize("target", INTERNAL_TARGETS)
def test_a_channel_naming_an_internal_address_is_refused_when_saved(
    nothing_allowed, receiver, scheme, target
):
    url = f"{scheme}://{target.format(port=receiver.port)}/hook"
    channel = Channel(name="c", kind="apprise", url=url)
    with pytest.raises(ValidationError) as caught:
        channel.clean()
    assert "cannot be reached" in " ".join(caught.value.message_dict["url"])


@pytest.mark.parametrize("target", INTERNAL_TARGETS)
def test_a_channel_naming_an_internal_address_is_refused_when_sent(
    nothing_allowed, receiver, target
):
    url = f"json://{target.format(port=receiver.port)}/hook?-X-Injected=1"
    with pytest.raises(TransportError, match="blocked"):
        transports.send("apprise", url, message())
    assert receiver.requests == []


def test_every_request_apprise_makes_is_checked_even_for_a_name_that_looked_public(
    nothing_allowed, receiver, monkeypatch, settings
):
    settings.AIWATCH_OUTBOUND_PORTS = [receiver.port]
    # A name that passes the save-time look (a dotted public-looking name) but resolves inside.
    monkeypatch.setattr(policy, "resolve_host", lambda host, port: ["127.0.0.1"])
    url = f"json://hooks.example.com:{receiver.port}/hook"
    assert transports.check_url("apprise", url) == ""
    with pytest.raises(TransportError, match=r"blocked.*127\.0\.0\.1.*loopback"):
        transports.send("apprise", url, message())
    assert receiver.requests == []


def test_apprise_connects_to_the_address_that_was_checked(receiver, settings, monkeypatch):
    # The name does not resolve for anyone but the policy: reaching the server proves the
    # connection went to the checked address, with the name kept as the Host header.
    settings.AIWATCH_OUTBOUND_ALLOW = [f"127.0.0.1:{receiver.port}"]
    lookups = []

    def resolve(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(policy, "resolve_host", resolve)
    transports.send("apprise", f"json://hooks.nowhere.invalid:{receiver.port}/hook", message())
    (seen,) = receiver.requests
    assert seen.headers["Host"] == f"hooks.nowhere.invalid:{receiver.port}"
    assert json.loads(seen.body)["title"] == "T"
    assert lookups == ["hooks.nowhere.invalid"]


def test_an_allow_list_port_is_kept_by_apprise_too(receiver, settings):
    with FakeServer() as other:
        other.set("/hook", b"{}")
        settings.AIWATCH_OUTBOUND_ALLOW = [f"127.0.0.1:{receiver.port}"]
        transports.send("apprise", f"json://127.0.0.1:{receiver.port}/hook", message())
        with pytest.raises(TransportError, match="blocked"):
            transports.send("apprise", f"json://127.0.0.1:{other.port}/hook", message())
        assert other.requests == []


def test_a_redirect_to_another_loopback_port_is_not_followed(receiver, settings):
    with FakeServer() as other:
        other.set("/inside", b"{}")
        settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
        receiver.set("/hook", status=307, headers={"Location": other.url("/inside")})
        with pytest.raises(TransportError, match="redirect"):
            transports.send("apprise", f"json://127.0.0.1:{receiver.port}/hook", message())
        assert len(receiver.requests) == 1
        assert other.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "mailto://user:pass@127.0.0.1:2525",
        "mailtos://user:pass@smtp.example.com",
        "mqtt://127.0.0.1:1883/topic",
        "xmpp://user:pass@chat.example.com",
        "rsyslog://127.0.0.1",
        "irc://bot@irc.example.com/#ops",
        "growl://127.0.0.1",
    ],
)
def test_services_that_are_not_plain_http_are_refused_with_the_reason(url):
    problem = transports.check_url("apprise", url)
    assert "does not send over HTTP alone" in problem
    with pytest.raises(TransportError, match="does not send over HTTP alone"):
        transports.send("apprise", url, message())


@pytest.mark.parametrize(
    "url",
    [
        "slack://T0000/B0000/XXXXXXXX/#ops",
        "discord://123456/abcdef",
        "ntfy://ntfy.sh/aiwatch",
        "tgram://123456789:AAAAAAAA/12345",
        "workflows://prod-01.westus.logic.azure.com:443/workflow1/signature",
        "json://hooks.example.com/aiwatch",
    ],
)
def test_http_services_can_be_saved(url):
    assert transports.check_url("apprise", url) == ""


@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_a_channel_url_never_substitutes_the_servers_settings(
    receiver, monkeypatch, name, settings
):
    monkeypatch.setenv(name, "the-servers-own-value")
    settings.AIWATCH_SECRET_ENV_ALLOW = [name]
    url = f"json://127.0.0.1:{receiver.port}/hook?token=${{{name}}}"
    assert "server's own configuration" in transports.check_url("apprise", url)
    with pytest.raises(TransportError, match="server's own configuration"):
        transports.send("apprise", url, message())
    webhook = receiver.url("/hook") + f"?token=${{{name}}}"
    with pytest.raises(TransportError, match="server's own configuration"):
        transports.send("webhook", webhook, message())
    assert receiver.requests == []


def test_a_channel_url_substitutes_listed_and_prefixed_variables(receiver, monkeypatch, settings):
    monkeypatch.setenv("TEAM_HOOK_PATH", "listed")
    monkeypatch.setenv("AIWATCH_SECRET_HOOK_TOKEN", "prefixed")
    monkeypatch.setenv("UNLISTED_TOKEN", "unlisted")
    settings.AIWATCH_SECRET_ENV_ALLOW = ["TEAM_HOOK_PATH"]
    receiver.set("/listed/prefixed", b"{}")
    url = f"json://127.0.0.1:{receiver.port}/${{TEAM_HOOK_PATH}}/${{AIWATCH_SECRET_HOOK_TOKEN}}"
    transports.send("apprise", url, message())
    assert receiver.requests[0].path == "/listed/prefixed"
    with pytest.raises(TransportError, match="AIWATCH_SECRET_ENV_ALLOW"):
        transports.send(
            "apprise", f"json://127.0.0.1:{receiver.port}/${{UNLISTED_TOKEN}}", message()
        )
    assert len(receiver.requests) == 1
