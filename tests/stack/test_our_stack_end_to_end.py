"""Done when: the shipped catalog plus "Support bot" on the OpenAI API with Claude as fallback,
a locally served OpenAI outage, and every page and the API say what is affected for us."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from alerts.delivery import deliver_pending
from probes.catalog import read_catalog, sync_catalog
from probes.models import Drill, Source, StatusChange
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


def test_the_map_draws_the_feature_on_openai_on_azure(outage):
    response = Client().get(reverse("dashboard:stack-map"))
    assert response.status_code == 200
    figure = response.context["figure"]["data"][0]
    labels = figure["node"]["label"]
    pairs = {
        (labels[source], labels[target])
        for source, target in zip(figure["link"]["source"], figure["link"]["target"], strict=True)
    }
    assert ("Support bot", "OpenAI API") in pairs
    assert ("OpenAI API", "OpenAI") in pairs
    assert ("OpenAI", "Microsoft Azure") in pairs
    page = response.content.decode()
    # The concentration report: the critical feature counted on the cloud under OpenAI.
    assert "<td>Microsoft Azure</td><td>1: Support bot</td>" in page


def test_the_api_returns_each_feature_and_the_fallbacks_that_are_up(outage):
    body = Client().get(reverse("dashboard:api-features")).json()
    assert [(item["slug"], item["state"]) for item in body["features"]] == [("support-bot", "down")]
    assert body["features"][0]["fallbacks_up"] == [{"label": "Claude", "state": "working"}]


def test_the_provider_page_lists_the_features_it_carries(outage):
    for slug in ("openai", "azure", "anthropic"):
        page = Client().get(reverse("dashboard:provider-detail", args=[slug])).content.decode()
        assert "Our features on it" in page, slug
        assert "Support bot" in page, slug
    page = Client().get(reverse("dashboard:provider-detail", args=["mistral"])).content.decode()
    assert "Our features on it" not in page


def test_a_replayed_drill_sends_one_drill_alert_and_is_listed_with_its_timings(
    outage, receiver, monkeypatch
):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_RECEIVER_PORT", str(receiver.port))
    text = Path(settings.AIWATCH_CATALOG_PATH).read_text(encoding="utf-8")
    sync_catalog(
        read_catalog(
            text
            + SUPPORT_BOT
            + '[[channel]]\nname = "drills"\ndrills = true\n'
            + 'url = "json://127.0.0.1:${AIWATCH_SECRET_TEST_RECEIVER_PORT}/hook"\n'
        )
    )
    changes = StatusChange.objects.count()
    call_command("drill", "start", "--replay", "2024-12-26", stdout=StringIO())
    drill = Drill.objects.get()
    page = Client().get(reverse("dashboard:index")).content.decode()
    assert "DRILL" in page
    assert "Replay of 26 December 2024" in page
    assert deliver_pending(include_waiting=True).sent == 1
    titles = [json.loads(r.body)["title"] for r in receiver.requests if r.method == "POST"]
    assert titles == ["[DRILL] Replay of 26 December 2024: 1 feature hit"]
    call_command("drill", "ack", str(drill.pk), "switched the support bot to Claude", "--plan-b")
    call_command("drill", "stop", str(drill.pk), stdout=StringIO())
    page = Client().get(reverse("dashboard:drills")).content.decode()
    assert "Replay of 26 December 2024" in page
    assert "switched the support bot to Claude" in page
    assert StatusChange.objects.count() == changes
