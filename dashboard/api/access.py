"""Who may call the API: the one gate in front of every route under /api/.

Reads are open unless AIWATCH_API_REQUIRE_LOGIN or AIWATCH_REQUIRE_LOGIN is on; then they need
a signed-in user (a session from the admin login) or a bearer token. Writes always need a token
with the write scope: a session alone never writes, so the API needs no CSRF token.

A bearer token, when one is sent, must be valid whatever the settings: a script with a wrong or
revoked token is told so (401) instead of silently reading as anonymous. Every refusal is the
same 401, so a caller never learns whether the token was unknown, revoked or its user disabled.
The secret itself is never logged or echoed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from probes.models import ApiToken

SIGN_IN = "sign in to use the API"
WRITE_SCOPE = "this call needs a token with the write scope"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: a user (possibly anonymous) and whether they may write."""

    user: Any
    token: ApiToken | None = None

    @property
    def may_write(self) -> bool:
        return self.token is not None and self.token.may_write


def login_required() -> bool:
    return bool(settings.AIWATCH_REQUIRE_LOGIN or settings.AIWATCH_API_REQUIRE_LOGIN)


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret of an `Authorization: Bearer …` header; None when no bearer was sent."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def identify(request: HttpRequest, *, require_login: bool | None = None) -> Caller | None:
    """The caller of a read, or None when it must be refused with 401."""
    secret = bearer_secret(request)
    if secret is not None:
        token = ApiToken.objects.authenticate(secret, now=timezone.now())
        return Caller(token.user, token) if token is not None else None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Caller(user)
    if require_login is None:
        require_login = login_required()
    if require_login:
        return None
    return Caller(AnonymousUser())


def unauthorized() -> JsonResponse:
    response = JsonResponse({"error": SIGN_IN}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="aiwatch"'
    return response


class ApiAccess(HttpBearer):
    """django-ninja's auth for every operation of the API (and the OpenAPI security scheme)."""

    def __call__(self, request: HttpRequest) -> Caller | None:
        return identify(request)

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        return identify(request)  # pragma: no cover - __call__ handles every request


class WriteAccess(ApiAccess):
    """The auth of operations that write: a token with the write scope, checked before the body.

    A wrong or revoked token is 401 like everywhere; no token, or a read-only one, is 403.
    """

    def __call__(self, request: HttpRequest) -> Caller | None:
        caller = identify(request)
        if caller is None:
            return None
        if not caller.may_write:
            raise AuthorizationError(403, WRITE_SCOPE)
        return caller


def open_api_headers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An open API may be read by scripts on other sites (a team portal's status widget).

    The data is public and the header never allows credentials, so no signed-in view leaks.
    A closed API is for this site's users and tokens only: no CORS header at all.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if not login_required():
            response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


def guard_docs(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema and the interactive docs follow the API's rule (pages redirect to login)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if identify(request) is None:
            if request.path.endswith(".json"):
                return unauthorized()
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        return view(request, *args, **kwargs)

    return wrapper
