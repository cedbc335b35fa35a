"""The feature form's dependency and fallback pickers: what they offer, that they write the same
JSON back, and that a wrong choice is refused on its field with a message that says why."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation

from probes.models import Feature, ServedModel
from tests.factories import make_component, make_probe, make_provider
from tests.probes.admin_pages import change_page, errors_of, form_data, post_change

pytestmark = pytest.mark.django_db

DEPENDS_ON = [
    {"provider": "openai", "components": ["API", "Chat"], "models": ["gpt-4o"]},
    {"provider": "azure-openai", "regions": ["East US"]},
]
FALLBACKS = [
    {"provider": "anthropic", "model": "claude-sonnet-4", "label": "Claude"},
    {"provider": "local"},
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def stack() -> Feature:
    openai = make_provider("openai", name="OpenAI")
    for name in ("API", "Chat", "Sora"):
        make_component(openai, name)
    ServedModel.objects.create(provider=openai, slug="gpt-4o", name="GPT-4o")
    make_provider("azure-openai", name="Azure OpenAI")
    anthropic = make_provider("anthropic", name="Anthropic")
    ServedModel.objects.create(provider=anthropic, slug="claude-sonnet-4", name="Claude Sonnet 4")
    local = make_provider("local", name="Our Llama")
    make_probe(local, url="http://127.0.0.1:9/v1", model="llama3.2:1b")
    return Feature.objects.create(
        slug="support-bot", name="Support bot", depends_on=DEPENDS_ON, fallbacks=FALLBACKS
    )


def saved(client, feature, data) -> Feature:
    response = post_change(client, feature, data)
    assert response.status_code == 302, errors_of(response)
    feature.refresh_from_db()
    return feature


def refused(client, feature, data, field: str) -> str:
    response = post_change(client, feature, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    return str(errors[field])


def test_the_pickers_offer_providers_components_and_models(admin_client, stack):
    html = change_page(admin_client, stack)

    assert 'type="checkbox" name="depends_on" value="openai"' in html
    assert 'name="depends_on_openai_components" value="Sora"' in html
    assert 'name="depends_on_openai_models" value="gpt-4o"' in html
    assert 'name="depends_on_azure-openai_regions"' in html
    assert '<option value="claude-sonnet-4" selected>Claude Sonnet 4 (claude-sonnet-4)' in html
    assert '<option value="llama3.2:1b">llama3.2:1b</option>' in html  # an inference probe's
    data = form_data(html, "feature_form")
    assert data["depends_on"] == ["openai", "azure-openai"]
    assert data["depends_on_openai_components"] == ["API", "Chat"]
    assert data["depends_on_anthropic_components_other"] == [""]  # none known yet: a box
    assert data["fallbacks_0_provider"] == ["anthropic"]
    assert data["fallbacks_1_provider"] == ["local"]
    assert data["fallbacks_rows"] == ["4"]  # the two stored, two spare


def test_an_unchanged_form_writes_the_same_json_back(admin_client, stack):
    # The stored order inside a list differs from the picker's order: still the same JSON.
    stack.depends_on = [{"provider": "openai", "components": ["Chat", "API"], "regions": []}]
    stack.save()
    data = form_data(change_page(admin_client, stack), "feature_form")

    feature = saved(admin_client, stack, data)

    assert feature.depends_on == [
        {"provider": "openai", "components": ["Chat", "API"], "regions": []}
    ]
    assert feature.fallbacks == FALLBACKS


def test_ticks_and_picks_become_the_stored_json(admin_client, stack):
    data = form_data(change_page(admin_client, stack), "feature_form")
    data["depends_on"] = ["openai", "anthropic"]
    data["depends_on_openai_components"] = ["Sora"]
    # Anthropic's components are not known yet: any name is taken.
    data["depends_on_anthropic_components_other"] = ["Claude API"]
    data["depends_on_openai_models"] = []
    data["depends_on_anthropic_models"] = ["claude-sonnet-4"]
    data["fallbacks_0_provider"] = ["local"]
    data["fallbacks_0_model"] = ["llama3.2:1b"]
    data["fallbacks_0_label"] = ["Our Llama"]
    data["fallbacks_1_provider"] = [""]
    data["fallbacks_2_provider"] = ["openai"]

    feature = saved(admin_client, stack, data)

    assert feature.depends_on == [
        {"provider": "openai", "components": ["Sora"]},
        {"provider": "anthropic", "components": ["Claude API"], "models": ["claude-sonnet-4"]},
    ]
    assert feature.fallbacks == [
        {"provider": "local", "model": "llama3.2:1b", "label": "Our Llama"},
        {"provider": "openai"},
    ]


def test_wrong_choices_are_refused_with_a_clear_message(admin_client, stack):
    data = form_data(change_page(admin_client, stack), "feature_form")

    nothing = {**data, "depends_on": []}
    assert "At least one dependency" in refused(admin_client, stack, nothing, "depends_on")

    unticked = {
        **data,
        "depends_on": ["openai"],
        "depends_on_anthropic_models": ["claude-sonnet-4"],
    }
    assert "Tick anthropic too" in refused(admin_client, stack, unticked, "depends_on")

    unknown_component = {**data, "depends_on_openai_components_other": ["Realtime API"]}
    message = refused(admin_client, stack, unknown_component, "depends_on")
    assert "Unknown components [&#x27;Realtime API&#x27;] of &#x27;openai&#x27;" in message

    wrong_model = {**data, "fallbacks_0_model": ["gpt-4o"]}
    message = refused(admin_client, stack, wrong_model, "fallbacks")
    assert "Unknown models [&#x27;gpt-4o&#x27;] of &#x27;anthropic&#x27;" in message

    no_provider = {**data, "fallbacks_2_label": ["Gemini"]}
    message = refused(admin_client, stack, no_provider, "fallbacks")
    assert "Choice 3: pick a provider" in message

    stack.refresh_from_db()
    assert stack.depends_on == DEPENDS_ON
    assert stack.fallbacks == FALLBACKS


def test_a_new_feature_is_made_with_the_pickers(admin_client, stack):
    add = reverse("admin:probes_feature_add")
    data = form_data(admin_client.get(add).content.decode(), "feature_form")
    data.update(
        slug=["search"],
        name=["Search"],
        criticality=["important"],
        depends_on=["azure-openai"],
        fallbacks_0_provider=["openai"],
    )
    response = admin_client.post(add, data)
    assert response.status_code == 302, errors_of(response)
    feature = Feature.objects.get(slug="search")
    assert feature.depends_on == [{"provider": "azure-openai"}]
    assert feature.fallbacks == [{"provider": "openai"}]


def test_the_pickers_speak_french(stack):
    admin = User.objects.create_superuser("admin", "admin@example.com", "a-long-password-1")
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(admin)
    client.cookies["django_language"] = "fr"
    with translation.override("fr"):
        html = change_page(client, stack)
    assert "Composants" in html
    assert "Modèles" in html
    assert "Affiché comme" in html
    assert "Tout modèle" in html
