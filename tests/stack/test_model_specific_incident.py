"""A model-specific incident hits only the features on that model (26 December 2024: most of
OpenAI's APIs and Sora were down, the text completions API was not)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from probes.catalog import read_catalog, sync_catalog
from probes.models import Feature, Source
from probes.stack.evaluation import evaluate_features
from probes.stack.provider_facts import load_facts
from probes.stack.rows import model_names, upstream_slugs
from probes.status.polling import poll_source
from tests.alerts.pages import incident, summary

pytestmark = pytest.mark.django_db

FEATURES = """
[[feature]]
slug = "support-bot"
name = "Support bot"
criticality = "critical"
depends_on = [{provider = "openai", models = ["gpt-4o"]}]
fallbacks = [{provider = "anthropic", model = "claude-sonnet-4-5"}]

[[feature]]
slug = "video-ads"
name = "Video ads"
criticality = "important"
depends_on = [{provider = "openai", models = ["sora-2"]}]
plan_b = "Post the still images instead."

[[feature]]
slug = "marketing-copy"
name = "Marketing copy"
criticality = "important"
depends_on = ["openai"]
"""


def openai_page(statuses: dict[str, str], *incidents: dict[str, object]) -> bytes:
    page = json.loads(summary(statuses, incidents=incidents, name="OpenAI"))
    del page["page"]["time_zone"]  # an incident.io page, as OpenAI's is
    return json.dumps(page).encode()


def serve(server, slug: str, kind: str, body: bytes) -> None:
    source = Source.objects.get(provider__slug=slug, kind=kind)
    server.set(f"/{slug}", body)
    source.url = server.url(f"/{slug}")
    source.save(update_fields=["url"])
    assert poll_source(source).state == "ok"


@pytest.fixture
def stack(status_server):
    text = Path(settings.AIWATCH_CATALOG_PATH).read_text(encoding="utf-8")
    sync_catalog(read_catalog(text + FEATURES))
    serve(status_server, "anthropic", "statuspage", summary({"API": "operational"}))
    return status_server


def states() -> dict[str, str]:
    rows = evaluate_features(
        Feature.objects.all(),
        load_facts(now=timezone.now()),
        upstreams=upstream_slugs(),
        model_names=model_names(),
    )
    return {feature.slug: view.state.value for feature, view in rows}


def test_the_26_december_incident_hits_only_the_features_on_the_models_it_names(stack):
    serve(
        stack,
        "openai",
        "incidentio",
        openai_page(
            {"API": "major_outage", "ChatGPT": "major_outage", "Sora": "major_outage"},
            incident(
                "dec26",
                "High error rates for ChatGPT, APIs, and Sora",
                components=("API", "ChatGPT", "Sora"),
            ),
        ),
    )
    assert states() == {
        "support-bot": "working",  # on gpt-4o: the text completions API kept working
        "video-ads": "down",  # on Sora, which the incident names
        "marketing-copy": "down",  # on OpenAI as a whole
    }
    body = Client().get(reverse("dashboard:api-features")).json()
    sentences = {item["slug"]: item["sentence"] for item in body["features"]}
    assert sentences["support-bot"] == "Support bot: working"
    assert sentences["video-ads"].startswith(
        "Video ads: down, because the OpenAI Sora 2 has a major outage "
        "(“High error rates for ChatGPT, APIs, and Sora”)"
    )


def test_an_incident_naming_no_model_hits_every_feature_on_the_provider(stack):
    serve(
        stack,
        "openai",
        "incidentio",
        openai_page(
            {"API": "partial_outage", "Sora": "operational"},
            incident("gen", "Elevated error rates", impact="major", components=("API",)),
        ),
    )
    assert states() == {
        "support-bot": "degraded",
        "video-ads": "degraded",
        "marketing-copy": "degraded",
    }


def test_an_incident_on_another_model_leaves_the_feature_working_and_its_fallback_counts(stack):
    serve(
        stack,
        "openai",
        "incidentio",
        openai_page(
            {"API": "degraded_performance"},
            incident("o3", "Increased latency for o3", impact="minor", components=("API",)),
        ),
    )
    assert states()["support-bot"] == "working"
    assert states()["marketing-copy"] == "degraded"
    # A GPT-4o incident: the support bot is hit, and its fallback on Claude is up.
    serve(
        stack,
        "openai",
        "incidentio",
        openai_page(
            {"API": "partial_outage"},
            incident("4o", "Elevated errors on GPT-4o", impact="major", components=("API",)),
        ),
    )
    body = Client().get(reverse("dashboard:api-features")).json()
    bot = next(item for item in body["features"] if item["slug"] == "support-bot")
    assert bot["state"] == "degraded"
    assert bot["fallbacks_up"] == [{"label": "Claude Sonnet 4.5", "state": "working"}]


def test_the_provider_models_api_and_page_show_each_models_state(stack):
    serve(
        stack,
        "openai",
        "incidentio",
        openai_page(
            {"API": "major_outage", "ChatGPT": "major_outage", "Sora": "major_outage"},
            incident(
                "dec26",
                "High error rates for ChatGPT, APIs, and Sora",
                components=("API", "ChatGPT", "Sora"),
            ),
        ),
    )
    body = Client().get(reverse("dashboard:api-provider-models", args=["openai"])).json()
    assert body["provider"] == "openai"
    assert body["days"] == 90
    models = {item["slug"]: item for item in body["models"]}
    assert models["sora-2"]["status"] == "major_outage"
    assert models["sora-2"]["named"] is True
    assert models["sora-2"]["open_incidents"] == ["High error rates for ChatGPT, APIs, and Sora"]
    assert models["sora-2"]["incidents"] == 1
    assert models["gpt-4o"]["status"] == "operational"
    assert models["gpt-4o"]["incidents"] == 0
    assert models["gpt-4o"]["uptime"] == 100.0
    # Trouble first.
    assert body["models"][0]["status"] == "major_outage"
    page = Client().get(reverse("dashboard:provider-detail", args=["openai"])).content.decode()
    assert 'id="provider-models-title"' in page
    assert "<code>sora-2</code>" in page
    missing = Client().get(reverse("dashboard:api-provider-models", args=["nope"]))
    assert missing.status_code == 404


def test_metrics_expose_each_features_state(stack):
    serve(
        stack,
        "openai",
        "incidentio",
        openai_page(
            {"API": "major_outage", "Sora": "major_outage"},
            incident(
                "dec26",
                "High error rates for ChatGPT, APIs, and Sora",
                components=("API", "Sora"),
            ),
        ),
    )
    text = Client().get("/metrics").content.decode()
    current = {}
    for family in text_string_to_metric_families(text):
        if family.name == "aiwatch_feature_state":
            for sample in family.samples:
                if sample.value == 1:
                    current[sample.labels["feature"]] = (
                        sample.labels["state"],
                        sample.labels["criticality"],
                    )
    assert current == {
        "support-bot": ("working", "critical"),
        "video-ads": ("down", "important"),
        "marketing-copy": ("down", "important"),
    }
