"""Plan B and alternatives on the provider page and the overview."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Playbook
from probes.models import Provider, Source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def provider(slug: str, status: str, capabilities: list[str]) -> Provider:
    made = Provider.objects.create(
        slug=slug, name=slug.title(), status=status, capabilities=capabilities
    )
    now = timezone.now()
    # A freshly read source, so the page trusts the stored status.
    Source.objects.create(
        provider=made,
        url=f"https://status.{slug}.test/api/v2/summary.json",
        kind="statuspage",
        last_polled_at=now,
        last_success_at=now,
    )
    return made


def test_a_provider_that_is_down_shows_its_plan_b_and_alternatives_first(client):
    down = provider("example", "major_outage", ["chat", "code"])
    provider("backup", "operational", ["chat"])
    provider("also-down", "partial_outage", ["chat"])
    provider("painter", "operational", ["image"])
    Playbook.objects.create(
        provider=down,
        body="1. Switch the bot to **Backup**\n2. Tell #support<script>alert(1)</script>",
    )

    page = client.get(reverse("dashboard:provider-detail", args=["example"])).content.decode()

    plan_b = page.index('id="plan-b"')
    assert plan_b < page.index('id="open-incidents"')
    section = page[plan_b : page.index("</section>", plan_b)]
    assert "Plan B while Example is major outage" in section
    assert "<strong>Backup</strong>" in section
    assert "<script>" not in page[page.index("<main") :]
    assert f'href="{reverse("dashboard:provider-detail", args=["backup"])}">Backup</a>' in section
    assert "Also-Down</a>" not in section
    assert "Painter" not in section
    assert "no incidents in 30 days" in section


def test_an_operational_provider_keeps_its_plan_b_out_of_the_way(client):
    fine = provider("example", "operational", ["chat"])
    provider("backup", "operational", ["chat"])
    Playbook.objects.create(provider=fine, body="Switch to Backup.")
    page = client.get(reverse("dashboard:provider-detail", args=["example"])).content.decode()
    assert 'id="plan-b"' not in page
    assert "Plan B if Example goes down" in page
    assert "Switch to Backup." in page
    assert "Working right now" not in page


def test_the_overview_lists_what_to_use_instead_of_each_provider_that_is_down(client):
    down = provider("example", "major_outage", ["chat"])
    provider("backup", "operational", ["chat"])
    provider("calm", "operational", ["image"])
    Playbook.objects.create(provider=down, body="Use Backup.")
    page = client.get(reverse("dashboard:index")).content.decode()
    start = page.index('id="instead-title"')
    section = page[start : page.index("</section>", start)]
    assert ">Example</a></strong>:" in section
    assert ">Backup</a>" in section
    assert "#plan-b" in section
    assert "Calm" not in section


def test_the_overview_says_nothing_when_everything_works(client):
    provider("example", "operational", ["chat"])
    provider("backup", "operational", ["chat"])
    page = client.get(reverse("dashboard:index")).content.decode()
    assert "What to use instead" not in page


def test_plan_b_shows_when_our_probes_see_an_outage_the_official_page_does_not(client):
    fine = provider("example", "operational", ["chat"])
    Provider.objects.filter(pk=fine.pk).update(
        observed_status="major_outage", observed_checked_at=timezone.now()
    )
    Source.objects.create(
        provider=fine, kind="http_probe", url="https://api.example.test/", interval_seconds=60
    )
    provider("backup", "operational", ["chat"])
    Playbook.objects.create(provider=fine, body="Switch to Backup.")
    page = client.get(reverse("dashboard:provider-detail", args=["example"])).content.decode()
    start = page.index('id="plan-b"')
    section = page[start : page.index("</section>", start)]
    assert "Switch to Backup." in section
    assert ">Backup</a>" in section
