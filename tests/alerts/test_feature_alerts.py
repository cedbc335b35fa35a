"""Alerts per feature: a channel may follow features; an event about a provider reaches those
who follow the features it hits, once per channel, naming the features and their plan B."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from alerts.delivery import deliver_pending
from alerts.events import EventType
from alerts.models import Channel, Delivery, Event
from alerts.subscriptions import EventFacts, Subscription, matches
from probes.catalog import read_catalog, sync_catalog
from probes.models import Source
from probes.parsers.types import Status
from probes.status.polling import poll_source
from tests.alerts.pages import incident, summary

SORA_HIT = EventFacts(
    provider="openai",
    types=frozenset({EventType.INCIDENT_OPENED}),
    severity=Status.MAJOR_OUTAGE,
    features=frozenset({"video-ads"}),
)


@pytest.mark.parametrize(
    ("subscription", "expected"),
    [
        (Subscription.build(features=["video-ads"]), True),
        (Subscription.build(features=["support-bot"]), False),
        # A provider or a feature: either lets the event through.
        (Subscription.build(providers=["anthropic"], features=["video-ads"]), True),
        (Subscription.build(providers=["openai"], features=["support-bot"]), True),
        (Subscription.build(providers=["anthropic"], features=["support-bot"]), False),
        # The other filters still apply.
        (
            Subscription.build(features=["video-ads"], min_severity=Status.MAJOR_OUTAGE),
            True,
        ),
        (Subscription.build(features=["video-ads"], events=[EventType.INCIDENT_RESOLVED]), False),
    ],
)
def test_a_feature_is_a_filter_like_a_provider(subscription, expected):
    assert matches(subscription, SORA_HIT) is expected


STACK = """
[[feature]]
slug = "support-bot"
name = "Support bot"
criticality = "critical"
depends_on = [{provider = "openai", models = ["gpt-4o"]}]
fallbacks = [{provider = "anthropic", model = "claude-sonnet-4-5"}]
plan_b = "Switch the support bot to **Claude** in the bot's settings."

[[feature]]
slug = "video-ads"
name = "Video ads"
depends_on = [{provider = "openai", models = ["sora-2"]}]
plan_b = "Post the still images of the campaign instead."

[[channel]]
name = "video-team"
url = "json://127.0.0.1:${AIWATCH_SECRET_TEST_RECEIVER_PORT}/video"
features = ["video-ads"]

[[channel]]
name = "ops"
url = "json://127.0.0.1:${AIWATCH_SECRET_TEST_RECEIVER_PORT}/ops"
providers = ["openai"]
features = ["video-ads"]

[[channel]]
name = "support-team"
url = "json://127.0.0.1:${AIWATCH_SECRET_TEST_RECEIVER_PORT}/support"
features = ["support-bot"]

[[channel]]
name = "claude-watch"
url = "json://127.0.0.1:${AIWATCH_SECRET_TEST_RECEIVER_PORT}/claude"
providers = ["anthropic"]
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
def stack(status_server, receiver, monkeypatch):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_RECEIVER_PORT", str(receiver.port))
    for path in ("/video", "/ops", "/support", "/claude"):
        receiver.set(path, b"{}")
    text = Path(settings.AIWATCH_CATALOG_PATH).read_text(encoding="utf-8")
    sync_catalog(read_catalog(text + STACK))
    Channel.objects.filter(name="support-team").update(language="fr")
    serve(status_server, "anthropic", "statuspage", summary({"API": "operational"}))
    serve(status_server, "openai", "incidentio", openai_page({"API": "operational"}))
    Delivery.objects.all().delete()
    receiver.requests.clear()
    return status_server


def sent(receiver) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for request in receiver.requests:
        if request.method == "POST":
            found.setdefault(request.path, []).append(json.loads(request.body))
    return found


@pytest.mark.django_db
def test_a_sora_incident_reaches_the_video_team_once_with_the_feature_and_its_plan_b(
    stack, receiver
):
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
    event = Event.objects.get(provider__slug="openai")
    assert [item["slug"] for item in event.payload["features"]] == ["video-ads"]
    # The ops channel follows both OpenAI and the video ads: one delivery all the same.
    assert sorted(Delivery.objects.values_list("channel__name", flat=True)) == [
        "ops",
        "video-team",
    ]
    deliver_pending(include_waiting=True)
    messages = sent(receiver)
    assert sorted(messages) == ["/ops", "/video"]
    assert len(messages["/ops"]) == len(messages["/video"]) == 1
    message = messages["/video"][0]
    assert message["title"].endswith("(hits Video ads)")
    assert "**Our features hit**" in message["message"]
    assert "- Video ads: down; it has no fallback" in message["message"]
    assert "**Plan B for Video ads**" in message["message"]
    assert "Post the still images of the campaign instead." in message["message"]
    # Nothing says the support bot on GPT-4o is hit: the incident names Sora only.
    assert "Support bot" not in message["message"]


@pytest.mark.django_db
def test_a_gpt_4o_incident_reaches_the_support_team_in_its_language_with_the_fallback(
    stack, receiver
):
    serve(
        stack,
        "openai",
        "incidentio",
        openai_page(
            {"API": "partial_outage"},
            incident("4o", "Elevated errors on GPT-4o", impact="major", components=("API",)),
        ),
    )
    assert sorted(Delivery.objects.values_list("channel__name", flat=True)) == [
        "ops",
        "support-team",
    ]
    deliver_pending(include_waiting=True)
    message = sent(receiver)["/support"][0]
    assert "Support bot" in message["title"]
    assert "**Nos fonctionnalités touchées**" in message["message"]
    assert (
        "- Support bot : dégradée ; utiliser Claude Sonnet 4.5 (en service)" in (message["message"])
    )
    assert "**Plan B pour Support bot**" in message["message"]
    assert "Switch the support bot to" in message["message"]
