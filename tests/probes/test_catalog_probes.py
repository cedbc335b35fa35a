"""The catalog gives every provider a probe, and probe fields load into Source rows."""

from __future__ import annotations

import pytest
from django.conf import settings

from probes.catalog import CatalogError, load_catalog_file, read_catalog, sync_catalog
from probes.models import Source


def test_every_catalog_provider_has_an_http_probe():
    catalog = load_catalog_file(settings.AIWATCH_CATALOG_PATH)
    missing = [
        entry.slug
        for entry in catalog.providers
        if not any(source.kind == "http_probe" for source in entry.sources)
    ]
    assert missing == []


LOCAL = """
[[provider]]
slug = "local-ollama"
name = "Local Ollama"
url = ""
category = "local"
capabilities = ["chat"]

[[provider.source]]
url = "http://127.0.0.1:11434/v1/models"
kind = "http_probe"
expected_statuses = "200"
interval_seconds = 60
timeout_seconds = 5

[[provider.source]]
url = "http://127.0.0.1:11434/v1/chat/completions"
kind = "inference"
api_shape = "openai"
model = "llama3.2:1b"
max_tokens = 1
interval_seconds = 120
"""


@pytest.mark.django_db
def test_the_documented_local_model_server_example_loads():
    # The commented example in aiwatch/catalog.toml, uncommented.
    sync_catalog(read_catalog(LOCAL))
    probe = Source.objects.get(kind="http_probe")
    assert (probe.expected_statuses, probe.timeout_seconds, probe.method) == ("200", 5.0, "GET")
    chat = Source.objects.get(kind="inference")
    assert (chat.api_shape, chat.model, chat.max_tokens, chat.api_key_env) == (
        "openai",
        "llama3.2:1b",
        1,
        "",
    )


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [
        ('expected_statuses = "200"', 'expected_statuses = "abc"', "expected_statuses"),
        ('expected_statuses = "200"', 'method = "DELETE"', "method"),
        ("timeout_seconds = 5", "timeout_seconds = 90", "timeout_seconds"),
        ("max_tokens = 1", "max_tokens = 9", "max_tokens"),
        ('expected_statuses = "200"', "api_key_env = 5", "api_key_env must be a str"),
        ('model = "llama3.2:1b"', "", "needs a model"),
    ],
)
@pytest.mark.django_db
def test_bad_probe_fields_are_refused_by_name(line, replacement, message):
    with pytest.raises(CatalogError, match=message):
        sync_catalog(read_catalog(LOCAL.replace(line, replacement)))


def test_probe_fields_on_a_status_source_are_refused():
    text = """
[[provider]]
slug = "x"
name = "X"
url = "https://status.x.test"
category = "model_api"

[[provider.source]]
url = "https://status.x.test/api/v2/summary.json"
method = "HEAD"
"""
    with pytest.raises(CatalogError, match="probe kinds only"):
        read_catalog(text)


@pytest.mark.django_db
def test_a_local_model_server_needs_the_outbound_allow_list(settings):
    settings.AIWATCH_OUTBOUND_ALLOW = []
    with pytest.raises(CatalogError, match="cannot be polled"):
        sync_catalog(read_catalog(LOCAL))
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    assert read_catalog(LOCAL).providers[0].slug == "local-ollama"
