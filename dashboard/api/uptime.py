"""Daily uptime of one provider over the last N UTC days."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.decorators import decorate_view
from pydantic import Field

import dashboard.api.schemas as schemas
from dashboard import history
from dashboard.api.errors import ApiError, ErrorOut
from dashboard.api.params import bounded
from dashboard.api.read_cache import cached_read
from dashboard.formatting import iso_utc
from probes.history import reliability, rollups, uptime
from probes.models import Incident, Provider

Days = Annotated[
    int, bounded(1, 365, 90), Field(ge=1, le=365, description="How many UTC days, ending today.")
]

router = Router(tags=["history"])


@router.get(
    "/providers/{slug:slug}/uptime/",
    response={200: schemas.UptimeOut, 400: ErrorOut, 404: ErrorOut},
    url_name="api-provider-uptime",
)
@decorate_view(cached_read)
def provider_uptime(request: HttpRequest, slug: str, days: Days = 90) -> dict[str, Any]:
    """One entry per UTC day, oldest first.

    `uptime` is a percentage of the time we watched (`watched_seconds`, since `watched_since`
    when that is inside the window), or null without data; `minutes_down` is weighted
    (probes/history/uptime.py); `incidents` lists the incidents that touched the day, each
    with its `duration_minutes` (null while open).
    """
    provider = Provider.objects.filter(slug=slug).first()
    if provider is None:
        raise ApiError(f"unknown provider {slug!r}", status=404)
    now = timezone.now()
    window, by_subject = rollups.read_days(provider, days, now=now)
    start = history.day_start(window[0])
    touched: dict[str, list[dict[str, Any]]] = {}
    for incident in (
        Incident.objects.filter(provider=provider, is_maintenance=False)
        .overlapping(start, now)
        .order_by("started_at", "pk")
    ):
        first = max(incident.started_at.date(), window[0])
        last = (incident.resolved_at or now).date()
        lasted = reliability.duration(incident.started_at, incident.resolved_at)
        entry = {
            "id": incident.pk,
            "external_id": incident.external_id,
            "title": incident.title,
            "impact": incident.impact,
            "duration_minutes": reliability.duration_minutes(lasted) if lasted else None,
        }
        for offset in range((last - first).days + 1):
            touched.setdefault((first + timedelta(days=offset)).isoformat(), []).append(entry)
    summary = uptime.summarize(
        by_subject[None], first_watched=history.first_watched(provider).get(None)
    )
    return {
        "provider": provider.slug,
        "days_requested": days,
        "uptime": percent(summary.uptime),
        # What the figure is over: the seconds we watched, and since when if that is inside
        # the window (null: watched since before it, or never).
        "watched_seconds": round(summary.observed_seconds),
        "watched_since": iso_utc(summary.watched_since),
        "days": [
            {
                "date": day.day.isoformat(),
                "uptime": percent(day.uptime),
                "minutes_down": day.minutes_down,
                "incidents": touched.get(day.day.isoformat(), []),
            }
            for day in by_subject[None]
        ],
    }


def percent(value: float | None) -> float | None:
    # Rounded down, so any downtime at all never reads as 100.
    return None if value is None else math.floor(value * 100_000) / 1000
