"""[[feature]] and [[model]] in the catalog: the shapes that load, the mistakes refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from probes.catalog import CatalogError, read_catalog, sync_catalog
from probes.models import Feature, ServedModel
from tests.factories import make_component, make_provider

SHIPPED = Path(settings.AIWATCH_CATALOG_PATH).read_text(encoding="utf-8")

MINIMAL = """
[[feature]]
slug = "support-bot"
name = "Support bot"
criticality = "critical"
depends_on = ["openai"]
fallbacks = ["anthropic"]
"""


def load(text: str, *, path: str = "catalog.toml"):
    return sync_catalog(read_catalog(SHIPPED + text, path=path))


@pytest.mark.django_db
def test_the_minimal_shape_loads_with_the_shipped_catalog():
    report = load(MINIMAL)
    feature = Feature.objects.get(slug="support-bot")
    assert feature.name == "Support bot"
    assert feature.criticality == Feature.Criticality.CRITICAL
    assert feature.depends_on == [{"provider": "openai"}]
    assert feature.fallbacks == [{"provider": "anthropic"}]
    assert "1 features created, 0 updated" in report.notes
    # Loading again changes nothing.
    assert "0 features created, 0 updated" in load(MINIMAL).notes


@pytest.mark.django_db
def test_the_richer_forms_load():
    load(
        """
[[model]]
provider = "openai"
slug = "gpt-4o"
name = "GPT-4o"
aliases = ["GPT-4o", "4o"]

[[feature]]
slug = "marketing-copy"
name = "Marketing copy"
owner = "Growth team"
criticality = "nice to have"
fallbacks = [{provider = "anthropic", label = "Claude"}, "mistral"]
plan_b = "Switch the **copy tool** to Claude."

[[feature.depends_on]]
provider = "openai"
models = ["gpt-4o"]

[[feature.depends_on]]
provider = "azure"
regions = ["South Central US"]
"""
    )
    feature = Feature.objects.get(slug="marketing-copy")
    assert feature.criticality == Feature.Criticality.NICE_TO_HAVE
    assert feature.depends_on == [
        {"provider": "openai", "models": ["gpt-4o"]},
        {"provider": "azure", "regions": ["South Central US"]},
    ]
    assert feature.fallbacks[0] == {"provider": "anthropic", "label": "Claude"}
    assert ServedModel.objects.get(provider__slug="openai", slug="gpt-4o").aliases == [
        "GPT-4o",
        "4o",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MINIMAL.replace('["openai"]', '["nope"]'),
            "catalog.toml: feature 'support-bot': depends_on [{'provider': 'nope'}]: "
            "Unknown providers ['nope'].",
        ),
        (
            MINIMAL.replace('fallbacks = ["anthropic"]', 'fallbacks = ["gone"]'),
            "feature 'support-bot': fallbacks [{'provider': 'gone'}]: Unknown providers ['gone'].",
        ),
        (
            MINIMAL.replace('["openai"]', '[{provider = "openai", models = ["gpt-9"]}]'),
            "feature 'support-bot': depends_on",
        ),
        (MINIMAL.replace('"critical"', '"urgent"'), "feature 'support-bot': criticality 'urgent'"),
        (
            MINIMAL.replace('depends_on = ["openai"]', "depends_on = []"),
            "feature 'support-bot': depends_on: At least one dependency",
        ),
        (MINIMAL + MINIMAL, "feature 'support-bot' appears twice"),
        (
            MINIMAL.replace('name = "Support bot"', "colour = 3"),
            "feature 'support-bot': unknown keys",
        ),
    ],
)
def test_mistakes_are_refused_naming_the_file_entry_and_field(text, message):
    with pytest.raises(CatalogError) as error:
        load(text)
    assert message in str(error.value)
    assert "catalog.toml" in str(error.value)
    assert not Feature.objects.exists()


@pytest.mark.django_db
def test_unknown_model_is_named():
    with pytest.raises(CatalogError, match=r"Unknown models \['gpt-9'\] of 'openai'"):
        load(MINIMAL.replace('["openai"]', '[{provider = "openai", models = ["gpt-9"]}]'))


@pytest.mark.django_db
def test_components_are_checked_once_the_page_listed_them():
    provider = make_provider("acme")
    # Not polled yet: nothing to check against, the name is accepted.
    feature = Feature(slug="f", name="F", depends_on=[{"provider": "acme", "components": ["API"]}])
    feature.full_clean()
    make_component(provider, name="Chat")
    with pytest.raises(Exception, match=r"Unknown components \['API'\] of 'acme'"):
        feature.full_clean()
    make_component(provider, name="api", external_id="api")
    feature.full_clean()


@pytest.mark.django_db
def test_the_admin_keeps_its_edit():
    load(MINIMAL)
    Feature.objects.filter(slug="support-bot").update(name="Helpdesk bot")
    report = load(MINIMAL.replace('criticality = "critical"', 'criticality = "important"'))
    feature = Feature.objects.get(slug="support-bot")
    assert feature.name == "Helpdesk bot"
    assert feature.criticality == "important"
    assert any("kept name as changed in the admin" in note for note in report.notes)
