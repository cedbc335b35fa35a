"""The audit trail: the catalog sync writes Django's admin log as the system user "catalog"
(marked as such), only for what it changed; admins read every entry on one filtered page."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from probes.audit import CATALOG_MARK, CATALOG_USERNAME
from probes.catalog import read_catalog, sync_catalog
from probes.models import Feature, Provider, Source

pytestmark = pytest.mark.django_db

TEXT = """
[[provider]]
slug = "acme"
name = "Acme AI"
url = "https://status.acme.test"
category = "model_api"

[[provider.source]]
url = "https://status.acme.test/api/v2/summary.json"
kind = "statuspage"

[[feature]]
slug = "support-bot"
name = "Support bot"
depends_on = ["acme"]

[[channel]]
name = "team-room"
url = "json://hooks.example.com/aiwatch"
"""


def entries() -> list[tuple[str, int, str]]:
    return [
        (str(entry.content_type.model), entry.action_flag, entry.change_message)  # type: ignore[attr-defined]
        for entry in LogEntry.objects.select_related("content_type").order_by("pk")
    ]


def test_the_catalog_sync_is_logged_as_the_catalog_and_only_what_changed():
    sync_catalog(read_catalog(TEXT))
    assert entries() == [
        ("provider", ADDITION, f"{CATALOG_MARK} created"),
        ("source", ADDITION, f"{CATALOG_MARK} created"),
        ("feature", ADDITION, f"{CATALOG_MARK} created"),
        ("channel", ADDITION, f"{CATALOG_MARK} created"),
    ]
    catalog = User.objects.get(username=CATALOG_USERNAME)
    assert set(LogEntry.objects.values_list("user", flat=True)) == {catalog.pk}
    assert not catalog.is_active
    assert not catalog.has_usable_password()

    # The same file again changes nothing, so it logs nothing.
    sync_catalog(read_catalog(TEXT))
    assert LogEntry.objects.count() == 4

    changed = TEXT.replace('name = "Acme AI"', 'name = "Acme"').replace(
        'kind = "statuspage"', 'kind = "auto"'
    )
    sync_catalog(read_catalog(changed))
    assert entries()[4:] == [
        ("provider", CHANGE, f"{CATALOG_MARK} changed name"),
        ("source", CHANGE, f"{CATALOG_MARK} changed detected_format, kind"),
    ]
    provider = Provider.objects.get()
    assert LogEntry.objects.filter(object_id=str(provider.pk), content_type__model="provider")
    assert Source.objects.count() == 1
    assert Feature.objects.count() == 1


def test_admins_read_the_trail_filtered_by_who_made_the_change(admin_client, admin_user):
    sync_catalog(read_catalog(TEXT))
    provider = Provider.objects.get()
    # The admin writes its own entries from its forms; one made here stands for such an edit.
    LogEntry.objects.create(
        user=admin_user,
        content_type_id=LogEntry.objects.first().content_type_id,
        object_id=str(provider.pk),
        object_repr="Acme AI",
        action_flag=CHANGE,
        change_message="edited the notes",
    )
    url = reverse("admin:admin_logentry_changelist")
    everything = admin_client.get(url).content.decode()
    assert "edited the notes" in everything
    assert f"{CATALOG_MARK} created" in everything

    people = admin_client.get(url, {"made_by": "people"}).content.decode()
    assert "edited the notes" in people
    assert f"{CATALOG_MARK} created" not in people
    by_catalog = admin_client.get(url, {"made_by": "catalog"}).content.decode()
    assert "edited the notes" not in by_catalog
    assert f"{CATALOG_MARK} created" in by_catalog

    # Read-only: nobody adds, edits or deletes entries.
    entry = LogEntry.objects.first()
    assert admin_client.get(reverse("admin:admin_logentry_add")).status_code == 403
    page = admin_client.get(reverse("admin:admin_logentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_staff_without_the_permission_do_not_see_the_trail():
    staff = User.objects.create_user("sam", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("admin:admin_logentry_changelist")).status_code == 403
