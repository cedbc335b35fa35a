"""API reads from the cache: the same answer in one query, a change shown on the next request,
and never a cached body for a caller the gate refuses."""

from __future__ import annotations

import gzip
from datetime import timedelta
from unittest import mock

import pytest
import redis
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import NOW, make_incident, make_provider, make_read_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

INCIDENTS = reverse("dashboard:api-incidents")


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        yield


@pytest.fixture
def provider():
    provider = make_provider("anthropic", name="Anthropic", status="major_outage")
    make_read_source(provider)
    for number in range(3):
        make_incident(
            provider,
            f"Requests are failing {number}",
            started_at=NOW - timedelta(hours=number + 1),
            updates=[("investigating", "Looking.", NOW - timedelta(hours=number + 1))],
        )
    return provider


def get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard:api-providers"),
        reverse("dashboard:api-provider-detail", args=["anthropic"]),
        reverse("dashboard:api-provider-components", args=["anthropic"]),
        reverse("dashboard:api-provider-uptime", args=["anthropic"]) + "?days=365",
        INCIDENTS + "?limit=2",
        reverse("dashboard:api-incident-updates"),
        reverse("dashboard:api-maintenance"),
        reverse("dashboard:api-accuracy"),
        reverse("dashboard:api-provider-accuracy", args=["anthropic"]),
    ],
)
def test_a_second_read_is_the_same_answer_in_one_query(client, provider, url):
    first, _ = get(client, url)
    again, queries = get(client, url)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert queries == 1  # the state version: what the answer was computed from
    for header in ("Content-Type", "Link", "Access-Control-Allow-Origin"):
        assert again.get(header) == first.get(header)
    assert again["Access-Control-Allow-Origin"] == "*"


def test_the_paging_link_and_the_query_string_are_part_of_the_answer(client, provider):
    first, _ = get(client, INCIDENTS + "?limit=2")
    assert "cursor=" in first["Link"]
    everything, _ = get(client, INCIDENTS + "?limit=10")
    assert len(everything.json()["incidents"]) == 3
    assert "Link" not in everything
    again, _ = get(client, INCIDENTS + "?limit=2")
    assert len(again.json()["incidents"]) == 2
    assert again["Link"] == first["Link"]


def test_a_recorded_change_shows_on_the_next_read(client, provider):
    before, _ = get(client, INCIDENTS)
    assert len(before.json()["incidents"]) == 3
    make_incident(provider, "A new one", started_at=NOW)
    after, _ = get(client, INCIDENTS)
    assert after.json()["incidents"][0]["title"] == "A new one"


def test_what_only_the_clock_moves_is_read_again_within_a_minute(client, provider):
    url = reverse("dashboard:api-provider-detail", args=["anthropic"])
    get(client, url)
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        _, queries = get(client, url)
    assert queries > 1


def test_a_closed_api_never_serves_a_cached_body_to_a_caller_it_refuses(
    client, admin_user, settings, provider
):
    settings.AIWATCH_API_REQUIRE_LOGIN = True
    client.force_login(admin_user)
    assert get(client, INCIDENTS)[0].status_code == 200
    client.logout()
    refused, _ = get(client, INCIDENTS)
    assert refused.status_code == 401
    assert refused.json() == {"error": "sign in to use the API"}
    assert "Access-Control-Allow-Origin" not in refused


def test_an_answer_is_compressed_once_for_callers_that_take_gzip(client, provider):
    plain, _ = get(client, INCIDENTS)
    packed, _ = get(client, INCIDENTS, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert "Content-Encoding" not in get(client, INCIDENTS)[0]


def test_an_error_is_not_kept(client, provider):
    from django.core.cache import cache

    with mock.patch.object(cache, "set", wraps=cache.set) as kept:
        refused, _ = get(client, INCIDENTS + "?impact=dreadful")
        missing, _ = get(client, reverse("dashboard:api-provider-detail", args=["nobody"]))
    assert refused.status_code == 400
    assert missing.status_code == 404
    kept.assert_not_called()


def test_with_the_cache_away_reads_are_computed(client, provider):
    from django.core.cache import cache

    expected = get(client, INCIDENTS)[0].content
    cache.clear()
    with (
        mock.patch.object(cache, "get", side_effect=redis.ConnectionError("down")),
        mock.patch.object(cache, "set", side_effect=redis.ConnectionError("down")),
    ):
        response, _ = get(client, INCIDENTS)
    assert response.status_code == 200
    assert response.content == expected


@pytest.mark.parametrize(
    "url",
    [
        INCIDENTS + "?q=failing",
        INCIDENTS + "?limit=2",
        INCIDENTS + "?limit=2&nonce=8d1f",
        INCIDENTS + "?limit=2&limit=3",
        reverse("dashboard:incident-list") + "?q=x",
        reverse("dashboard:incident-list") + "?nonce=8d1f",
    ],
)
def test_searches_later_pages_and_unknown_parameters_are_never_kept(client, provider, url):
    from django.core.cache import cache

    if url.endswith("?limit=2"):  # the second page, through the first page's cursor
        url = client.get(url)["Link"].split(";")[0].strip("<>")
    with mock.patch.object(cache, "set", wraps=cache.set) as kept:
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200
    kept.assert_not_called()
