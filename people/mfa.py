"""AIWATCH_REQUIRE_MFA: an account that signs in with a password sets up a second factor first.

People who sign in through the identity provider have no usable password here; their second
factor is the provider's business. Until the TOTP authenticator exists, every page sends the
person to set it up (the sign-in pages, static files and health checks stay reachable).
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from aiwatch.access import HEALTH_PATHS

# Where a person without a second factor may still go: sign-in and its set-up pages, the
# language switch, static files.
OPEN_PREFIXES = ("/accounts/", "/i18n/", *HEALTH_PATHS)


def has_second_factor(user: object) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def needs_second_factor(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        settings.AIWATCH_REQUIRE_MFA
        and user.is_authenticated
        and user.has_usable_password()
        and not request.path.startswith((*OPEN_PREFIXES, f"/{settings.STATIC_URL.lstrip('/')}"))
        and not has_second_factor(user)
    )


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_second_factor(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": "set up a second factor (/accounts/2fa/) before using the API"},
                    status=403,
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
