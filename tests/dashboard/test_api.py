"""The read API: shapes, filters, errors and a query count that does not grow."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    NOW,
    make_component,
    make_incident,
    make_provider,
    make_read_source,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        yield


@pytest.fixture
def outage():
    provider = make_provider("anthropic", name="Anthropic", status="major_outage")
    make_read_source(provider)
    make_component(provider, "Platform", is_group=True)
    make_component(provider, "API", status="major_outage")
    incident = make_incident(
        provider,
        "Requests are failing",
        external_id="x1y2",
        impact="critical",
        started_at=NOW - timedelta(minutes=30),
        updates=[
            ("investigating", "Looking.", NOW - timedelta(minutes=30)),
            ("identified", "Found it.", NOW - timedelta(minutes=10)),
        ],
    )
    return incident


def test_the_provider_list_has_the_documented_shape(client, outage):
    response = client.get(reverse("dashboard:api-providers"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "providers": [
            {
                "slug": "anthropic",
                "name": "Anthropic",
                "status": "major_outage",
                "status_label": "Major outage",
                "official_status": "major_outage",
                "headline": {
                    "provenance": "official",
                    "since": None,
                    "partly_unreadable": False,
                    "unreadable_sources": [],
                    "team_warning": False,
                },
                "updated_at": "2025-01-15T12:00:00Z",
                "source_error": None,
                "components": [{"name": "API", "status": "major_outage"}],
                "open_incidents": [
                    {
                        "id": "x1y2",
                        "title": "Requests are failing",
                        "impact": "critical",
                        "status": "investigating",
                        "started_at": "2025-01-15T11:30:00Z",
                        "url": "https://status.anthropic.example/incidents/x1y2",
                    }
                ],
                "observed_status": {
                    "provenance": "observed",
                    "status": "unknown",
                    "status_label": "Unknown",
                    "checked_at": None,
                    "changed_at": None,
                    "fresh": False,
                    "has_probes": False,
                },
                "team_reports": {
                    "provenance": "team",
                    "window_minutes": 15,
                    "recent": 0,
                    "usual": 0.0,
                    "burst": False,
                },
            }
        ]
    }


def test_a_failing_source_makes_the_provider_unknown_with_the_reason(client):
    provider = make_provider("openai", status="operational")
    make_read_source(
        provider,
        last_error="fetch failed (timeout): timed out",
        error_since=NOW - timedelta(minutes=5),
    )

    body = client.get(reverse("dashboard:api-provider-detail", args=["openai"])).json()

    assert body["status"] == "unknown"
    assert body["status_label"] == "Unknown"
    assert body["source_error"] == {
        "reason": "fetch failed (timeout): timed out",
        "since": "2025-01-15T11:55:00Z",
    }


def test_one_provider_has_the_same_shape_as_in_the_list(client, outage):
    listed = client.get(reverse("dashboard:api-providers")).json()["providers"][0]

    one = client.get(reverse("dashboard:api-provider-detail", args=["anthropic"])).json()

    # The provider endpoint adds detection lead and silent outages (more queries than a list).
    detection = one.pop("detection")
    assert one == listed
    assert detection == {"days": 90, "median_lead_seconds": None, "leads": [], "silent_outages": []}


def test_an_unknown_provider_is_a_json_404(client):
    response = client.get(reverse("dashboard:api-provider-detail", args=["nope"]))

    assert response.status_code == 404
    assert "nope" in response.json()["error"]


def test_the_api_needs_no_login_and_only_answers_reads(client, outage):
    response = client.get(reverse("dashboard:api-incidents"))
    assert response.status_code == 200
    # Other sites' scripts may read the open API, without credentials.
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert client.post(reverse("dashboard:api-providers")).status_code == 405


def test_incidents_have_the_documented_shape_with_updates_oldest_first(client, outage):
    body = client.get(reverse("dashboard:api-incidents")).json()

    assert body == {
        "incidents": [
            {
                "id": "x1y2",
                "provider": "anthropic",
                "title": "Requests are failing",
                "impact": "critical",
                "status": "investigating",
                "started_at": "2025-01-15T11:30:00Z",
                "resolved_at": None,
                "url": "https://status.anthropic.example/incidents/x1y2",
                "updates": [
                    {"status": "investigating", "body": "Looking.", "at": "2025-01-15T11:30:00Z"},
                    {"status": "identified", "body": "Found it.", "at": "2025-01-15T11:50:00Z"},
                ],
                "acknowledged_at": None,
                "acknowledged_by": None,
                "time_to_acknowledge_seconds": None,
            }
        ]
    }


@pytest.fixture
def timeline():
    """Three incidents on one provider and one on another, at known times."""
    a = make_provider("a")
    b = make_provider("b")
    day = timedelta(days=1)
    make_incident(
        a,
        "early",
        external_id="early",
        status="resolved",
        started_at=NOW - 10 * day,
        resolved_at=NOW - 9 * day,
    )
    make_incident(
        a,
        "middle",
        external_id="middle",
        status="resolved",
        started_at=NOW - 5 * day,
        resolved_at=NOW - 4 * day,
    )
    make_incident(a, "ongoing", external_id="ongoing", started_at=NOW - 2 * day)
    make_incident(
        b,
        "other",
        external_id="other",
        status="resolved",
        started_at=NOW - 5 * day,
        resolved_at=NOW - 5 * day + timedelta(hours=1),
    )


def _ids(client, **params) -> list[str]:
    response = client.get(reverse("dashboard:api-incidents"), params)
    assert response.status_code == 200, response.content
    return [incident["id"] for incident in response.json()["incidents"]]


def test_incidents_filter_by_provider(client, timeline):
    assert _ids(client, provider="b") == ["other"]
    # Newest first; "other" and "middle" started together, and the later row comes first.
    assert _ids(client) == ["ongoing", "other", "middle", "early"]


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # Overlap, not containment: "middle" ran from day -5 to day -4.
        ("2025-01-10T12:00:00Z", "2025-01-10T13:00:00Z", ["middle"]),
        # An open incident overlaps every window after its start.
        ("2025-01-14", "", ["ongoing"]),
        # The end is exclusive: an incident starting exactly at `until` is outside.
        ("", "2025-01-05T12:00:00Z", []),
        ("", "2025-01-05T12:00:01Z", ["early"]),
        # An incident resolved exactly at `since` is outside too.
        ("2025-01-06T12:00:00Z", "2025-01-07T00:00:00Z", []),
        # Offsets are honoured and naive times are UTC.
        ("2025-01-10T13:30:00+01:00", "2025-01-10T12:40:00", ["middle"]),
    ],
)
def test_incidents_filter_by_overlapping_window(client, timeline, since, until, expected):
    assert _ids(client, provider="a", since=since, until=until) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "yesterday"}, "'since' must be an ISO-8601 date or time"),
        ({"until": "2025-13-45"}, "'until' must be an ISO-8601 date or time"),
        ({"since": "2025-01-02", "until": "2025-01-01"}, "'since' must be earlier than 'until'"),
        ({"provider": "nope"}, "unknown provider 'nope'"),
        ({"limit": "many"}, "'limit' must be a whole number"),
        ({"limit": "0"}, "'limit' must be between 1 and"),
    ],
)
def test_bad_incident_parameters_are_a_400_with_a_message(client, timeline, params, message):
    response = client.get(reverse("dashboard:api-incidents"), params)

    assert response.status_code == 400
    assert message in response.json()["error"]


def test_incidents_are_limited(client, timeline):
    assert _ids(client, provider="a", limit="2") == ["ongoing", "middle"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_provider_with_incident(number: int) -> None:
    provider = make_provider(f"p{number}", status="major_outage")
    make_read_source(provider)
    make_component(provider, "API", status="major_outage", external_id=f"c{number}")
    make_incident(
        provider,
        f"Outage {number}",
        external_id=f"i{number}",
        updates=[("investigating", "Looking.", NOW), ("identified", "Found.", NOW)],
    )


@pytest.mark.parametrize("name", ["dashboard:api-providers", "dashboard:api-incidents"])
def test_the_api_query_count_does_not_grow_with_providers(client, name):
    _add_provider_with_incident(0)
    one = _queries(client, reverse(name))
    for number in range(1, 10):
        _add_provider_with_incident(number)

    assert _queries(client, reverse(name)) == one


def test_the_api_can_be_closed_to_anonymous_callers(client, admin_user, settings, outage):
    settings.AIWATCH_API_REQUIRE_LOGIN = True

    response = client.get(reverse("dashboard:api-providers"))
    assert response.status_code == 401
    assert response.json() == {"error": "sign in to use the API"}

    client.force_login(admin_user)
    response = client.get(reverse("dashboard:api-providers"))
    assert response.status_code == 200
    # A closed API is for this site's signed-in users only.
    assert "Access-Control-Allow-Origin" not in response


def test_the_api_is_documented_on_a_page(client):
    html = client.get(reverse("dashboard:api-docs")).content.decode()

    assert reverse("dashboard:api-providers") in html
    assert reverse("dashboard:api-incidents") in html
    assert "<code>major_outage</code>" in html
    assert "no login needed" in html
