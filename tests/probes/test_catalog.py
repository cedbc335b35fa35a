"""The shipped catalog: lint every entry, and load it into the database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from probes.catalog import load_catalog_file, read_catalog, sync_catalog
from probes.models import Provider, Source
from probes.parsers import PARSERS, filters_problem

CATALOG = load_catalog_file(Path(settings.AIWATCH_CATALOG_PATH))


NAMED_BY_USERS = {
    "openai",
    "anthropic",
    "xai",
    "google-gemini",
    "vertex-ai",
    "microsoft-copilot",
    "azure-openai",
    "amazon-bedrock",
    "ibm-watsonx",
    "midjourney",
    "mistral",
    "cohere",
    "groq",
    "perplexity",
    "deepseek",
    "huggingface",
    "replicate",
    "together",
    "fireworks",
    "openrouter",
    "stability",
    "elevenlabs",
    "github",
    "cursor",
    "cloudflare-workers-ai",
    "pinecone",
    "langsmith",
    "character-ai",
    "runway",
    "cerebras",
}
CLOUDS = {"azure", "aws", "google-cloud", "cloudflare"}


def providers():
    return CATALOG.providers


def test_the_catalog_has_thirty_ai_services_and_the_named_ones():
    slugs = [entry.slug for entry in providers()]
    assert len(slugs) == len(set(slugs))
    ai = [entry for entry in providers() if entry.slug not in CLOUDS]
    assert len(ai) >= 30
    assert set(slugs) >= NAMED_BY_USERS


@pytest.mark.parametrize("entry", providers(), ids=lambda entry: entry.slug)
def test_every_entry_is_complete(entry):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.slug)
    assert entry.name.strip()
    assert entry.category
    assert entry.url.startswith("https://")
    if entry.slug not in CLOUDS:
        assert entry.capabilities, "services need capability tags for the alternatives feature"
    assert len(set(entry.capabilities)) == len(entry.capabilities)
    # Where the facts come from, and whether they are verified.
    assert re.search(r"\b(seen|reported|verified)\b", entry.notes)
    for source in entry.sources:
        assert source.url.startswith("https://")
        assert source.kind == "auto" or source.kind in PARSERS or source.kind in Source.PROBE_KINDS
        assert filters_problem(source.kind, source.filters) == ""


def test_clouds_are_infrastructure_and_ai_services_name_their_upstreams():
    by_slug = {entry.slug: entry for entry in providers()}
    for slug in CLOUDS:
        assert by_slug[slug].category == "infrastructure"
        assert by_slug[slug].sources
    assert "azure" in by_slug["openai"].upstreams
    assert "azure" in by_slug["azure-openai"].upstreams
    assert "aws" in by_slug["amazon-bedrock"].upstreams
    assert "google-cloud" in by_slug["vertex-ai"].upstreams
    for entry in providers():
        assert entry.slug not in entry.upstreams


def test_shared_cloud_pages_are_filtered_for_the_ai_service_on_them():
    by_slug = {entry.slug: entry for entry in providers()}
    assert by_slug["amazon-bedrock"].sources[0].filters["services"] == ["bedrock"]
    assert "Z0FZJAMvEB4j3NbCJs6B" in by_slug["vertex-ai"].sources[0].filters["products"]
    assert by_slug["azure-openai"].sources[0].filters["keywords"]


def test_a_provider_without_a_machine_readable_page_still_has_an_entry():
    by_slug = {entry.slug: entry for entry in providers()}
    for slug in ("midjourney", "microsoft-copilot"):
        # No status page to read; our own probe is all there is.
        assert [source.kind for source in by_slug[slug].sources] == ["http_probe"]


@pytest.mark.django_db
def test_sync_catalog_loads_every_provider_idempotently():
    call_command("sync_catalog")
    assert Provider.objects.count() == len(providers()) >= 34
    sources = Source.objects.count()
    assert sources == sum(len(entry.sources) for entry in providers())
    assert set(Provider.objects.get(slug="openai").upstreams.values_list("slug", flat=True)) == {
        "azure",
        "cloudflare",
    }
    assert Source.objects.exclude(kind__in=Source.PROBE_KINDS).get(
        provider__slug="amazon-bedrock"
    ).filters == {
        "services": ["bedrock"],
        "regions": ["us-east-1", "us-west-2", "eu-central-1"],
    }
    report = sync_catalog(CATALOG)
    assert report.created == []
    assert report.updated == []
    assert report.sources_created == 0
    assert report.sources_updated == 0
    assert Source.objects.count() == sources


def test_an_unknown_kind_in_the_catalog_is_refused():
    from probes.catalog import CatalogError

    text = (
        '[[provider]]\nslug="x"\nname="X"\nurl="https://x.test"\ncategory="model_api"\n'
        '[[provider.source]]\nurl="https://x.test/s"\nkind="smoke_signals"\n'
    )
    with pytest.raises(CatalogError, match="not a known source kind"):
        read_catalog(text)


@pytest.mark.django_db
def test_filters_that_do_not_suit_the_kind_are_refused():
    from probes.catalog import CatalogError

    text = (
        '[[provider]]\nslug="x"\nname="X"\nurl="https://x.test"\ncategory="model_api"\n'
        '[[provider.source]]\nurl="https://x.test/s"\nkind="aws_health"\n'
        'filters = { products = ["abc"] }\n'
    )
    with pytest.raises(CatalogError, match="aws_health does not use filter products"):
        sync_catalog(read_catalog(text))


@pytest.mark.parametrize(
    ("kind", "filters", "problem"),
    [
        ("aws_health", {"services": ["bedrock"], "regions": ["us-east-1"]}, ""),
        ("auto", {"components": ["abc"]}, ""),
        ("statuspage", {"keywords": ["x"]}, "statuspage does not use filter keywords"),
        ("feed", {"keywords": []}, "non-empty list"),
        ("feed", {"keywords": "OpenAI"}, "non-empty list"),
        ("feed", ["OpenAI"], "must be an object"),
    ],
)
def test_filters_problem(kind, filters, problem):
    if problem:
        assert problem in filters_problem(kind, filters)
    else:
        assert filters_problem(kind, filters) == ""


@pytest.mark.django_db
def test_the_admin_form_validation_refuses_unsuitable_filters():
    from django.core.exceptions import ValidationError

    provider = Provider.objects.create(slug="x", name="X")
    source = Source(
        provider=provider,
        url="https://status.example.com/feed.rss",
        kind="feed",
        filters={"regions": ["us-east-1"]},
    )
    source.clean_fields()
    with pytest.raises(ValidationError) as caught:
        source.clean()
    assert "filters" in caught.value.message_dict
