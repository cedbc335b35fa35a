"""Single sign-on through OpenID Connect, against a real provider served on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib.auth.models import User

from aiwatch.roles import EDITOR, VIEWER, role_of, set_role
from aiwatch.sign_in_settings import form_action_sources
from probes.outbound.secrets import secret_name_problem
from tests.aiwatch.oidc_provider import (
    LOGIN,
    OidcProvider,
    sign_in,
    signed_in_user,
    use_provider,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings) -> Iterator[OidcProvider]:
    with OidcProvider() as oidc:
        use_provider(settings, oidc, domains=["example.com"], role=VIEWER)
        yield oidc


def test_a_person_of_an_allowed_domain_signs_in_and_gets_the_default_role(client, provider):
    provider.sign_in_as("ada@example.com")

    response = sign_in(client, provider)

    assert response.status_code == 302
    user = signed_in_user(client)
    assert user is not None
    assert user.email == "ada@example.com"
    assert role_of(user) == VIEWER
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).uid == provider.person["sub"]
    # The token endpoint was called with the secret, over the address policy's transport.
    token_calls = [r for r in provider.requests if r.path == "/token"]
    assert len(token_calls) == 1
    assert f"client_secret={provider.client_secret}" in token_calls[0].body


def test_the_default_role_is_a_setting(client, provider, settings):
    settings.AIWATCH_SSO_DEFAULT_ROLE = EDITOR
    provider.sign_in_as("eddie@example.com")

    sign_in(client, provider)

    assert role_of(signed_in_user(client)) == EDITOR


def test_signing_in_again_finds_the_same_account(client, provider):
    provider.sign_in_as("ada@example.com")
    sign_in(client, provider)
    client.post("/accounts/logout/")

    sign_in(client, provider)

    assert User.objects.count() == 1
    assert signed_in_user(client).email == "ada@example.com"


def test_a_refused_domain_gets_no_account(client, provider):
    provider.sign_in_as("mallory@elsewhere.org")

    response = sign_in(client, provider)

    assert response.status_code == 403
    assert "elsewhere.org" in response.content.decode()
    assert signed_in_user(client) is None
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_an_address_the_provider_did_not_verify_gets_no_account(client, provider):
    provider.sign_in_as("ada@example.com", email_verified=False)

    response = sign_in(client, provider)

    assert response.status_code == 403
    assert not User.objects.exists()


def local_account(role: str = EDITOR) -> User:
    user = User.objects.create_user("ada", "Ada@Example.com", "a long passphrase 42")
    set_role(user, role)
    return user


def test_a_verified_address_signs_in_to_the_local_account_that_has_it(client, provider):
    ada = local_account()
    provider.sign_in_as("ada@example.com")

    response = sign_in(client, provider)

    assert response.status_code == 302
    assert signed_in_user(client) == ada
    assert User.objects.count() == 1
    assert SocialAccount.objects.get(uid=provider.person["sub"]).user == ada
    assert role_of(ada) == EDITOR  # not the default role of a new person
    # Whoever set the local password no longer has a way in beside the provider.
    ada.refresh_from_db()
    assert not ada.has_usable_password()
    client.post("/accounts/logout/")
    # Connected: the next sign-in finds the account by the provider's subject, even under
    # another address.
    provider.person["email"] = "ada.lovelace@example.com"
    sign_in(client, provider)
    assert signed_in_user(client) == ada


def test_a_local_account_whose_address_is_marked_verified_keeps_its_password(client, provider):
    ada = local_account()
    # As the admin stores it (allauth keeps addresses in lower case).
    EmailAddress.objects.create(user=ada, email=ada.email.lower(), verified=True, primary=True)
    provider.sign_in_as("ada@example.com")

    sign_in(client, provider)

    assert signed_in_user(client) == ada
    ada.refresh_from_db()
    assert ada.check_password("a long passphrase 42")


@pytest.mark.parametrize("verified", [False, None], ids=["said-unverified", "not-said"])
def test_an_unverified_address_never_links_to_a_local_account(client, provider, verified):
    ada = local_account()
    provider.sign_in_as("ada@example.com", email_verified=verified)
    if verified is None:
        del provider.person["email_verified"]

    response = sign_in(client, provider)

    assert response.status_code == 403
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1
    ada.refresh_from_db()
    assert ada.check_password("a long passphrase 42")
    if verified is None:
        assert "did not say the address is verified" in response.content.decode()


def test_a_local_account_of_a_refused_domain_is_not_linked(client, provider, settings):
    local_account()
    settings.AIWATCH_SSO_ALLOWED_DOMAINS = ["example.org"]
    provider.sign_in_as("ada@example.com")

    assert sign_in(client, provider).status_code == 403
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()


def test_an_account_whose_domain_was_removed_is_refused_at_its_next_sign_in(
    client, provider, settings
):
    provider.sign_in_as("ada@example.com")
    sign_in(client, provider)
    client.post("/accounts/logout/")
    settings.AIWATCH_SSO_ALLOWED_DOMAINS = ["example.org"]

    response = sign_in(client, provider)

    assert response.status_code == 403
    assert signed_in_user(client) is None


def test_sign_out_ends_the_session(client, provider, settings):
    settings.AIWATCH_REQUIRE_LOGIN = True
    provider.sign_in_as("ada@example.com")
    sign_in(client, provider)
    assert client.get("/").status_code == 200

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert signed_in_user(client) is None
    after = client.get("/")
    assert after.status_code == 302
    assert after["Location"].startswith("/accounts/login/")


def test_the_provider_is_reached_only_through_the_address_policy(client, provider, settings):
    # Without 127.0.0.1 on the allow list the policy refuses the provider's private address:
    # no request reaches it, and nobody is signed in.
    settings.AIWATCH_OUTBOUND_ALLOW = []
    provider.sign_in_as("ada@example.com")

    response = client.post(LOGIN)

    assert response.status_code == 502
    assert "cannot be reached" in response.content.decode()
    assert provider.requests == []
    assert signed_in_user(client) is None


def test_the_client_secret_is_neither_stored_nor_logged_nor_substitutable(client, provider, caplog):
    caplog.set_level(logging.DEBUG)
    provider.sign_in_as("ada@example.com")

    sign_in(client, provider)

    assert not SocialApp.objects.exists()
    assert not SocialToken.objects.exists()
    assert provider.client_secret not in caplog.text
    assert (
        any(
            provider.client_secret in value
            for account in SocialAccount.objects.all()
            for value in [str(account.extra_data)]
        )
        is False
    )
    # A channel URL cannot name the variable the secret is read from.
    assert secret_name_problem("AIWATCH_OIDC_CLIENT_SECRET") is not None


def test_the_sign_in_page_offers_the_provider_and_local_accounts(client, provider):
    page = client.get("/accounts/login/").content.decode()

    assert "Team SSO" in page
    assert 'name="login"' in page
    assert 'name="password"' in page


def test_the_sign_in_page_lets_its_button_lead_to_the_provider(client, provider):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer}" in policy


def test_form_action_names_the_issuers_origin_only():
    assert form_action_sources("https://login.example.com/realms/team/") == [
        "'self'",
        "https://login.example.com",
    ]
    assert form_action_sources("") == ["'self'"]


def test_a_half_configured_provider_is_a_startup_error(settings):
    from people.checks import check_single_sign_on

    settings.AIWATCH_OIDC_ISSUER = "https://login.example.com"
    settings.AIWATCH_OIDC_CLIENT_ID = ""
    assert [message.id for message in check_single_sign_on()] == ["people.E001", "people.W001"]
    settings.AIWATCH_OIDC_CLIENT_ID = "aiwatch"
    settings.AIWATCH_SSO_ALLOWED_DOMAINS = ["example.com"]
    assert check_single_sign_on() == []
