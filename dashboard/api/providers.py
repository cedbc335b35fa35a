"""Providers: the list, one provider with detection lead, its components, and team reports."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.decorators import decorate_view

import dashboard.api.schemas as schemas
from aiwatch.access import client_address
from dashboard import summaries
from dashboard.api.access import Caller, WriteAccess
from dashboard.api.errors import ApiError, ErrorOut
from dashboard.api.read_cache import cached_read
from dashboard.formatting import iso_utc
from probes.models import Provider
from probes.observe import detection, reports

# Detection lead and silent outages cover this many days on the provider endpoint.
DETECTION_DAYS = 90

router = Router(tags=["providers"])


def provider_dict(summary: summaries.ProviderSummary) -> dict[str, Any]:
    problem = summary.problem
    return {
        "slug": summary.provider.slug,
        "name": summary.provider.name,
        "status": summary.status.value,
        "status_label": summary.status_label,
        "official_status": summary.official_status.value,
        "headline": headline_dict(summary),
        "updated_at": iso_utc(summary.updated_at),
        "source_error": (
            {"reason": problem.reason, "since": iso_utc(problem.since)} if problem else None
        ),
        "components": [
            {"name": component.name, "status": component.status}
            for component in summary.components
            if not component.is_group
        ],
        "open_incidents": [
            {
                "id": item.incident.external_id,
                "title": item.incident.title,
                "impact": item.incident.impact,
                "status": item.incident.status,
                "started_at": iso_utc(item.incident.started_at),
                "url": item.incident.url,
            }
            for item in summary.open_incidents
        ],
        "observed_status": observed_status_dict(summary),
        "team_reports": team_reports_dict(summary),
    }


def headline_dict(summary: summaries.ProviderSummary) -> dict[str, Any] | None:
    headline = summary.headline
    if headline is None:
        return None
    return {
        "provenance": headline.provenance.value,
        "since": iso_utc(headline.since),
        "partly_unreadable": headline.partly_unreadable,
        "unreadable_sources": [
            {
                "url": issue.url,
                "kind": issue.kind.value,
                "reason": issue.reason,
                "since": iso_utc(issue.since),
            }
            for issue in headline.issues
        ],
        "team_warning": bool(summary.report_burst and summary.report_burst.is_burst),
    }


def observed_status_dict(summary: summaries.ProviderSummary) -> dict[str, Any] | None:
    view = summary.observed
    if view is None:
        return None
    return {
        "provenance": "observed",
        "status": view.status.value,
        "status_label": view.label,
        "checked_at": iso_utc(view.checked_at),
        "changed_at": iso_utc(view.changed_at),
        "fresh": view.is_fresh,
        "has_probes": view.has_probes,
    }


def team_reports_dict(summary: summaries.ProviderSummary) -> dict[str, Any] | None:
    burst = summary.report_burst
    if burst is None:
        return None
    return {
        "provenance": "team",
        "window_minutes": int(reports.window().total_seconds() // 60),
        "recent": burst.recent,
        "usual": round(burst.usual, 3),
        "burst": burst.is_burst,
    }


def detection_dict(found: detection.Detection, days: int) -> dict[str, Any]:
    median = found.median_lead
    return {
        "days": days,
        "median_lead_seconds": median.total_seconds() if median is not None else None,
        "leads": [
            {
                "incident_id": lead.incident.external_id,
                "title": lead.incident.title,
                "first_post_at": iso_utc(lead.incident.first_post_at),
                "observed_at": iso_utc(lead.observed_at),
                "lead_seconds": lead.lead.total_seconds(),
            }
            for lead in found.leads
        ],
        "silent_outages": [
            {"status": e.status.value, "start": iso_utc(e.start), "end": iso_utc(e.end)}
            for e in found.silent
        ],
    }


def current_summaries() -> list[summaries.ProviderSummary]:
    """Every enabled provider as the overview sees it, team reports included (fixed queries)."""
    now = timezone.now()
    rows = [summaries.summarise_provider(p, now=now) for p in Provider.objects.for_dashboard()]
    bursts = reports.bursts([summary.provider for summary in rows], now=now)
    for summary in rows:
        summary.report_burst = bursts.get(summary.provider.pk)
    return rows


def enabled_provider(slug: str) -> Provider:
    provider = Provider.objects.for_dashboard().filter(slug=slug).first()
    if provider is None:
        raise ApiError(f"no enabled provider {slug!r}", status=404)
    return provider


@router.get("/providers/", response=schemas.ProvidersOut, url_name="api-providers")
@decorate_view(cached_read)
def provider_list(request: HttpRequest) -> dict[str, Any]:
    """Every enabled provider: official status, components, open incidents, probes, reports."""
    return {"providers": [provider_dict(summary) for summary in current_summaries()]}


@router.get(
    "/providers/{slug:slug}/",
    response={200: schemas.ProviderDetailOut, 404: ErrorOut},
    url_name="api-provider-detail",
)
@decorate_view(cached_read)
def provider_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    """One provider as in the list, plus detection lead and silent outages over 90 days."""
    provider = enabled_provider(slug)
    now = timezone.now()
    summary = summaries.summarise_provider(provider, now=now)
    summary.report_burst = reports.bursts([provider], now=now)[provider.pk]
    return {
        **provider_dict(summary),
        "detection": detection_dict(
            detection.detection_for(provider, now=now, days=DETECTION_DAYS), DETECTION_DAYS
        ),
    }


@router.get(
    "/providers/{slug:slug}/components/",
    response={200: schemas.ComponentsOut, 404: ErrorOut},
    url_name="api-provider-components",
)
@decorate_view(cached_read)
def provider_components(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Every active component in page order, groups included, with when its status changed."""
    provider = enabled_provider(slug)
    components = list(provider.components.all())
    ids = {component.pk: component.external_id for component in components}
    return {
        "provider": provider.slug,
        "components": [
            {
                "id": component.external_id,
                "name": component.name,
                "status": component.status,
                "group": ids.get(component.group_id) if component.group_id else None,
                "is_group": component.is_group,
                "status_changed_at": iso_utc(component.status_changed_at),
            }
            for component in components
        ],
    }


@router.post(
    "/providers/{slug:slug}/reports/",
    response={201: schemas.ReportOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    url_name="api-provider-report",
    auth=WriteAccess(),
)
def report_provider(request: HttpRequest, slug: str, report: schemas.ReportIn) -> Any:
    """Count a team report ("we are affected"), as the provider page's button does.

    Needs a token with the write scope; each token counts as one person.
    """
    caller: Caller = request.auth  # type: ignore[attr-defined]
    assert caller.token is not None  # WriteAccess let only write tokens through
    provider = enabled_provider(slug)
    now = timezone.now()
    try:
        with transaction.atomic():
            reports.submit_report(
                provider,
                person=reports.digest(f"token:{caller.token.pk}", purpose="person"),
                network=reports.digest(client_address(request), purpose="network"),
                note=report.note,
                now=now,
                # The token's owner is named to teammates; the token is still its own person.
                user=caller.token.user,
            )
    except reports.ReportRefused as refused:
        raise ApiError(str(refused), status=429) from None
    burst = reports.bursts([provider], now=now)[provider.pk]
    return Status(201, {"provider": provider.slug, "recent": burst.recent})
