"""The acknowledgements' admin: listed, filtered and searched, never added or rewritten there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from aiwatch.roles import EDITOR, set_role
from probes.models import Acknowledgement, ObservedTransition
from tests.factories import NOW, make_incident, make_provider

pytestmark = pytest.mark.django_db

LIST = reverse("admin:probes_acknowledgement_changelist")


@pytest.fixture
def acknowledgements() -> list[Acknowledgement]:
    openai = make_provider("openai", name="OpenAI", status="major_outage")
    incident = make_incident(openai, "Elevated API errors", started_at=NOW)
    anthropic = make_provider("anthropic", name="Anthropic")
    outage = ObservedTransition.objects.create(
        provider=anthropic, old_status="operational", new_status="major_outage", at=NOW
    )
    return [
        Acknowledgement.objects.create(
            provider=openai,
            incident=incident,
            by_name="Erin",
            on_it="Erin and Sam",
            note="spare key in use",
            at=NOW + timedelta(minutes=12),
        ),
        Acknowledgement.objects.create(
            provider=anthropic,
            observed=outage,
            by_name="Bob",
            plan_b_in_place=False,
            at=NOW + timedelta(minutes=3),
        ),
    ]


def results(page: str) -> str:
    """The list's table, without the filters beside it."""
    return page.split('id="result_list"')[1].split("</table>")[0]


def test_the_list_shows_what_who_and_how_fast(admin_client, acknowledgements):
    page = admin_client.get(LIST).content.decode()

    assert "Elevated API errors" in page
    assert "observed outage (Major outage)" in page
    assert "Erin and Sam" in page
    assert "12 min" in page
    assert "3 min" in page


def test_the_list_filters_and_searches(admin_client, acknowledgements):
    incidents = admin_client.get(LIST, {"target": "incident"}).content.decode()
    assert "Elevated API errors" in incidents
    assert "observed outage" not in results(incidents)

    no_plan_b = admin_client.get(LIST, {"plan_b_in_place__exact": "0"}).content.decode()
    assert "Bob" in no_plan_b
    assert "Erin and Sam" not in no_plan_b

    found = admin_client.get(LIST, {"q": "spare key"}).content.decode()
    assert "Erin and Sam" in found
    assert "Bob" not in results(found)


def test_nothing_is_added_or_rewritten_here(admin_client, acknowledgements):
    ack = acknowledgements[0]
    change = reverse("admin:probes_acknowledgement_change", args=[ack.pk])
    assert admin_client.get(reverse("admin:probes_acknowledgement_add")).status_code == 403
    page = admin_client.get(change).content.decode()
    assert 'name="_save"' not in page
    assert "spare key in use" in page
    admin_client.post(change, {"on_it": "Mallory", "by_name": "Mallory"})
    ack.refresh_from_db()
    assert (ack.on_it, ack.by_name) == ("Erin and Sam", "Erin")


def test_an_editor_reads_them_and_the_labels_speak_french(acknowledgements):
    editor = User.objects.create_user("erin", "erin@example.com", is_staff=True)
    set_role(editor, EDITOR)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(editor)

    page = client.get(LIST).content.decode()

    assert "prises en charge" in page.lower()
    assert "Ce qui est pris en charge" in page
    assert "Par cible" in page
    assert "Délai de prise en charge" in page
    assert "une panne observée" in page
    assert "panne observée (Panne majeure)" in page
