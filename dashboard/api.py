"""The read API: JSON for scripts and other dashboards. No login; nothing here writes.

Times are ISO-8601 UTC with a `Z`. Every list is built in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import wraps
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET

from dashboard import history, summaries
from dashboard.formatting import iso_utc
from probes.models import Incident, IncidentUpdate, Provider
from probes.observe import detection, reports

DEFAULT_INCIDENT_LIMIT = 200
# Detection lead and silent outages cover this many days on the provider endpoint.
DETECTION_DAYS = 90
MAX_INCIDENT_LIMIT = 1000


class SourceErrorDict(TypedDict):
    reason: str
    since: str | None


class ComponentDict(TypedDict):
    name: str
    status: str


class OpenIncidentDict(TypedDict):
    id: str
    title: str
    impact: str
    status: str
    started_at: str | None
    url: str


class ObservedStatusDict(TypedDict):
    """What our own probes see; never part of `official_status`, the provider's own word."""

    provenance: str
    status: str
    status_label: str
    # When the last probe result was applied, and when the status last changed.
    checked_at: str | None
    changed_at: str | None
    # False once the probes have not reported for a while: status is then "unknown".
    fresh: bool
    has_probes: bool


class TeamReportsDict(TypedDict):
    provenance: str
    window_minutes: int
    recent: int
    usual: float
    burst: bool


class UnreadableSourceDict(TypedDict):
    url: str
    kind: str
    reason: str
    since: str | None


class HeadlineDict(TypedDict):
    """How `status` was decided (docs/status-model.md)."""

    # "official" (the pages' word), "observed" (our probes saw worse, or there is no page),
    # or "none" (nothing can speak: unknown).
    provenance: str
    since: str | None
    partly_unreadable: bool
    unreadable_sources: list[UnreadableSourceDict]
    team_warning: bool


class ProviderDict(TypedDict):
    slug: str
    name: str
    # The headline the pages show: the official status, raised by fresh confirmed probes.
    status: str
    status_label: str
    # The provider's own pages' word, never raised by our probes.
    official_status: str
    headline: HeadlineDict | None
    updated_at: str | None
    source_error: SourceErrorDict | None
    components: list[ComponentDict]
    open_incidents: list[OpenIncidentDict]
    observed_status: ObservedStatusDict | None
    team_reports: TeamReportsDict | None


class LeadDict(TypedDict):
    incident_id: str
    title: str
    first_post_at: str | None
    observed_at: str | None
    # Positive: our probes confirmed the outage before the provider's first post.
    lead_seconds: float


class EpisodeDict(TypedDict):
    status: str
    start: str | None
    end: str | None


class DetectionDict(TypedDict):
    days: int
    median_lead_seconds: float | None
    leads: list[LeadDict]
    silent_outages: list[EpisodeDict]


class ProviderDetailDict(ProviderDict):
    detection: DetectionDict


class UpdateDict(TypedDict):
    status: str
    body: str
    at: str | None


class IncidentDict(TypedDict):
    id: str
    provider: str
    title: str
    impact: str
    status: str
    started_at: str | None
    resolved_at: str | None
    url: str
    updates: list[UpdateDict]


class BadParameter(ValueError):
    """A query parameter the API cannot use; its message is shown to the caller."""


def provider_dict(summary: summaries.ProviderSummary) -> ProviderDict:
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


def headline_dict(summary: summaries.ProviderSummary) -> HeadlineDict | None:
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


def observed_status_dict(summary: summaries.ProviderSummary) -> ObservedStatusDict | None:
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


def team_reports_dict(summary: summaries.ProviderSummary) -> TeamReportsDict | None:
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


def detection_dict(detection: detection.Detection, days: int) -> DetectionDict:
    median = detection.median_lead
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
            for lead in detection.leads
        ],
        "silent_outages": [
            {"status": e.status.value, "start": iso_utc(e.start), "end": iso_utc(e.end)}
            for e in detection.silent
        ],
    }


def incident_dict(incident: Incident) -> IncidentDict:
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
    }


