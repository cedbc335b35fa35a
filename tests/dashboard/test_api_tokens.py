"""API tokens: created once, stored as a digest, read a closed API, write a team report."""

from __future__ import annotations

import io
import logging

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from probes.models import ApiToken, Provider, TeamReport

pytestmark = pytest.mark.django_db

PROVIDERS = "/api/v1/providers/"


@pytest.fixture
def user() -> User:
    return User.objects.create_user("grafana")


@pytest.fixture
def provider() -> Provider:
    return Provider.objects.create(slug="openai", name="OpenAI")


def create_token(username: str, scope: str) -> str:
    out = io.StringIO()
    call_command("api_token", "create", "--user", username, "--scope", scope, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_command_prints_the_token_alone_on_its_last_line_and_stores_a_digest(user):
    secret = create_token("grafana", "read")

    assert secret.startswith("aiw_")
    assert " " not in secret
    token = ApiToken.objects.get()
    assert token.user == user
    assert token.scope == "read"
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert all(secret not in value for value in stored)
    assert token.hint == secret[:8]


def test_a_token_reads_the_api_while_anonymous_callers_get_401(client, settings, user, provider):
    settings.AIWATCH_API_REQUIRE_LOGIN = True
    secret = create_token("grafana", "read")

    assert client.get(PROVIDERS).status_code == 401
    response = client.get(PROVIDERS, **bearer(secret))
    assert response.status_code == 200
    assert response.json()["providers"][0]["slug"] == "openai"
    assert ApiToken.objects.get().last_used_at is not None


def test_a_token_reads_a_private_dashboards_api_too(client, settings, user, provider):
    settings.AIWATCH_REQUIRE_LOGIN = True
    secret = create_token("grafana", "read")

    assert client.get(PROVIDERS).status_code == 401
    assert client.get(PROVIDERS, **bearer(secret)).status_code == 200
    # A token opens the API, not the pages.
    assert client.get("/", **bearer(secret)).status_code == 302


def test_wrong_revoked_and_disabled_tokens_get_the_same_401(client, settings, user, provider):
    settings.AIWATCH_API_REQUIRE_LOGIN = True
    revoked = create_token("grafana", "read")
    ApiToken.objects.update(revoked_at=timezone.now())
    other = User.objects.create_user("gone")
    disabled = create_token("gone", "read")
    other.is_active = False
    other.save()
    live = create_token("grafana", "read")

    answers = {
        (r.status_code, r.content)
        for r in (
            client.get(PROVIDERS, **bearer(revoked)),
            client.get(PROVIDERS, **bearer(disabled)),
            client.get(PROVIDERS, **bearer(live[:-1] + ("A" if live[-1] != "A" else "B"))),
            client.get(PROVIDERS, **bearer("not-even-a-token")),
            client.get(PROVIDERS, **bearer("")),
        )
    }

    assert answers == {(401, b'{"error": "sign in to use the API"}')}


def test_a_wrong_token_is_refused_even_when_the_api_is_open(client, provider):
    assert client.get(PROVIDERS).status_code == 200
    assert client.get(PROVIDERS, **bearer("aiw_wrong")).status_code == 401


def test_writing_a_team_report_needs_a_write_token(client, user, provider):
    url = "/api/v1/providers/openai/reports/"
    reader = create_token("grafana", "read")
    writer = create_token("grafana", "write")

    # No token at all: forbidden before the body is read (and no CSRF token would help).
    assert client.post(url, {"note": "x"}, content_type="application/json").status_code == 403
    wrong = client.post(url, {}, content_type="application/json", **bearer(writer + "x"))
    assert wrong.status_code == 401
    refused = client.post(url, {}, content_type="application/json", **bearer(reader))
    assert refused.status_code == 403
    assert "write scope" in refused.json()["error"]

    response = client.post(
        url, {"note": "timeouts from the office"}, content_type="application/json", **bearer(writer)
    )
    assert response.status_code == 201
    assert response.json() == {"provider": "openai", "recent": 1}
    assert TeamReport.objects.get().note == "timeouts from the office"
    # One person per token: a second report in the window is refused, in the error shape.
    again = client.post(url, {}, content_type="application/json", **bearer(writer))
    assert again.status_code == 429
    assert "already reported" in again.json()["error"]


def test_tokens_never_appear_in_logs(client, settings, user, provider, caplog):
    settings.AIWATCH_API_REQUIRE_LOGIN = True
    secret = create_token("grafana", "write")
    caplog.set_level(logging.DEBUG)

    client.get(PROVIDERS, **bearer(secret))
    client.get(PROVIDERS, **bearer(secret + "x"))
    client.post(
        "/api/v1/providers/nobody/reports/", {}, content_type="application/json", **bearer(secret)
    )

    assert caplog.records
    assert secret not in caplog.text
    assert secret[8:20] not in caplog.text


def test_the_admin_shows_a_new_token_once_and_can_revoke_it(client, admin_user, user):
    client.force_login(admin_user)

    response = client.post(
        "/admin/probes/apitoken/add/", {"user": user.pk, "name": "ci", "scope": "read"}
    )

    assert response.status_code == 200
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith(token.hint)
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert ApiToken.objects.authenticate(secret, now=timezone.now()) == token
    page = client.get(f"/admin/probes/apitoken/{token.pk}/change/").content.decode()
    assert secret not in page

    client.post(
        "/admin/probes/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert ApiToken.objects.authenticate(secret, now=timezone.now()) is None
