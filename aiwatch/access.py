"""Who may see and do what: a private-dashboard switch, a limit on login attempts, and the
role check of write views."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth import user_logged_in, user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from aiwatch.redis_client import redis_client

logger = logging.getLogger(__name__)

# Paths that stay open when AIWATCH_REQUIRE_LOGIN is on: the admin guards itself, the sign-in
# pages (django-allauth under /accounts/: sign-in, second factor, single sign-on, password reset)
# must be reachable to sign in, and allauth's own pages for a signed-in person (e-mail, password,
# second-factor set-up) check the login themselves; static files are public assets, and
# orchestrators probe health without a login.
HEALTH_PATHS = ("/healthz", "/readyz")
SIGN_IN_PREFIX = "/accounts/"
# Paths whose views apply the login rule themselves, because they also accept tokens (scripts
# and scrapers cannot sign in): the API (dashboard/api/access.py), the metrics, MCP, and badges and
# embeds, which a provider's "public badge" switch may open on a private dashboard.
# tests/aiwatch/test_login_walk.py checks that every one of them still refuses anonymous callers.
SELF_GUARDED_PREFIXES = ("/api/v1/", "/badge/", "/embed/")
SELF_GUARDED_PATHS = frozenset({"/metrics", "/mcp"})


def _open_prefixes() -> tuple[str, ...]:
    return (
        reverse("admin:index"),
        SIGN_IN_PREFIX,
        f"/{settings.STATIC_URL.lstrip('/')}",
        *HEALTH_PATHS,
    )


class RequireLoginMiddleware:
    """With AIWATCH_REQUIRE_LOGIN, every page needs a signed-in user (sign in at /accounts/)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.AIWATCH_REQUIRE_LOGIN
            and not request.user.is_authenticated
            and not request.path.startswith(_open_prefixes())
            and not request.path.startswith(SELF_GUARDED_PREFIXES)
            and request.path not in SELF_GUARDED_PATHS
        ):
            if request.path.startswith("/api/"):
                # Programs get a plain answer, not a redirect to an HTML login page.
                return JsonResponse({"error": "sign in to use the API"}, status=401)
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        return self.get_response(request)


# Login attempts ------------------------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or what the trusted proxy put in its header.

    A list header (X-Forwarded-For) is read from the right: each proxy appends the address it
    received the request from, so the entry AIWATCH_TRUSTED_PROXY_HOPS places from the end is
    the one our outermost trusted proxy saw. Everything left of it came from the client and
    may be invented.
    """
    header = settings.AIWATCH_CLIENT_IP_HEADER
    value = str(request.META.get(header, "")) if header else ""
    if not value.strip():
        return str(request.META.get("REMOTE_ADDR", ""))
    return forwarded_address(value, hops=settings.AIWATCH_TRUSTED_PROXY_HOPS)


def forwarded_address(value: str, *, hops: int) -> str:
    """The entry `hops` places from the right of a comma-separated proxy header.

    With fewer entries than hops the leftmost is the best there is; an entry that is not an
    address (a proxy misconfiguration) is kept as text, so it still counts as one client.
    """
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if not entries:
        return ""
    chosen = entries[max(len(entries) - max(hops, 1), 0)]
    try:
        return str(ipaddress.ip_address(chosen))
    except ValueError:
        return chosen[:64]


def normalise_username(username: str) -> str:
    """The form of a user name that attempts are counted under.

    NFKC as Django's login form applies it (so a fullwidth "admin" is "admin"), then case-folded:
    the limit is never looser than the auth backend, which matches names exactly.
    """
    return unicodedata.normalize("NFKC", username).strip().casefold()


def _user_key(username: str) -> str:
    digest = hashlib.sha256(normalise_username(username).encode()).hexdigest()[:32]
    return f"aiwatch:login:user:{digest}"


def _keys(request: HttpRequest, username: str) -> list[str]:
    keys = [f"aiwatch:login:ip:{client_address(request)}"]
    if normalise_username(username):
        keys.append(_user_key(username))
    return keys


def login_blocked_for(request: HttpRequest, username: str) -> int:
    """Seconds until this client or user name may try again; 0 when it may try now.

    Fails open: with Redis unreachable attempts are not limited (and /readyz says Redis is
    down), rather than locking every user out of the admin.
    """
    try:
        client = redis_client()
        for key in _keys(request, username):
            count = client.get(key)
            if count is not None and int(count) >= settings.AIWATCH_LOGIN_ATTEMPTS:
                return max(int(client.ttl(key)), 1)
    except redis.RedisError as error:
        logger.warning("login attempts not limited: Redis unavailable (%s)", error)
    return 0


def note_failed_login(request: HttpRequest, username: str) -> None:
    try:
        pipe = redis_client().pipeline()
        for key in _keys(request, username):
            # The window starts with the first failure; later failures do not extend it.
            # (SET NX EX rather than EXPIRE NX, which needs Redis 7.)
            pipe.set(key, 0, ex=settings.AIWATCH_LOGIN_WINDOW_SECONDS, nx=True)
            pipe.incr(key)
        pipe.execute()
    except redis.RedisError as error:
        logger.warning("failed login not counted: Redis unavailable (%s)", error)


def forget_failed_logins(username: str) -> None:
    with contextlib.suppress(redis.RedisError):
        redis_client().delete(_user_key(username))


@receiver(user_login_failed)
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    if request is not None:
        # allauth's sign-in form names the user by user name or by e-mail address.
        name = credentials.get("username") or credentials.get("email") or ""
        note_failed_login(request, str(name))


@receiver(user_logged_in)
def _on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    forget_failed_logins(user.get_username())


class LoginRateLimitMiddleware:
    """Answer 429 to login attempts from a client or for a user name that failed too often."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == resolve_url(settings.LOGIN_URL):
            # "login" is allauth's field (a user name or an e-mail address).
            name = request.POST.get("login") or request.POST.get("username") or ""
            wait = login_blocked_for(request, str(name))
            if wait:
                minutes = max(round(wait / 60), 1)
                # In the request's language (LocaleMiddleware ran before this one).
                message = ngettext(
                    "Too many failed sign-in attempts. Try again in about %(minutes)d minute.",
                    "Too many failed sign-in attempts. Try again in about %(minutes)d minutes.",
                    minutes,
                ) % {"minutes": minutes}
                response = HttpResponse(
                    message,
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)


# Write permissions ---------------------------------------------------------------------------


def _refuse_anonymous(request: HttpRequest) -> HttpResponse:
    wants_json = request.accepts("application/json") and not request.accepts("text/html")
    if request.path.startswith("/api/") or wants_json:
        return JsonResponse({"error": "sign in first"}, status=401)
    return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))


def permission_required(
    perm: str, *, anonymous_allowed: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A write view's check of the caller's role (aiwatch/roles.py), as "app_label.codename".

    Signed in without the permission: 403. Anonymous: sent to sign in (401 for programs),
    unless `anonymous_allowed` (a view with its own rule for anonymous callers, such as
    team reports while no login is required).
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                if not anonymous_allowed or settings.AIWATCH_REQUIRE_LOGIN:
                    return _refuse_anonymous(request)
            elif not user.has_perm(perm):
                return HttpResponseForbidden(
                    gettext("Your role does not allow this. Ask an admin for another role."),
                    content_type="text/plain; charset=utf-8",
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
