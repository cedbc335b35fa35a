"""The admin's widgets for JSON settings: what they show, and that they write the same JSON back."""

from __future__ import annotations

import pytest

from probes.admin_forms import FILTER_LABELS
from probes.models import Component, Provider, Source
from probes.parsers import FILTER_KEYS
from tests.factories import make_component, make_provider, make_source
from tests.probes.admin_pages import change_page, form_data, post_change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_every_filter_the_parsers_know_has_a_control():
    assert set(FILTER_LABELS) == set(FILTER_KEYS["auto"])


def test_capabilities_are_checkboxes_and_round_trip(admin_client):
    provider = make_provider("acme", capabilities=["code", "chat"])
    html = change_page(admin_client, provider)
    assert 'type="checkbox" name="capabilities" value="chat"' in html
    data = form_data(html, "provider_form")
    assert sorted(data["capabilities"]) == ["chat", "code"]

    response = post_change(admin_client, provider, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    provider.refresh_from_db()
    assert sorted(provider.capabilities) == ["chat", "code"]

    data["capabilities"] = ["image", "speech"]
    assert post_change(admin_client, provider, data).status_code == 302
    provider.refresh_from_db()
    assert provider.capabilities == ["image", "speech"]


def test_an_unknown_capability_is_refused_on_its_field(admin_client):
    provider = make_provider("acme")
    data = form_data(change_page(admin_client, provider), "provider_form")
    data["capabilities"] = ["chat", "telepathy"]
    response = post_change(admin_client, provider, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "capabilities" in form.errors
    assert "telepathy" in str(form.errors["capabilities"])


def test_the_component_picker_lists_the_last_polls_components(admin_client):
    provider = make_provider("acme")
    source = make_source(provider, kind="statuspage", filters={"components": ["cmp-api"]})
    group = make_component(provider, "Platform", external_id="grp-1", is_group=True, source=source)
    make_component(provider, "API", external_id="cmp-api", group=group, source=source)
    make_component(provider, "Console", external_id="cmp-con", source=source)
    make_component(provider, "Retired", external_id="cmp-old", is_active=False, source=source)

    html = change_page(admin_client, source)

    assert 'name="filters_components" value="cmp-api"' in html
    assert 'name="filters_components" value="cmp-con"' in html
    assert "Platform (group: all its components)" in html
    assert "cmp-old" not in html  # no longer on the page
    data = form_data(html, "source_form")
    assert data["filters_components"] == ["cmp-api"]


def test_source_filters_round_trip_through_the_form(admin_client):
    provider = make_provider("acme")
    make_component(provider, "API", external_id="cmp-api")
    source = make_source(
        provider, kind="auto", filters={"components": ["cmp-api", "cmp-unseen"], "keywords": ["X"]}
    )
    data = form_data(change_page(admin_client, source), "source_form")
    # An id the last poll did not list stays, in the box for other ids.
    assert data["filters_components"] == ["cmp-api"]
    assert data["filters_components_other"] == ["cmp-unseen"]

    response = post_change(admin_client, source, data)
    assert response.status_code == 302, (
        getattr(response.context and response.context.get("adminform"), "form", None)
        and response.context["adminform"].form.errors
    )
    source.refresh_from_db()
    assert source.filters == {"components": ["cmp-api", "cmp-unseen"], "keywords": ["X"]}

    data["filters_components"] = []
    data["filters_components_other"] = [""]
    data["filters_keywords"] = ["OpenAI\n  \nAzure OpenAI\nOpenAI"]
    assert post_change(admin_client, source, data).status_code == 302
    source.refresh_from_db()
    assert source.filters == {"keywords": ["OpenAI", "Azure OpenAI"]}


def test_a_filter_the_kind_does_not_use_is_refused_on_the_filters_field(admin_client):
    source = make_source(make_provider("acme"), kind="statuspage")
    data = form_data(change_page(admin_client, source), "source_form")
    data["filters_regions"] = ["us-east-1"]
    response = post_change(admin_client, source, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "statuspage does not use filter regions" in str(errors["filters"])
    source.refresh_from_db()
    assert source.filters == {}


def test_the_provider_inline_has_expected_statuses_and_filters(admin_client):
    provider = make_provider("acme")
    probe = make_source(
        provider, kind="http_probe", url="https://api.acme.test/v1", expected_statuses="200,401"
    )
    html = change_page(admin_client, provider)
    data = form_data(html, "provider_form")
    assert data["sources-0-expected_statuses"] == ["200,401"]

    data["sources-0-expected_statuses"] = ["200-299,404"]
    response = post_change(admin_client, provider, data)
    assert response.status_code == 302, (
        getattr(response.context and response.context.get("adminform"), "form", None)
        and response.context["adminform"].form.errors
    )
    probe.refresh_from_db()
    assert probe.expected_statuses == "200-299,404"

    data["sources-0-expected_statuses"] = ["2xx"]
    response = post_change(admin_client, provider, data)
    assert response.status_code == 200
    assert "is not a status code" in response.content.decode()


def test_a_source_added_in_the_provider_inline_gets_its_filters(admin_client):
    provider = make_provider("acme")
    data = form_data(change_page(admin_client, provider), "provider_form")
    data.update(
        {
            "sources-TOTAL_FORMS": ["1"],
            "sources-0-kind": ["feed"],
            "sources-0-url": ["https://status.acme.test/feed.atom"],
            "sources-0-interval_seconds": ["300"],
            "sources-0-filters_keywords": ["Acme API"],
            "sources-0-enabled": ["on"],
        }
    )
    response = post_change(admin_client, provider, data)
    assert response.status_code == 302, (
        getattr(response.context and response.context.get("adminform"), "form", None)
        and response.context["adminform"].form.errors
    )
    assert Source.objects.get(provider=provider).filters == {"keywords": ["Acme API"]}


def test_component_rows_are_not_created_by_the_picker(admin_client):
    provider = make_provider("acme")
    source = make_source(provider, kind="statuspage")
    data = form_data(change_page(admin_client, source), "source_form")
    data["filters_components_other"] = ["typed-id"]
    assert post_change(admin_client, source, data).status_code == 302
    assert not Component.objects.exists()
    assert Provider.objects.count() == 1


def test_a_served_models_aliases_are_one_per_line_and_round_trip(admin_client):
    from probes.models import ServedModel

    served = ServedModel.objects.create(
        provider=make_provider("acme"), slug="big-1", name="Big 1", aliases=["Big-1", "B1"]
    )
    data = form_data(change_page(admin_client, served), "servedmodel_form")
    assert data["aliases"] == ["Big-1\nB1"]
    assert post_change(admin_client, served, data).status_code == 302
    served.refresh_from_db()
    assert served.aliases == ["Big-1", "B1"]
    data["aliases"] = ["Big-1\n\n  Big one  \n"]
    assert post_change(admin_client, served, data).status_code == 302
    served.refresh_from_db()
    assert served.aliases == ["Big-1", "Big one"]


def test_each_inline_source_gets_its_own_picker(admin_client):
    # The forms of a formset (and of concurrent requests) must not share one picker: the empty
    # form added last would otherwise wipe the choices of the rows above it.
    provider = make_provider("acme")
    source = make_source(provider, kind="statuspage")
    make_component(provider, "API", external_id="cmp-api", source=source)
    html = change_page(admin_client, provider)
    assert 'name="sources-0-filters_components" value="cmp-api"' in html
    assert "probes/admin_forms.css" in html
