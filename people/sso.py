"""Sign-in rules for django-allauth: who may get an account, and how it reaches the provider.

* Local accounts are made by admins (`createsuperuser`, the admin); nobody signs up alone.
* Single sign-on (OpenID Connect) lets in people whose e-mail address, as the identity
  provider vouches for it, is in AIWATCH_SSO_ALLOWED_DOMAINS; anyone else is refused before any
  account exists. A new person gets AIWATCH_SSO_DEFAULT_ROLE.
* Every request allauth sends (discovery, token, keys, user info) goes through the project's
  address policy (probes/outbound/requests_transport.py): checked address, no redirects, no
  proxies, the seam's timeouts.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
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
        """Refuse addresses outside the allowed domains, for new and known people alike."""
        address = vouched_address(sociallogin)
        if address is not None and domain_allowed(address, settings.AIWATCH_SSO_ALLOWED_DOMAINS):
            return
        logger.warning(
            "single sign-on refused for domain %r (not in AIWATCH_SSO_ALLOWED_DOMAINS)",
            domain_of(address or "") or "(no verified address)",
        )
        raise ImmediateHttpResponse(
            render(
                request,
                "account/sso_refused.html",
                {"domain": domain_of(address or "")},
                status=403,
            )
        )

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form)
        set_role(user, settings.AIWATCH_SSO_DEFAULT_ROLE)
        return user
