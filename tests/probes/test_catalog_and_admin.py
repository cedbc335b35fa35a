"""The catalog and the admin share rows: an admin edit survives sync_catalog, and re-pointing a
source (in the admin or in the file) never makes a second copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from probes.catalog import CatalogError, load_catalog_file, read_catalog, sync_catalog
from probes.models import Provider, Source

pytestmark = pytest.mark.django_db

AZURE_FEED = "https://azure.status.microsoft/en-us/status/feed/"

TEXT = """
[[provider]]
slug = "cloud"
name = "Cloud"
url = "https://status.cloud.test"
category = "infrastructure"

[[provider]]
slug = "acme"
name = "Acme AI"
url = "https://status.acme.test"
category = "model_api"
capabilities = ["chat"]
upstreams = ["cloud"]
notes = "From the docs."

[[provider.source]]
url = "https://status.acme.test/api/v2/summary.json"
kind = "statuspage"

[[provider.source]]
url = "https://api.acme.test/v1/models"
kind = "http_probe"
"""


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_admin_rename_survives_make_runs_sync_catalog(admin_client):
    call_command("sync_catalog")
    openai = Provider.objects.get(slug="openai")
    form = {
        "slug": "openai",
        "name": "OpenAI (our tenant)",
        "url": openai.url,
        "category": openai.category,
        "capabilities": ["chat", "code"],
        "notes": openai.notes,
        "enabled": "on",
        "upstreams": list(openai.upstreams.values_list("pk", flat=True)),
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
        "components-TOTAL_FORMS": "0",
        "components-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:probes_provider_change", args=[openai.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]

    call_command("sync_catalog")

    openai.refresh_from_db()
    assert openai.name == "OpenAI (our tenant)"
    assert openai.capabilities == ["chat", "code"]
    # The fields the admin left alone still follow the catalog.
    entry = next(
        e for e in load_catalog_file(settings.AIWATCH_CATALOG_PATH).providers if e.slug == "openai"
    )
    assert openai.url == entry.url


def test_the_catalog_still_updates_the_fields_the_admin_did_not_touch():
    sync_catalog(read_catalog(TEXT))
    Provider.objects.filter(slug="acme").update(name="Acme (renamed here)")

    report = sync_catalog(read_catalog(TEXT.replace("From the docs.", "From the status page.")))

    acme = Provider.objects.get(slug="acme")
    assert acme.name == "Acme (renamed here)"
    assert acme.notes == "From the status page."
    assert report.updated == ["acme"]
    assert any("provider 'acme': kept name as changed in the admin" in n for n in report.notes)
    # Once the admin puts the catalog's value back, the catalog owns the field again.
    Provider.objects.filter(slug="acme").update(name="Acme AI")
    sync_catalog(read_catalog(TEXT.replace('name = "Acme AI"', 'name = "Acme"')))
    assert Provider.objects.get(slug="acme").name == "Acme"


def test_an_upstream_removed_in_the_admin_stays_removed():
    sync_catalog(read_catalog(TEXT))
    acme = Provider.objects.get(slug="acme")
    acme.upstreams.clear()

    sync_catalog(read_catalog(TEXT))

    assert not acme.upstreams.exists()


def test_a_re_pointed_azure_source_does_not_duplicate():
    call_command("sync_catalog")
    count = Source.objects.count()
    feed = Source.objects.get(provider__slug="azure-openai", url=AZURE_FEED)
    feed.url = "https://azure.status.microsoft/en-us/status/feed/?service=openai"
    feed.save()

    call_command("sync_catalog")
    call_command("sync_catalog")

    assert Source.objects.count() == count
    assert not Source.objects.filter(provider__slug="azure-openai", url=AZURE_FEED).exists()
    feed.refresh_from_db()
    assert feed.url.endswith("?service=openai")
    # The other provider on the same page keeps its own source.
    assert Source.objects.filter(provider__slug="azure", url=AZURE_FEED).count() == 1


def test_a_source_re_pointed_in_the_file_moves_instead_of_duplicating():
    sync_catalog(read_catalog(TEXT))
    page = Source.objects.get(kind="statuspage")
    Source.objects.filter(pk=page.pk).update(etag='"abc"', body_hash="f" * 64)

    report = sync_catalog(
        read_catalog(TEXT.replace("status.acme.test/api/v2", "status.acme-ai.test/api/v2"))
    )

    assert Source.objects.count() == 2
    page.refresh_from_db()
    assert page.url == "https://status.acme-ai.test/api/v2/summary.json"
    assert (page.etag, page.body_hash) == ("", "")  # the old page's validators do not apply
    assert report.sources_created == 0
    assert report.sources_updated == 1


def test_an_edit_in_the_admin_keeps_its_source_when_the_file_re_points_it():
    sync_catalog(read_catalog(TEXT))
    Source.objects.filter(kind="statuspage").update(url="https://mirror.acme.test/summary.json")

    report = sync_catalog(
        read_catalog(TEXT.replace("status.acme.test/api/v2", "status.acme-ai.test/api/v2"))
    )

    assert Source.objects.count() == 2
    assert Source.objects.get(kind="statuspage").url == "https://mirror.acme.test/summary.json"
    assert any("kept url as changed in the admin" in note for note in report.notes)


def test_a_source_added_in_the_admin_is_adopted_by_its_url_not_copied():
    acme = Provider.objects.create(slug="acme", name="Acme AI", category="model_api")
    Source.objects.create(
        provider=acme, url="https://status.acme.test/api/v2/summary.json", interval_seconds=300
    )

    sync_catalog(read_catalog(TEXT))

    page = Source.objects.get(provider=acme, kind="statuspage")
    assert page.interval_seconds == 120  # nothing remembered yet: the catalog's value applies
    assert Source.objects.filter(provider=acme).count() == 2


def test_the_admin_says_which_fields_it_changed(admin_client):
    sync_catalog(read_catalog(TEXT))
    acme = Provider.objects.get(slug="acme")
    Provider.objects.filter(pk=acme.pk).update(name="Acme (renamed here)")

    html = admin_client.get(reverse("admin:probes_provider_change", args=[acme.pk])).content
    assert b"Changed here, kept by sync_catalog: name" in html
    made_here = Provider.objects.create(slug="mine", name="Mine")
    html = admin_client.get(reverse("admin:probes_provider_change", args=[made_here.pk])).content
    assert b"Not from the catalog" in html


def test_a_mistake_names_the_file_the_entry_and_the_field(tmp_path):
    path = Path(tmp_path) / "catalog.toml"
    path.write_text(TEXT + "timeout_seconds = 90\n", encoding="utf-8")

    with pytest.raises(CatalogError) as caught:
        sync_catalog(load_catalog_file(path))

    message = str(caught.value)
    assert message.startswith(f"{path}: provider 'acme' source #2: timeout_seconds 90.0: ")
    assert "less than or equal to 30" in message
    assert not Provider.objects.exists()  # rolled back


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ('category = "model_api"', 'category = "gadgets"', "provider 'acme': category 'gadgets'"),
        ('capabilities = ["chat"]', 'capabilities = ["telepathy"]', "Unknown capabilities"),
        ('kind = "statuspage"', 'kind = "statuspage"\ninterval_seconds = 5', "interval_seconds 5"),
    ],
)
def test_the_models_rules_apply_to_the_catalog(replace, by, message):
    with pytest.raises(CatalogError, match=message):
        sync_catalog(read_catalog(TEXT.replace(replace, by)))


def test_an_admin_value_is_checked_with_the_catalogs_in_one_place():
    sync_catalog(read_catalog(TEXT))
    Provider.objects.filter(slug="acme").update(name="Renamed")
    # The catalog's own value is still checked, even though the admin's edit wins.
    with pytest.raises(CatalogError, match="provider 'acme': category"):
        sync_catalog(read_catalog(TEXT.replace('category = "model_api"', 'category = "x"')))
