"""Done when: the shipped catalog plus "Support bot" on the OpenAI API with Claude as fallback,
a locally served OpenAI outage, and every page and the API say what is affected for us."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from probes.catalog import read_catalog, sync_catalog
from probes.models import Source
from probes.status.polling import poll_source
from tests.alerts.pages import incident, summary
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

SUPPORT_BOT = """
[[feature]]
slug = "support-bot"
name = "Support bot"
owner = "Support team"
criticality = "critical"
depends_on = [{provider = "openai", components = ["API"]}]
fallbacks = [{provider = "anthropic", label = "Claude"}]
plan_b = "Switch the support bot to **Claude** in the bot's settings."
"""


def openai_outage() -> bytes:
    """OpenAI's incident.io page with the API in a major outage, as the page itself words it."""
    page = json.loads(
        summary(
            {"API": "major_outage", "ChatGPT": "operational"},
            incidents=(incident("inc1", "Elevated error rates on the API", components=("API",)),),
            name="OpenAI",
        )
    )
    # incident.io pages carry no time_zone (that is how the parser tells them from Statuspage).
    del page["page"]["time_zone"]
    return json.dumps(page).encode()


def serve(server, slug: str, kind: str, body: bytes) -> None:
    """Point the provider's official source at the local server and poll it once."""
    source = Source.objects.get(provider__slug=slug, kind=kind)
    path = f"/{slug}/status"
    server.set(path, body)
    source.url = server.url(path)
    source.save(update_fields=["url"])
    result = poll_source(source)
    assert result.state == "ok", str(result)


@pytest.fixture
def outage(status_server):
    text = Path(settings.AIWATCH_CATALOG_PATH).read_text(encoding="utf-8")
    sync_catalog(read_catalog(text + SUPPORT_BOT))
    serve(
        status_server,
        "openai",
        "incidentio",
        openai_outage(),
    )
    serve(status_server, "anthropic", "statuspage", summary({"API": "operational"}))
    serve(status_server, "azure", "azure_status", load_fixture("azure_status/incident.rss"))
    return status_server


def test_the_overview_says_what_is_affected_for_us(outage):
    page = Client().get(reverse("dashboard:index")).content.decode()
    head = page.index("Our features")
    assert head < page.index("operational</li>")  # at the top, before the providers
    assert (
        "Support bot: down, because the OpenAI API has a major outage "
        "(“Elevated error rates on the API”); OpenAI runs on Microsoft Azure, which reports"
    ) in page
    assert "; use Claude (working)" in page
