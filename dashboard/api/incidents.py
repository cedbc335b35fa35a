"""Incidents, incident updates and scheduled maintenance, filtered and paged by cursor."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.decorators import decorate_view
from pydantic import Field

import dashboard.api.schemas as schemas
from dashboard import history
from dashboard.api.errors import ApiError, ErrorOut
from dashboard.api.paging import link_next, page
from dashboard.api.params import Moment, bounded
from dashboard.api.read_cache import cached_read
from dashboard.formatting import iso_utc
from probes.models import Acknowledgement, Incident, IncidentUpdate, Provider

DEFAULT_INCIDENT_LIMIT = 200
MAX_INCIDENT_LIMIT = 1000
Limit = Annotated[
    int,
    bounded(1, MAX_INCIDENT_LIMIT, DEFAULT_INCIDENT_LIMIT),
    Field(ge=1, le=MAX_INCIDENT_LIMIT, description="Rows per page."),
]

router = Router(tags=["incidents"])

PAGING = (
    "Newest first; at most `limit` rows. When more follow, the `Link` header names the next "
    'page (`rel="next"`), which repeats the filters with a `cursor`.'
)


def incident_dict(incident: Incident) -> dict[str, Any]:
    first_ack = next(iter(incident.acknowledgements.all()), None)
    return {
        "id": incident.external_id,
        "provider": incident.provider.slug,
        "title": incident.title,
        "impact": incident.impact,
        "status": incident.status,
        "started_at": iso_utc(incident.started_at),
        "resolved_at": iso_utc(incident.resolved_at),
        "url": incident.url,
        "updates": [
            {"status": update.status, "body": update.body, "at": iso_utc(update.at)}
            for update in incident.updates.all()
        ],
        "acknowledged_at": iso_utc(first_ack.at) if first_ack else None,
        "acknowledged_by": first_ack.by_name if first_ack else None,
        "time_to_acknowledge_seconds": (
            int(max(first_ack.at - incident.started_at, timedelta(0)).total_seconds())
            if first_ack
            else None
        ),
    }


def check_window(since: datetime | None, until: datetime | None) -> None:
    if since and until and since >= until:
        raise ApiError("'since' must be earlier than 'until'")


def for_provider(queryset: QuerySet[Any], field: str, slug: str | None) -> QuerySet[Any]:
    if slug is None:
        return queryset
    if not Provider.objects.filter(slug=slug).exists():
        raise ApiError(f"unknown provider {slug!r}")
    return queryset.filter(**{field: slug})


def overlapping(
    incidents: QuerySet[Incident], since: datetime | None, until: datetime | None
) -> QuerySet[Incident]:
    # Overlapping [since, until): started before the end, and not resolved before the start.
    if until is not None:
        incidents = incidents.filter(started_at__lt=until)
    if since is not None:
        incidents = incidents.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=since))
    return incidents


@router.get(
    "/incidents/",
    response={200: schemas.IncidentsOut, 400: ErrorOut},
    url_name="api-incidents",
    description=PAGING,
)
@decorate_view(cached_read)
def incident_list(
    request: HttpRequest,
    response: HttpResponse,
    provider: str | None = None,
    since: Moment = None,
    until: Moment = None,
    impact: str = "",
    q: str = "",
    limit: Limit = DEFAULT_INCIDENT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Incidents overlapping [since, until), newest first, with their updates oldest first.

    `q` matches every word in the title or the updates; `impact` is one of none, minor, major,
    critical, maintenance.
    """
    check_window(since, until)
    incidents: QuerySet[Incident] = Incident.objects.select_related("provider").prefetch_related(
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("at", "pk")),
        Prefetch("acknowledgements", queryset=Acknowledgement.objects.order_by("at", "pk")),
    )
    incidents = overlapping(for_provider(incidents, "provider__slug", provider), since, until)
    if impact:
        if impact not in history.IMPACT_CHOICES:
            raise ApiError(f"'impact' must be one of {', '.join(history.IMPACT_CHOICES)}")
        incidents = incidents.filter(impact=impact)
    q = q.strip()
    if q:
        # The same search as the incident list: titles and update bodies, every word.
        incidents = incidents.filter(history.search_q(q[:200]))
    rows, after = page(incidents, "started_at", cursor=cursor, limit=limit)
    link_next(request, response, after)
    return {"incidents": [incident_dict(incident) for incident in rows]}


@router.get(
    "/incident-updates/",
    response={200: schemas.IncidentUpdatesOut, 400: ErrorOut},
    url_name="api-incident-updates",
    description=PAGING,
)
@decorate_view(cached_read)
def incident_updates(
    request: HttpRequest,
    response: HttpResponse,
    provider: str | None = None,
    since: Moment = None,
    until: Moment = None,
    limit: Limit = DEFAULT_INCIDENT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Every incident update posted in [since, until), newest first: "what is new since"."""
    check_window(since, until)
    updates = for_provider(
        IncidentUpdate.objects.select_related("incident__provider"),
        "incident__provider__slug",
        provider,
    )
    if since is not None:
        updates = updates.filter(at__gte=since)
    if until is not None:
        updates = updates.filter(at__lt=until)
    rows, after = page(updates, "at", cursor=cursor, limit=limit)
    link_next(request, response, after)
    return {
        "updates": [
            {
                "incident_id": update.incident.external_id,
                "provider": update.incident.provider.slug,
                "incident_title": update.incident.title,
                "status": update.status,
                "body": update.body,
                "at": iso_utc(update.at),
            }
            for update in rows
        ]
    }


def maintenance_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.external_id,
        "provider": incident.provider.slug,
        "title": incident.title,
        "status": incident.status,
        "scheduled_for": iso_utc(incident.scheduled_for),
        "scheduled_until": iso_utc(incident.scheduled_until),
        "started_at": iso_utc(incident.started_at),
        "resolved_at": iso_utc(incident.resolved_at),
        "url": incident.url,
        "components": [component.name for component in incident.components.all()],
    }


@router.get(
    "/maintenance/",
    response={200: schemas.MaintenancesOut, 400: ErrorOut},
    url_name="api-maintenance",
    description=PAGING,
)
@decorate_view(cached_read)
def maintenance_list(
    request: HttpRequest,
    response: HttpResponse,
    provider: str | None = None,
    since: Moment = None,
    until: Moment = None,
    limit: Limit = DEFAULT_INCIDENT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Announced maintenance overlapping [since, until), latest start first."""
    check_window(since, until)
    windows: QuerySet[Incident] = Incident.objects.filter(is_maintenance=True).select_related(
        "provider"
    )
    windows = overlapping(for_provider(windows, "provider__slug", provider), since, until)
    rows, after = page(
        windows.prefetch_related("components"), "started_at", cursor=cursor, limit=limit
    )
    link_next(request, response, after)
    return {"maintenance": [maintenance_dict(incident) for incident in rows]}
