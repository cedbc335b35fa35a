"""Secrets sent out: only allowed variables are read, and a key is never stored or logged."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from probes.catalog import CatalogError, read_catalog, sync_catalog
from probes.models import ProbeResult, Provider, Source
from probes.observe.probing import run_probes
from probes.outbound import SecretError, read_secret, redact, secret_name_problem

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
KEY = "sk_live_echoed_key_0123456789"
SERVER_SETTINGS = ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_X"]


@pytest.mark.parametrize("name", SERVER_SETTINGS)
def test_the_servers_own_settings_are_never_readable_even_when_listed(name, settings):
    settings.AIWATCH_SECRET_ENV_ALLOW = [name]
    problem = secret_name_problem(name)
    assert problem is not None
    assert "server's own configuration" in problem
    with pytest.raises(SecretError):
        read_secret(name, {name: "value"})


def test_only_the_prefix_and_listed_names_are_readable(settings):
    settings.AIWATCH_SECRET_ENV_ALLOW = ["OPENAI_API_KEY"]
    assert secret_name_problem("AIWATCH_SECRET_SLACK") is None
    assert secret_name_problem("OPENAI_API_KEY") is None
    assert "AIWATCH_SECRET_ENV_ALLOW" in (secret_name_problem("HOME_TOKEN") or "")
    assert read_secret("OPENAI_API_KEY", {"OPENAI_API_KEY": "k"}) == "k"


def test_redaction_covers_the_url_encoded_form():
    assert redact("got a/b+c and a%2Fb%2Bc", ["a/b+c"]) == "got *** and ***"


def inference(url: str, *, api_key_env: str) -> Source:
    provider, _ = Provider.objects.get_or_create(slug="example", defaults={"name": "Example AI"})
    return Source.objects.create(
        provider=provider,
        url=url,
        kind="inference",
        api_shape="openai",
        model="tiny-model",
        max_tokens=1,
        api_key_env=api_key_env,
        timeout_seconds=2.0,
    )


def run_one(source: Source) -> ProbeResult:
    return run_probes([source], now=NOW)[0].result


@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_an_inference_probe_never_sends_the_servers_settings(status_server, monkeypatch, name):
    monkeypatch.setenv(name, "the-servers-own-value")
    status_server.set("/v1/chat/completions", b"{}")
    result = run_one(inference(status_server.url("/v1/chat/completions"), api_key_env=name))
    assert (result.verdict, result.error_class) == ("inconclusive", "no_key")
    assert "server's own configuration" in result.message
    assert status_server.requests == []


def test_the_admin_form_refuses_such_a_key_variable():
    source = Source(
        provider=Provider.objects.create(slug="p", name="P"),
        url="https://api.openai.com/v1/chat/completions",
        kind="inference",
        api_shape="openai",
        model="m",
        api_key_env="SECRET_KEY",
    )
    with pytest.raises(ValidationError) as caught:
        source.full_clean()
    assert "server's own configuration" in " ".join(caught.value.message_dict["api_key_env"])


def test_the_catalog_refuses_such_a_key_variable():
    text = """
[[provider]]
slug = "p"
name = "P"
category = "local"

[[provider.source]]
kind = "inference"
url = "https://api.openai.com/v1/chat/completions"
api_shape = "openai"
model = "m"
api_key_env = "DATABASE_URL"
"""
    with pytest.raises(CatalogError, match=r"api_key_env.*DATABASE_URL .*server's own"):
        sync_catalog(read_catalog(text))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"error": {"type": KEY, "message": f"bad key {KEY}"}}),
        (400, {"error": {"code": KEY}}),
    ],
)
def test_a_key_echoed_in_an_error_is_never_stored_or_logged(
    status_server, monkeypatch, caplog, status, body
):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_KEY", KEY)
    status_server.set("/v1/chat/completions", json.dumps(body).encode(), status=status)
    with caplog.at_level(logging.DEBUG):
        result = run_one(
            inference(
                status_server.url("/v1/chat/completions"), api_key_env="AIWATCH_SECRET_TEST_KEY"
            )
        )
    assert status_server.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    stored = ProbeResult.objects.get(pk=result.pk)
    assert stored.message.startswith(f"HTTP {status}")
    assert KEY not in stored.message
    assert "***" in stored.message
    assert KEY not in caplog.text


def test_a_key_echoed_as_a_stream_error_is_never_stored(status_server, monkeypatch):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_KEY", KEY)
    stream = (
        b"event: error\ndata: "
        + json.dumps({"type": "error", "error": {"type": KEY}}).encode()
        + b"\n\n"
    )
    status_server.set("/v1/messages", stream, headers={"Content-Type": "text/event-stream"})
    provider = Provider.objects.create(slug="a", name="A")
    source = Source.objects.create(
        provider=provider,
        url=status_server.url("/v1/messages"),
        kind="inference",
        api_shape="anthropic",
        model="m",
        max_tokens=1,
        stream=True,
        api_key_env="AIWATCH_SECRET_TEST_KEY",
        timeout_seconds=2.0,
    )
    result = run_one(source)
    assert result.message.startswith("error in stream")
    assert KEY not in ProbeResult.objects.get(pk=result.pk).message
