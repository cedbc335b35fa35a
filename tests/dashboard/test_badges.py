"""Badges and the embed card: valid SVG, caching headers, login rules, framing rules."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
import time_machine

from tests.factories import NOW, make_provider, make_read_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        yield


SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def provider():
    provider = make_provider("anthropic", name="Anthropic <Claude>", status="major_outage")
    make_read_source(provider)
    return provider


def test_the_status_badge_is_a_valid_svg_with_the_status_word(client, provider):
    response = client.get("/badge/anthropic.svg")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert texts == ["Anthropic <Claude>", "major outage"]
    assert root.find(f"{SVG}title").text == "Anthropic <Claude>: major outage"
    assert "max-age=60" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]


def test_an_unchanged_badge_answers_304_to_its_etag(client, provider):
    etag = client.get("/badge/anthropic.svg")["ETag"]

    assert client.get("/badge/anthropic.svg", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_stale_provider_shows_unknown_not_its_last_word(client):
    provider = make_provider("openai", status="operational")
    make_read_source(provider, last_error="fetch failed (timeout): timed out")

    root = ElementTree.fromstring(client.get("/badge/openai.svg").content)

    assert [e.text for e in root.iter(f"{SVG}text")][1] == "unknown"


def test_the_uptime_badge_is_a_valid_svg(client, provider):
    response = client.get("/badge/anthropic/uptime.svg", {"days": "30"})

    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    assert [e.text for e in root.iter(f"{SVG}text")] == ["Anthropic <Claude> uptime 30d", "no data"]


def test_an_unknown_provider_is_a_404_badge(client):
    response = client.get("/badge/nobody.svg")

    assert response.status_code == 404
    ElementTree.fromstring(response.content)


def test_a_private_dashboard_serves_only_public_badges(client, settings, provider, admin_user):
    settings.AIWATCH_REQUIRE_LOGIN = True
    assert client.get("/badge/anthropic.svg").status_code == 401
    assert client.get("/badge/nobody.svg").status_code == 401
    assert client.get("/embed/anthropic/").status_code == 401

    provider.public_badge = True
    provider.save()
    response = client.get("/badge/anthropic.svg")
    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assert client.get("/embed/anthropic/").status_code == 200

    client.force_login(admin_user)
    provider.public_badge = False
    provider.save()
    assert client.get("/badge/anthropic.svg").status_code == 200


def test_the_embed_card_is_framed_only_by_the_configured_origins(client, settings, provider):
    response = client.get("/embed/anthropic/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]

    settings.AIWATCH_EMBED_ORIGINS = ["https://wiki.example.com"]
    response = client.get("/embed/anthropic/")
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://wiki.example.com" in policy
    assert "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]
    assert "Anthropic &lt;Claude&gt;" in response.content.decode()
    # Every other page still refuses to be framed.
    page = client.get("/providers/anthropic/")
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
