"""Sign-in rules for django-allauth: who may get an account, and how it reaches the provider.

* Local accounts are made by admins (`createsuperuser`, the admin); nobody signs up alone.
* Single sign-on (OpenID Connect) lets in people whose e-mail address, as the identity
  provider vouches for it, is in AIWATCH_SSO_ALLOWED_DOMAINS; anyone else is refused before any
  account exists. A new person gets AIWATCH_SSO_DEFAULT_ROLE.
* A verified address that belongs to a local account signs in to that account and connects it
  (allauth's e-mail authentication, aiwatch/sign_in_settings.py); the account keeps its role.
  An address that matches a local account but that the provider did not say is verified is
  refused: it neither links nor gets to a sign-up form where another address could be typed.
* Every request allauth sends (discovery, token, keys, user info) goes through the project's
  address policy (probes/outbound/requests_transport.py): checked address, no redirects, no
  proxies, the seam's timeouts.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, NoReturn

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import render

from aiwatch.roles import set_role
from probes.outbound.requests_transport import PinnedSession

logger = logging.getLogger(__name__)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


def domain_allowed(address: str, allowed: list[str]) -> bool:
    """True when `address` is in one of the `allowed` domains ("*": any). Pure."""
    domain = domain_of(address)
    if not domain or "@" not in address:
        return False
    return "*" in allowed or domain in allowed


def vouched_address(sociallogin: Any) -> str | None:
    """The e-mail address the identity provider gave, or None when it gave none or said it is
    not verified (an address the provider lets anyone type proves no domain)."""
    data = sociallogin.account.extra_data or {}
    claims = {**(data.get("id_token") or {}), **(data.get("userinfo") or {})} or data
    if str(claims.get("email_verified", "")).strip().lower() == "false":
        return None
    email = claims.get("email") or getattr(sociallogin.user, "email", "")
    return str(email).strip() or None


def accounts_with_address(address: str) -> list[Any]:
    """The accounts whose e-mail address is `address`, whatever its case (an admin may have
    typed "Ada@Example.com" where the provider says "ada@example.com")."""
    users = {user.pk: user for user in get_user_model().objects.filter(email__iexact=address)}
    for row in EmailAddress.objects.filter(email__iexact=address).select_related("user"):
        users.setdefault(row.user.pk, row.user)
    return list(users.values())


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_requests_session(self) -> PinnedSession:
        session = PinnedSession()
        session.request = functools.partial(  # type: ignore[method-assign]
            session.request,
            timeout=(settings.AIWATCH_HTTP_CONNECT_TIMEOUT, settings.AIWATCH_HTTP_READ_TIMEOUT),
        )
        return session

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        address = vouched_address(sociallogin)
        return address is not None and domain_allowed(address, settings.AIWATCH_SSO_ALLOWED_DOMAINS)

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Refuse addresses outside the allowed domains, for new and known people alike, and a
        new sign-in whose address is a local account's that e-mail authentication did not
        accept (the provider did not say the address is verified)."""
        address = vouched_address(sociallogin)
        if address is None or not domain_allowed(address, settings.AIWATCH_SSO_ALLOWED_DOMAINS):
            logger.warning(
                "single sign-on refused for domain %r (not in AIWATCH_SSO_ALLOWED_DOMAINS)",
                domain_of(address or "") or "(no verified address)",
            )
            self._refuse(request, {"domain": domain_of(address or "")})
        if not sociallogin.is_existing and accounts_with_address(address):
            logger.warning(
                "single sign-on refused: the address matches a local account it cannot be "
                "connected to (not said to be verified, or several accounts have it)"
            )
            self._refuse(request, {"unverified_match": True})

    def _refuse(self, request: HttpRequest, ctx: dict[str, Any]) -> NoReturn:
        raise ImmediateHttpResponse(render(request, "account/sso_refused.html", ctx, status=403))

    def authenticate_by_email(self, sociallogin: Any) -> tuple[Any, str] | None:
        """The one local account with an address the provider says it verified, compared
        without case; None when there is none, or several (which one would be a guess)."""
        for email in [row.email for row in sociallogin.email_addresses if row.verified]:
            if not self.can_authenticate_by_email(sociallogin, email):
                continue
            accounts = accounts_with_address(email)
            if len(accounts) == 1:
                return accounts[0], email
        return None

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form)
        set_role(user, settings.AIWATCH_SSO_DEFAULT_ROLE)
        return user
