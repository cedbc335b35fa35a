"""Status and uptime badges (`/badge/<slug>.svg`, `/badge/<slug>/uptime.svg`) and the embed
card (`/embed/<slug>/`) for a team's wiki, README or own status page.

Both honour the login settings: with AIWATCH_REQUIRE_LOGIN on, only providers whose "public
badge" switch is on are served to anonymous callers. The embed card may be framed only by the
origins in AIWATCH_EMBED_ORIGINS (CSP frame-ancestors); every other page keeps DENY.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from dashboard import history, summaries
from dashboard.api.access import identify, unauthorized
from probes.history import rollups, uptime
from probes.models import Provider
from probes.parsers.types import Status

# The dashboard's own palette (static/css/dashboard.css), dark enough for white text.
COLOURS = {
    Status.OPERATIONAL: "#1a6b3c",
    Status.DEGRADED_PERFORMANCE: "#7a5200",
    Status.PARTIAL_OUTAGE: "#9a3f00",
    Status.MAJOR_OUTAGE: "#a3161b",
    Status.UNDER_MAINTENANCE: "#1f4f8f",
    Status.UNKNOWN: "#4b5361",
}
# A status changes within a poll: caches may keep a badge a minute, an uptime figure longer.
STATUS_MAX_AGE = 60
UPTIME_MAX_AGE = 600
MAX_LABEL = 40


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    message: str
    colour: str

    # Verdana 11px averages about 7px a character; 10px of padding each side of each half.
    @property
    def label_width(self) -> int:
        return 7 * len(self.label) + 20

    @property
    def message_width(self) -> int:
        return 7 * len(self.message) + 20

    @property
    def width(self) -> int:
        return self.label_width + self.message_width

    @property
    def label_x(self) -> float:
        return self.label_width / 2

    @property
    def message_x(self) -> float:
        return self.label_width + self.message_width / 2


def render_badge(badge: Badge) -> str:
    return render_to_string("badges/badge.svg", {"badge": badge})


def uptime_colour(percent: float | None) -> str:
    if percent is None:
        return COLOURS[Status.UNKNOWN]
    if percent >= 99.9:
        return COLOURS[Status.OPERATIONAL]
    if percent >= 99:
        return COLOURS[Status.DEGRADED_PERFORMANCE]
    if percent >= 95:
        return COLOURS[Status.PARTIAL_OUTAGE]
    return COLOURS[Status.MAJOR_OUTAGE]


def visible_provider(request: HttpRequest, slug: str) -> Provider | HttpResponse | None:
    """The provider to show, None when there is none, or the 401 to answer instead.

    On a private dashboard an anonymous caller gets the same 401 for an unknown provider as for
    a provider without a public badge, so badges do not reveal which providers exist.
    """
    provider = Provider.objects.for_dashboard().filter(slug=slug).first()
    private = settings.AIWATCH_REQUIRE_LOGIN
    hidden = private and (provider is None or not provider.public_badge)
    if hidden and identify(request, require_login=True) is None:
        return unauthorized()
    return provider


def cache_for(response: HttpResponse, max_age: int) -> None:
    # A private dashboard's answers may be cached by the browser, never by a shared cache.
    if settings.AIWATCH_REQUIRE_LOGIN:
        patch_cache_control(response, private=True, max_age=max_age)
    else:
        patch_cache_control(response, public=True, max_age=max_age)


def svg_response(
    request: HttpRequest, svg: str, *, max_age: int, status: int = 200
) -> HttpResponse:
    etag = '"' + hashlib.sha256(svg.encode()).hexdigest()[:32] + '"'
    cached = get_conditional_response(request, etag=etag)
    if cached is not None:
        return cached
    response = HttpResponse(svg, status=status, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    cache_for(response, max_age)
    return response


@require_GET
def status_badge(request: HttpRequest, slug: str) -> HttpResponse:
    found = visible_provider(request, slug)
    if isinstance(found, HttpResponse):
        return found
    if found is None:
        badge = Badge("AI Watch", "unknown provider", COLOURS[Status.UNKNOWN])
        return svg_response(request, render_badge(badge), max_age=STATUS_MAX_AGE, status=404)
    summary = summaries.summarise_provider(found, now=timezone.now())
    badge = Badge(found.name[:MAX_LABEL], summary.status_label.lower(), COLOURS[summary.status])
    return svg_response(request, render_badge(badge), max_age=STATUS_MAX_AGE)


@require_GET
def uptime_badge(request: HttpRequest, slug: str) -> HttpResponse:
    found = visible_provider(request, slug)
    if isinstance(found, HttpResponse):
        return found
    raw = request.GET.get("days", "90")
    days = int(raw) if raw.isdigit() and 1 <= int(raw) <= 365 else 90
    if found is None:
        badge = Badge("uptime", "unknown provider", COLOURS[Status.UNKNOWN])
        return svg_response(request, render_badge(badge), max_age=UPTIME_MAX_AGE, status=404)
    _, by_subject = rollups.read_days(found, days, now=timezone.now())
    ratio = uptime.summarize(
        by_subject[None], first_watched=history.first_watched(found).get(None)
    ).uptime
    # Rounded down, as in the uptime API: any downtime never reads as 100%.
    percent = None if ratio is None else math.floor(ratio * 100_000) / 1000
    message = "no data" if percent is None else f"{percent:.3f}".rstrip("0").rstrip(".") + "%"
    badge = Badge(f"{found.name[:MAX_LABEL]} uptime {days}d", message, uptime_colour(percent))
    return svg_response(request, render_badge(badge), max_age=UPTIME_MAX_AGE)


def embed_policy(view: Any) -> Any:
    """frame-ancestors from AIWATCH_EMBED_ORIGINS, read per request so tests may change it."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        origins = list(settings.AIWATCH_EMBED_ORIGINS)
        if not origins:
            return view(request, *args, **kwargs)  # no origin allowed: DENY as everywhere
        framed = xframe_options_exempt(csp_replace({"frame-ancestors": origins})(view))
        response: HttpResponse = framed(request, *args, **kwargs)  # type: ignore[assignment]
        return response

    return wrapper


@require_GET
@embed_policy
def embed_card(request: HttpRequest, slug: str) -> HttpResponse:
    found = visible_provider(request, slug)
    if isinstance(found, HttpResponse):
        return found
    if found is None:
        return HttpResponse("unknown provider", status=404, content_type="text/plain")
    summary = summaries.summarise_provider(found, now=timezone.now())
    response = render(request, "embed/card.html", {"summary": summary, "provider": found})
    cache_for(response, STATUS_MAX_AGE)
    return response
