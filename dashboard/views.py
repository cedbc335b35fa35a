"""Server-rendered pages: the overview, one provider, one incident, and the zone picker."""

from __future__ import annotations

from collections import Counter

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from dashboard import summaries, timezones
from probes.models import Incident, Provider


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    cards = summaries.sort_summaries(
        [summaries.summarise_provider(p, now=now) for p in Provider.objects.for_dashboard()]
    )
    counts = Counter(card.category for card in cards)
    ctx = {
        "cards": cards,
        "counts": {
            "operational": counts["operational"],
            "problem": counts["problem"],
            "maintenance": counts["maintenance"],
            "unknown": counts["unknown"],
            "total": len(cards),
        },
    }
    return render(request, "dashboard/index.html", ctx)


@require_safe
def provider_detail(request: HttpRequest, slug: str) -> HttpResponse:
    provider = get_object_or_404(Provider.objects.for_dashboard(), slug=slug)
    summary = summaries.summarise_provider(provider, now=timezone.now())
    ctx = {
        "provider": provider,
        "summary": summary,
        "sources": list(provider.sources.order_by("pk")),
        "component_groups": summaries.group_components(summary.components),
        "recent_incidents": list(provider.incidents.order_by("-started_at", "-pk")[:20]),
    }
    return render(request, "dashboard/provider_detail.html", ctx)


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
    }
    return render(request, "dashboard/incident_detail.html", ctx)


@require_POST
def set_timezone(request: HttpRequest) -> HttpResponse:
    """Remember the viewer's chosen zone in the `tz` cookie and go back where they were."""
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
