"""Server-rendered pages: the overview, one provider, one incident, and the zone picker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_safe

from dashboard import (
    acknowledgements,
    api,
    context_processors,
    history,
    history_cache,
    page_parts,
    page_shell,
    timezones,
)
from probes.health import PipelineHealth
from probes.models import Incident
from probes.observe import network
from probes.parsers.types import LABELS


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _overview_page(request, "dashboard/index.html")


@require_safe
def overview_live(request: HttpRequest) -> HttpResponse:
    """The overview's changing parts alone, polled by static/js/live.js."""
    return _overview_page(request, "dashboard/overview_live.html")


def _overview_page(request: HttpRequest, template: str) -> HttpResponse:
    state = history_cache.overview_state()
    version = state.version
    # Read once: the banner shows it, and the cards word unreachable pages by it. Only a
    # newest probe result that blames our network can start it: most requests ask no more.
    verdict = None
    if state.newest_probe is not None and network.blames_us(state.newest_probe):
        verdict = context_processors.network_verdict_now()

    def context(fresh: bool) -> dict[str, Any]:
        parts = page_parts.overview_parts(
            now=timezone.now(),
            our_network_down=verdict is not None,
            version=version,
            running_drills=state.running_drills,
            refresh=fresh,
        )
        return {"parts": parts, "network_verdict": verdict}

    if not page_shell.shareable(request):
        banners = _banners(context_processors.pipeline_health_now(), verdict)
        return render(request, template, {**context(False), "banners": banners})
    # The pipeline's health and the page in one read of the cache; the banners (nearly always
    # empty) are put in for each request.
    health, page = history_cache.cached_many(
        [
            (
                context_processors.PIPELINE_HEALTH_KEY,
                context_processors.check_pipeline_health,
                context_processors.PIPELINE_HEALTH_TTL,
            ),
            (
                page_shell.page_key(template, (version, verdict is not None)),
                lambda: page_shell.marked_page(
                    request,
                    template,
                    {**context(True), "banners": SafeString(page_shell.BANNERS_MARK)},
                ),
                history_cache.TTL,
            ),
        ]
    )
    return page_shell.personalise(request, page, banners=_banners(health, verdict))


def _banners(health: PipelineHealth | None, verdict: network.NetworkVerdict | None) -> SafeString:
    """The overview's "pipeline is behind" and "our own network looks down" banners."""
    if verdict is None and (health is None or not health.behind):
        return SafeString("")
    ctx = {"pipeline_health": health, "network_verdict": verdict}
    return SafeString(render_to_string("includes/pipeline_banner.html", ctx))


@require_safe
def provider_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _provider_page(request, slug, live=False)


@require_safe
def provider_live(request: HttpRequest, slug: str) -> HttpResponse:
    """A provider page's changing parts alone (headline, banners, open incidents, components)."""
    return _provider_page(request, slug, live=True)


def _provider_page(request: HttpRequest, slug: str, *, live: bool) -> HttpResponse:
    # The page's key, and its uptime history's (which other providers' changes do not move).
    version, history_version = history_cache.state_and_provider_version(slug)

    def context(fresh: bool) -> dict[str, Any]:
        parts = page_parts.provider_parts(
            slug,
            now=timezone.now(),
            live=live,
            signed_in=request.user.is_authenticated,
            version=version,
            history_version=history_version,
            refresh=fresh,
        )
        return page_parts.provider_page_context(parts)

    template = "dashboard/provider_live.html" if live else "dashboard/provider_detail.html"
    # A provider switched off moves the version (providers' edits are in it): no stale page.
    key = (slug, version, settings.AIWATCH_REPORT_ANONYMOUS)
    return page_shell.shared_page(request, key, template, context)


@require_safe
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(
        Incident.objects.select_related("provider", "source").prefetch_related("components"),
        pk=pk,
    )
    ctx = {
        "incident": incident,
        "provider": incident.provider,
        # Newest first: the latest word is what a reader came for.
        "updates": list(incident.updates.order_by("-at", "-pk")),
        **history.incident_history(incident, now=timezone.now()),
        # Who acknowledged it, and how long after it started.
        **acknowledgements.incident_acknowledgements(incident),
    }
    return render(request, "dashboard/incident_detail.html", ctx)


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    ctx = {
        "statuses": [(status.value, label) for status, label in LABELS.items()],
        "login_required": settings.AIWATCH_API_REQUIRE_LOGIN,
        "default_limit": api.DEFAULT_INCIDENT_LIMIT,
        "max_limit": api.MAX_INCIDENT_LIMIT,
    }
    return render(request, "dashboard/api_docs.html", ctx)


@require_http_methods(["GET", "POST"])
def set_timezone(request: HttpRequest) -> HttpResponse:
    """Remember the viewer's chosen zone in the `tz` cookie and go back where they were.

    GET shows every zone to choose from (the header's picker lists only common ones).
    """
    if request.method == "GET":
        ctx = {
            "regions": timezones.all_zones_by_region(),
            "next": request.GET.get("next", ""),
        }
        return render(request, "dashboard/timezone.html", ctx)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("dashboard:index")
    response = HttpResponseRedirect(target)
    name = request.POST.get("tz", "")
    if timezones.zone_from_name(name) is not None:
        response.set_cookie(
            timezones.COOKIE_NAME,
            name,
            max_age=timezones.COOKIE_MAX_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
