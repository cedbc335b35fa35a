"""A person's saved language and time zone follow them to every browser they sign in on.

The header's pickers keep working per browser (cookies): at sign-in the saved choices are
written into those cookies once, and saving them on /me/ writes them again. Nothing here runs
per request for a person who saved nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from dashboard import timezones
from people.models import Profile

# The session key holding choices to write into this browser's cookies on the next response.
PENDING_KEY = "aiwatch_saved_preferences"


def remember(
    response: HttpResponse, request: HttpRequest, *, language: str, time_zone: str
) -> None:
    """Write the person's choices into this browser's language and time-zone cookies."""
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    if timezones.zone_from_name(time_zone) is not None:
        response.set_cookie(
            timezones.COOKIE_NAME,
            time_zone,
            max_age=timezones.COOKIE_MAX_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )


@receiver(user_logged_in)
def _on_signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    saved = Profile.objects.filter(user=user).values("language", "time_zone").first()
    if saved and (saved["language"] or saved["time_zone"]):
        request.session[PENDING_KEY] = saved


class PersonalPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and PENDING_KEY in session:
            saved = session.pop(PENDING_KEY)
            remember(
                response,
                request,
                language=str(saved.get("language", "")),
                time_zone=str(saved.get("time_zone", "")),
            )
        return response
