"""Server-rendered pages: the overview, one provider, one incident, and the zone picker."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from alerts import presentation
from dashboard import (
    acknowledgements,
    api,
    history,
    observations,
    our_stack,
    summaries,
    team_reports,
    timezones,
)
from probes.models import Drill, Incident, Provider
from probes.observe import reports
from probes.parsers.types import LABELS, SEVERITY, Status, worst


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/index.html", overview_context(now=timezone.now()))


@require_safe
def overview_live(request: HttpRequest) -> HttpResponse:
    """The overview's changing parts alone, polled by static/js/live.js."""
    return render(request, "dashboard/overview_live.html", overview_context(now=timezone.now()))


def overview_context(*, now: datetime) -> dict[str, Any]:
    cards = summaries.sort_summaries(
        [summaries.summarise_provider(p, now=now) for p in Provider.objects.for_dashboard()]
    )
    counts = Counter(card.category for card in cards)
    bursts = reports.bursts([card.provider for card in cards], now=now)
    for card in cards:
        card.report_burst = bursts.get(card.provider.pk)
    ctx = {
        # The team's own features first: what is affected for us, why, and what to use.
        "features": our_stack.feature_rows({card.provider.slug: card for card in cards}),
        # A drill under way shows in its own banner; the real data above stays as it is.
        "drills": list(Drill.objects.filter(ended_at__isnull=True)),
        # Every provider, problems first; then the same split three ways for the page.
        "cards": cards,
        "bursting": [card for card in cards if card.report_burst and card.report_burst.is_burst],
        "attention": [card for card in cards if card.needs_attention],
        "calm": [card for card in cards if not card.needs_attention and not card.is_waiting],
        "waiting": [card for card in cards if card.is_waiting],
        # Incidents and outages someone on the team said they are on.
        "acknowledged": acknowledgements.overview_acknowledged([card.provider for card in cards]),
        # What to use instead of each provider shown degraded or down.
        "plans": presentation.overview_plans(cards, now=now),
        "counts": {
            "operational": counts["operational"],
            "problem": counts["problem"],
            "maintenance": counts["maintenance"],
            "unknown": counts["unknown"],
            "total": len(cards),
        },
        # The overview's filter by kind of service (static/js/overview.js narrows in place).
        "categories": Provider.Category.choices,
        "tab": tab_status(cards),
        # Mildest first: static/js/tab_status.js ranks the watched providers' statuses by it.
        "severity_order": " ".join(
            status.value for status in sorted(SEVERITY, key=SEVERITY.__getitem__)
        ),
    }
    return ctx


def tab_status(cards: list[summaries.ProviderSummary]) -> dict[str, Any]:
    """The worst status on the overview and how many providers are that bad, for the tab's
    title ("(2) ⚠ Overview · AI Watch"). Providers waiting for data are a setup matter, not news,
    so they are left out. static/js/tab_status.js applies the same rule to the watched ones."""
    news = [card.status for card in cards if not card.is_waiting]
    headline = worst(news)
    if SEVERITY[headline] >= SEVERITY[Status.DEGRADED_PERFORMANCE]:
        count = sum(SEVERITY[status] >= SEVERITY[Status.DEGRADED_PERFORMANCE] for status in news)
    else:
        count = sum(status == headline for status in news)
    return {"worst": headline.value, "count": count}


@require_safe
def provider_detail(request: HttpRequest, slug: str) -> HttpResponse:
    provider = get_object_or_404(Provider.objects.for_dashboard(), slug=slug)
    ctx = provider_context(provider, now=timezone.now())
    return render(request, "dashboard/provider_detail.html", ctx)


@require_safe
def provider_live(request: HttpRequest, slug: str) -> HttpResponse:
    """A provider page's changing parts alone (headline, banners, open incidents, components)."""
    provider = get_object_or_404(Provider.objects.for_dashboard(), slug=slug)
    ctx = provider_context(provider, now=timezone.now(), live=True)
    return render(request, "dashboard/provider_live.html", ctx)


def provider_context(provider: Provider, *, now: datetime, live: bool = False) -> dict[str, Any]:
    """What a provider page shows; `live` leaves out the parts the live fragment never shows."""
    summary = summaries.summarise_provider(provider, now=now)
    ctx = {
        "provider": provider,
        "summary": summary,
        "sources": list(provider.sources.order_by("pk")),
        "component_groups": summaries.group_components(summary.components),
        # One plan B for the page: shown at the top while in trouble, folded away otherwise.
        "plan": presentation.plan_b_for(
            provider, presentation.page_status(provider, summary), now=now
        ),
        **observations.provider_observations(provider, now=now),
        # The team's features that ride on this provider, with their state.
        "features": our_stack.features_on(provider.slug, now=now),
        # Each model it serves: state now, uptime and MTTR over 90 days.
        "models": our_stack.model_health(summary, now=now),
        # What is open to acknowledge, and who acknowledged it.
        **acknowledgements.provider_acknowledgements(provider),
    }
    if not live:
        # Uptime bars, 90/365-day uptime and reliability figures, the report form, recent ones.
        ctx["recent_incidents"] = list(provider.incidents.order_by("-started_at", "-pk")[:20])
        ctx["history"] = history.provider_history(provider, now=now)
        ctx["report_form"] = team_reports.TeamReportForm()
    return ctx


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
