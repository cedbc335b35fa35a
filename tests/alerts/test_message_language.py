"""Alert messages in the channel's language; provider-written text stays as written."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from alerts import delivery
from alerts.events import EventType
from alerts.messages import build_message
from alerts.models import Channel, Event
from alerts.outbox import fan_out
from probes.models import Provider

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "provider": {"slug": "example", "name": "Example AI", "page": "/providers/example/"},
    "status": {"old": "operational", "new": "major_outage"},
    "since": "2026-12-01T09:10:00Z",
    "components": [{"name": "Chat API", "old": "operational", "new": "major_outage"}],
    "incidents": [
        {
            "title": "Elevated error rates",
            "status": "in_progress",
            "change": "opened",
            "latest_update": "We are investigating.",
        }
    ],
}


def message(language: str | None, *, is_update: bool = False):
    return build_message(
        event_type=EventType.STATUS_CHANGED,
        types=[EventType.STATUS_CHANGED, EventType.INCIDENT_OPENED],
        severity="major_outage",
        at="2026-12-01T09:10:00Z",
        payload=PAYLOAD,
        event_id="e2",
        thread="e1",
        is_update=is_update,
        closes_thread=False,
        key="k1",
        base_url="https://aiwatch.example",
        language=language,
    )


def test_a_french_channel_gets_the_message_in_french():
    sent = message("fr", is_update=True)
    assert sent.title == "Mise à jour : Example AI : Panne majeure"
    assert sent.body.split("\n\n") == [
        "**Example AI** est maintenant **Panne majeure** (avant : Opérationnel).",
        "Non opérationnel depuis le 2026-12-01 09:10 UTC.",
        "Composants (1) : Chat API (Panne majeure).",
        # The incident's title and update are the provider's words: as written.
        "- Incident ouvert : Elevated error rates (en cours) : We are investigating.",
        "[AI Watch](https://aiwatch.example/providers/example/)",
        "Suite de l\u2019alerte e1 (celle-ci est l\u2019alerte e2).",
    ]


def test_an_english_channel_gets_the_same_message_in_english():
    sent = message("en", is_update=True)
    assert sent.title == "Update: Example AI: Major outage"
    assert sent.body.split("\n\n")[:3] == [
        "**Example AI** is now **Major outage** (was Operational).",
        "Not operational since 2026-12-01 09:10 UTC.",
        "Components (1): Chat API (Major outage).",
    ]


def test_without_a_language_the_message_is_in_the_sites(settings):
    settings.LANGUAGE_CODE = "fr"
    assert message(None).title == "Example AI : Panne majeure"


def test_a_new_channel_speaks_the_sites_language(settings):
    settings.LANGUAGE_CODE = "fr"
    assert Channel.objects.create(name="equipe", url="json://localhost").language == "fr"
    settings.LANGUAGE_CODE = "en"
    assert Channel.objects.create(name="team", url="json://localhost").language == "en"


def test_each_channel_receives_its_own_language(receiver):
    provider = Provider.objects.create(slug="example", name="Example AI", status="major_outage")
    Channel.objects.create(name="fr", kind="webhook", url=receiver.url("/hook"), language="fr")
    Channel.objects.create(name="en", kind="webhook", url=receiver.url("/hook"), language="en")
    event = Event.objects.create(
        provider=provider,
        type=EventType.STATUS_CHANGED,
        types=[EventType.STATUS_CHANGED],
        severity="major_outage",
        at=timezone.now(),
        payload={
            "provider": {"slug": "example", "name": "Example AI"},
            "status": {"old": "operational", "new": "major_outage"},
        },
    )
    fan_out(event)

    assert delivery.deliver_pending().sent == 2
    titles = sorted(json.loads(request.body)["title"] for request in receiver.requests)
    assert titles == ["Example AI : Panne majeure", "Example AI: Major outage"]


def test_a_drill_speaks_the_channels_language_and_keeps_its_mark():
    payload = {
        "drill": {
            "id": 7,
            "title": "OpenAI API down for 2 h",
            "affected": [
                {"name": "Support bot", "sentence": "Support bot: down", "plan_b": "Use Claude."}
            ],
        }
    }

    def drill(language: str) -> object:
        return build_message(
            event_type=EventType.DRILL,
            types=[EventType.DRILL],
            severity="major_outage",
            at="2026-12-01T09:10:00Z",
            payload=payload,
            event_id="d1",
            thread="d1",
            is_update=False,
            closes_thread=False,
            key="k-drill",
            base_url="https://aiwatch.example",
            language=language,
        )

    english, french = drill("en"), drill("fr")
    assert english.title == "[DRILL] OpenAI API down for 2 h: 1 feature hit"
    assert french.title == "[DRILL] OpenAI API down for 2 h: 1 fonctionnalité touchée"
    assert "Ceci est un exercice, pas une vraie panne" in french.body
    assert "**Plan B pour Support bot**" in french.body
    assert "This is a drill" not in french.body
