"""Local accounts with a TOTP second factor (allauth.mfa), and AIWATCH_REQUIRE_MFA."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import User

from aiwatch.roles import VIEWER, set_role

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def local_user() -> User:
    user = User.objects.create_user("ada", "ada@example.com", PASSWORD)
    set_role(user, VIEWER)
    return user


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238, written out: what a phone's authenticator app shows."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6
    return f"{value:06d}"


def test_a_local_account_signs_in_with_a_password(client, local_user):
    response = client.post("/accounts/login/", {"login": "ada", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(local_user.pk)


def test_with_a_second_factor_the_password_alone_does_not_sign_in(client, local_user):
    secret = generate_totp_secret()
    TOTP.activate(local_user, secret)

    first = client.post("/accounts/login/", {"login": "ada", "password": PASSWORD})

    assert first.status_code == 302
    assert first["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert wrong.status_code == 200
    right = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert right.status_code == 302
    assert client.session.get("_auth_user_id") == str(local_user.pk)


def test_require_mfa_sends_a_password_account_to_set_up_its_second_factor(
    client, local_user, settings
):
    settings.AIWATCH_REQUIRE_MFA = True
    client.force_login(local_user)

    page = client.get("/")
    api = client.get("/api/v1/providers/")

    assert page.status_code == 302
    assert page["Location"] == "/accounts/2fa/totp/activate/"
    assert api.status_code == 403
    # The set-up page itself stays reachable (allauth first asks for the password again).
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 302
    assert setup["Location"].startswith("/accounts/reauthenticate/")
    assert client.get(setup["Location"]).status_code == 200


def test_require_mfa_lets_in_an_account_with_its_second_factor(client, local_user, settings):
    settings.AIWATCH_REQUIRE_MFA = True
    TOTP.activate(local_user, generate_totp_secret())
    client.force_login(local_user)

    assert client.get("/").status_code == 200


def test_require_mfa_leaves_single_sign_on_accounts_to_their_provider(client, settings):
    settings.AIWATCH_REQUIRE_MFA = True
    person = User.objects.create_user("sso-person", "p@example.com")
    person.set_unusable_password()
    person.save()
    client.force_login(person)

    assert client.get("/").status_code == 200
    assert not Authenticator.objects.exists()


def test_without_require_mfa_nobody_is_sent_to_set_one_up(client, local_user):
    client.force_login(local_user)
    assert client.get("/").status_code == 200


def test_the_sign_in_pages_speak_french(client):
    client.cookies["django_language"] = "fr"

    login = client.get("/accounts/login/").content.decode()
    setup = client.get("/accounts/password/reset/").content.decode()

    assert "Se connecter" in login
    assert "Mot de passe" in login
    assert "Pas de compte ?" in login
    assert 'lang="fr"' in setup
    assert "Sign in" not in login
