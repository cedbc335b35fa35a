"""/api/v1/fallbacks/: who can stand in for a capability, ordered by what works now."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from probes.models import Source
from tests.factories import NOW, make_incident, make_provider, make_read_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        yield


@pytest.fixture
def providers():
    down = make_provider("aaa-down", name="Aaa Down", status="major_outage", capabilities=["chat"])
    make_read_source(down)
    make_incident(down, "Everything fails", impact="critical", started_at=NOW - timedelta(hours=1))
    up = make_provider("zzz-up", name="Zzz Up", status="operational", capabilities=["chat", "code"])
    make_read_source(up)
    make_read_source(
        up, kind=Source.Kind.INFERENCE, url="https://api.zzz.example/v1/chat", model="small-1"
    )
    doubt = make_provider("mmm", name="Mmm", status="degraded_performance", capabilities=["chat"])
    make_read_source(doubt)
    make_provider("images", status="operational", capabilities=["image"])


def test_an_up_provider_comes_before_a_down_one(client, providers):
    response = client.get("/api/v1/fallbacks/", {"capability": "chat"})

    assert response.status_code == 200
    body = response.json()
    assert [f["provider"] for f in body["fallbacks"]] == ["zzz-up", "mmm", "aaa-down"]
    up, doubt, down = body["fallbacks"]
    assert up["standing"] == "works"
    assert up["models"] == ["small-1"]
    assert doubt["standing"] == "in_doubt"
    assert down["standing"] == "down"
    assert down["incidents_30d"] == 1
    assert "offers chat" in down["why"]
    assert "major outage" in down["why"]
    assert "1 incident (61 min) in 30 days" in down["why"]


def test_the_capability_is_required(client, providers):
    response = client.get("/api/v1/fallbacks/")

    assert response.status_code == 400
    assert "capability" in response.json()["error"]


def test_litellm_and_openrouter_get_the_same_order_without_the_down_provider(client, providers):
    litellm = client.get("/api/v1/fallbacks/litellm/", {"capability": "chat"}).json()["litellm"]
    fallbacks = {name: others for entry in litellm["fallbacks"] for name, others in entry.items()}
    assert fallbacks["aaa-down"] == ["zzz-up/small-1", "mmm"]
    assert fallbacks["zzz-up/small-1"] == ["mmm"]

    openrouter = client.get("/api/v1/fallbacks/openrouter/", {"capability": "chat"}).json()
    assert openrouter["models"] == ["zzz-up/small-1"]
    assert "offers chat" in openrouter["why"]["zzz-up/small-1"]
