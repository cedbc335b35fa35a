"""System checks for sign-in settings that would silently lock people out or let anyone in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.checks import messages as check_messages


@register()
def check_single_sign_on(**kwargs: Any) -> list[check_messages.CheckMessage]:
    found: list[check_messages.CheckMessage] = []
    if bool(settings.AIWATCH_OIDC_ISSUER) != bool(settings.AIWATCH_OIDC_CLIENT_ID):
        found.append(
            Error(
                "AIWATCH_OIDC_ISSUER and AIWATCH_OIDC_CLIENT_ID go together: single sign-on "
                "needs both.",
                id="people.E001",
            )
        )
    if settings.AIWATCH_OIDC_ISSUER:
        if not settings.AIWATCH_OIDC_ISSUER.startswith("https://") and not settings.DEBUG:
            found.append(
                Error("AIWATCH_OIDC_ISSUER must be an https:// address.", id="people.E002")
            )
        if not settings.AIWATCH_SSO_ALLOWED_DOMAINS:
            found.append(
                Warning(
                    "AIWATCH_SSO_ALLOWED_DOMAINS is empty, so nobody can sign in through "
                    "single sign-on.",
                    hint='List the team\'s e-mail domains, e.g. "example.com", or "*" for any.',
                    id="people.W001",
                )
            )
    return found
