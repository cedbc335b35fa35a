"""Every route, walked from the URL configuration: none answers an anonymous caller when a
login is required. A new view that forgets the gate fails here, whatever its URL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from probes.models import Incident, Provider

pytestmark = pytest.mark.django_db

# Open on purpose: the admin guards itself and holds the login page; orchestrators probe health.
OPEN_PREFIXES = ("/admin/",)

SAMPLE_ARGS = {
    "slug": "example",
    "pk": "1",
    "token": "not-a-token",
    "answer": "yes",
    "provider_id": "sso",
    "key": "abc",
    "uidb36": "1",
}

# Sign-in pages (django-allauth) that must answer before anyone is signed in: the form, the
# single sign-on button and its way back, the second-factor step, password reset, and the pages
# that only say what happened. Every other page under /accounts/ refuses anonymous callers.
SIGN_IN_PAGES = {
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/signup/",
    "/accounts/inactive/",
    "/accounts/oidc/sso/login/",
    "/accounts/oidc/sso/login/callback/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/done/",
    "/accounts/password/reset/key/1-abc/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/abc/",
    "/accounts/3rdparty/login/cancelled/",
    "/accounts/3rdparty/login/error/",
    "/accounts/social/login/cancelled/",
    "/accounts/social/login/error/",
}
# What only a signed-in person has: refused to anonymous callers whatever the settings.
PERSONAL_PREFIX = "/me/"


def concrete(route: str) -> str:
    """A route with its converters or regex groups filled with SAMPLE_ARGS."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE_ARGS[m.group(1)], route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_ARGS[m.group(1)], route)
    return route.replace("^", "").replace("$", "")


def routes(patterns=None, prefix: str = "/") -> Iterator[str]:
    """Every route as a concrete path, converters filled with SAMPLE_ARGS."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if (prefix + route).startswith(OPEN_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + route)
        else:
            assert isinstance(entry, URLPattern)
            yield concrete(prefix + route)


@pytest.fixture
def rows() -> None:
    provider = Provider.objects.create(slug="example", name="Example")
    Incident.objects.create(
        pk=1,
        provider=provider,
        external_id="i1",
        title="Down",
        impact="major",
        status="resolved",
        started_at="2025-01-01T00:00:00Z",
        resolved_at="2025-01-01T01:00:00Z",
    )


def refuses(client, path: str) -> bool:
    response = client.get(path)
    if response.status_code == 405:  # a write-only route: ask with a method it takes
        method = response["Allow"].split(",")[0].strip().lower()
        response = getattr(client, method)(path, data={}, content_type="application/json")
        # Writes need a write token whatever the settings: without one they are forbidden,
        # or (a person's own pages) sent to sign in.
        return response.status_code in (401, 403) or signs_in(response)
    if response.status_code == 401:
        return True
    if path == "/mcp":  # token-only whatever the settings: no token at all is forbidden
        return response.status_code == 403
    if signs_in(response):
        return True
    # allauth's old addresses (/accounts/social/...) redirect to their new ones: walk on.
    location = response.get("Location", "")
    if (
        response.status_code in (301, 302)
        and location.startswith("/accounts/")
        and (location != path)
    ):
        return refuses(client, location)
    return False


def signs_in(response) -> bool:
    return response.status_code == 302 and "/login/" in response["Location"]


def walked() -> list[str]:
    found = sorted(set(routes()))
    # The walk is not vacuous: it reaches the API, the feeds, the CSV and the uptime route.
    for expected in (
        "/api/v1/providers/",
        "/api/v1/providers/example/uptime/",
        "/api/v1/openapi.json",
        "/feeds/incidents.atom",
        "/incidents/export.csv",
        "/feeds/maintenance.ics",
        "/metrics",
        "/badge/example.svg",
        "/embed/example/",
        "/me/",
        "/me/watchlist.json",
        "/accounts/2fa/",
        "/accounts/email/",
    ):
        assert expected in found
    return found


def test_with_require_login_no_route_answers_anonymous_callers(client, settings, rows):
    settings.AIWATCH_REQUIRE_LOGIN = True

    leaks = [path for path in walked() if path not in SIGN_IN_PAGES and not refuses(client, path)]

    assert leaks == []


def test_the_sign_in_pages_answer_before_anyone_is_signed_in(client, settings, rows):
    settings.AIWATCH_REQUIRE_LOGIN = True

    assert set(walked()) >= SIGN_IN_PAGES
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/accounts/password/reset/").status_code == 200


def test_personal_pages_refuse_anonymous_callers_even_on_a_public_dashboard(client, rows):
    personal = [path for path in walked() if path.startswith(PERSONAL_PREFIX)]
    leaks = [path for path in personal if not refuses(client, path)]

    assert len(personal) >= 2
    assert leaks == []


def test_with_api_require_login_no_api_route_answers_anonymous_callers(client, settings, rows):
    settings.AIWATCH_API_REQUIRE_LOGIN = True

    api = [path for path in walked() if path.startswith("/api/")]
    leaks = [path for path in api if not refuses(client, path)]

    assert len(api) >= 8
    assert leaks == []


def test_the_uptime_api_is_closed_with_the_rest_of_the_api(client, settings, rows, admin_user):
    # It once lived outside the API module and skipped its login check.
    settings.AIWATCH_API_REQUIRE_LOGIN = True
    url = "/api/v1/providers/example/uptime/"

    assert client.get(url).status_code == 401
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_a_signed_in_user_reaches_every_api_read(client, settings, rows, admin_user):
    settings.AIWATCH_API_REQUIRE_LOGIN = True
    client.force_login(admin_user)

    # Required parameters are given; routes that take none ignore them.
    answers = {
        path: client.get(path, {"capability": "chat"}).status_code
        for path in walked()
        if path.startswith("/api/")
    }

    # Reads answer; the write-only route says which method it takes.
    assert {path for path, status in answers.items() if status not in (200, 302, 405)} == set()