def error_response(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def api_endpoint(view: Callable[..., JsonResponse]) -> Callable[..., Any]:
    """GET only; a login only when AIWATCH_API_REQUIRE_LOGIN is on (401 JSON, no redirect).

    An open API may be read by scripts on other sites (a team portal's status widget): the data
    is public and the header never allows credentials, so no signed-in view leaks.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if settings.AIWATCH_API_REQUIRE_LOGIN:
            if not request.user.is_authenticated:
                return error_response("sign in to use the API", status=401)
            return view(request, *args, **kwargs)
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return require_GET(wrapper)


@api_endpoint
def provider_list(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    rows = [summaries.summarise_provider(p, now=now) for p in Provider.objects.for_dashboard()]
    bursts = reports.bursts([summary.provider for summary in rows], now=now)
    for summary in rows:
        summary.report_burst = bursts.get(summary.provider.pk)
    return JsonResponse({"providers": [provider_dict(summary) for summary in rows]})


@api_endpoint
def provider_detail(request: HttpRequest, slug: str) -> JsonResponse:
    provider = Provider.objects.for_dashboard().filter(slug=slug).first()
    if provider is None:
        return error_response(f"no enabled provider {slug!r}", status=404)
    now = timezone.now()
    summary = summaries.summarise_provider(provider, now=now)
    summary.report_burst = reports.bursts([provider], now=now)[provider.pk]
    body: ProviderDetailDict = {
        **provider_dict(summary),
        "detection": detection_dict(
            detection.detection_for(provider, now=now, days=DETECTION_DAYS), DETECTION_DAYS
        ),
    }
    return JsonResponse(body)


@api_endpoint
def incident_list(request: HttpRequest) -> JsonResponse:
    """Incidents overlapping [since, until), newest first.

    Filters: provider, since, until, impact, q (words in the title or the updates), limit.
    """
    try:
        since = parse_time_param(request.GET.get("since"), "since")
        until = parse_time_param(request.GET.get("until"), "until")
        limit = parse_limit(request.GET.get("limit"))
    except BadParameter as error:
        return error_response(str(error))
    if since and until and since >= until:
        return error_response("'since' must be earlier than 'until'")

    incidents = Incident.objects.select_related("provider").prefetch_related(
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("at", "pk"))
    )
    slug = request.GET.get("provider")
    if slug is not None:
        if not Provider.objects.filter(slug=slug).exists():
            return error_response(f"unknown provider {slug!r}")
        incidents = incidents.filter(provider__slug=slug)
    # Overlapping [since, until): started before the end, and not resolved before the start.
    if until is not None:
        incidents = incidents.filter(started_at__lt=until)
    if since is not None:
        incidents = incidents.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=since))
    impact = request.GET.get("impact", "")
    if impact:
        if impact not in history.IMPACT_CHOICES:
            return error_response(f"'impact' must be one of {', '.join(history.IMPACT_CHOICES)}")
        incidents = incidents.filter(impact=impact)
    q = request.GET.get("q", "").strip()
    if q:
        # The same search as the incident list: titles and update bodies, every word.
        incidents = incidents.filter(history.search_q(q[:200]))
    rows = incidents.order_by("-started_at", "-pk")[:limit]
    return JsonResponse({"incidents": [incident_dict(incident) for incident in rows]})


def parse_time_param(value: str | None, name: str) -> datetime | None:
    """An ISO-8601 date or date-time; a time without an offset is taken as UTC.

    Raises BadParameter for anything else.
    """
    if value is None or value == "":
        return None
    text = value.strip().replace(" ", "+")  # a `+` in an unencoded query string arrives as space
    parsed: datetime | date | None
    try:
        parsed = parse_datetime(text) or parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadParameter(
            f"{name!r} must be an ISO-8601 date or time, e.g. 2025-01-15T12:00:00Z, not {value!r}"
        )
    if not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, time.min)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_INCIDENT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise BadParameter(f"'limit' must be a whole number, not {value!r}") from None
    if not 1 <= limit <= MAX_INCIDENT_LIMIT:
        raise BadParameter(f"'limit' must be between 1 and {MAX_INCIDENT_LIMIT}")
    return limit
