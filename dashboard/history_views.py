"""History pages: the cross-provider outage history and the incident list (HTML and CSV).

Thin views over dashboard/history.py; the uptime API is in dashboard/api/uptime.py."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from dashboard import accuracy, history, history_cache, page_shell
from dashboard import history_page as history_page_data
from probes.history import reliability
from probes.models import Incident, Provider
from probes.observe.accuracy import scorecards

PAGE_SIZE = 25
CSV_LIMIT = 10_000


@require_GET
def history_page(request: HttpRequest) -> HttpResponse:
    """/history/: the notable outages, then the timeline, comparison, incidents per month and
    MTTR over a chosen range (one-click ranges or UTC days)."""
    now = timezone.now()
    state, version = history_cache.state_and_history_version()
    window, error = history_page_data.choose_window(
        request.GET, now=now, earliest=lambda: history_page_data.cached_first_started(version)
    )
    if error:
        ctx = _history_context(window, error, now=now, version=version, state=state)
        return render(request, "dashboard/history.html", ctx, status=400)
    # The same window shows the same page to every viewer with nothing of their own on it.
    key = (window.start, window.end, window.preset, version, state)
    return page_shell.shared_page(
        request,
        key,
        "dashboard/history.html",
        lambda fresh: _history_context(
            window, error, now=now, version=version, state=state, refresh=fresh
        ),
    )


def _history_context(
    window: history_page_data.Window,
    error: str,
    *,
    now: datetime,
    version: str,
    state: str,
    refresh: bool = False,
) -> dict[str, Any]:
    data = history_page_data.cached_history_data(window, now=now, version=version, refresh=refresh)
    # The two incident lists are most of the page's rendering: kept as HTML for the same data,
    # language and time zone (times are shown in the viewer's zone). The HTML is our own
    # template's, escaped as it rendered, hence safe to insert as it is.
    key = (window.start, window.end, version, timezone.get_current_timezone_name())

    def items(name: str, incidents: list[Incident], with_provenance: bool) -> str:
        return history_cache.cached(
            (name, *key),
            lambda: render_to_string(
                "dashboard/history_incident_items.html",
                {"incidents": incidents, "with_provenance": with_provenance},
            ),
            refresh=refresh,
        )

    return {
        "data": data,
        "since": window.since.isoformat(),
        "until": window.until.isoformat(),
        "ranges": [
            (name, label, name == window.preset)
            for name, label in history_page_data.RANGE_LABELS.items()
        ],
        "error": error,
        "list_query": history.IncidentFilters(since=window.start, until=window.end).as_query(),
        "list_limit": history_page_data.LIST_LIMIT,
        "list_items": mark_safe(items("history-list", data.incidents, True)),
        "notable_items": mark_safe(items("history-notable", data.notable, False)),
        # Kept under every input of a status (observed outages too).
        "scorecard": history_cache.cached(
            ("scorecard", state),
            lambda: accuracy.scorecard_rows(scorecards(now=now)),
            refresh=refresh,
        ),
    }


def _filtered(request: HttpRequest) -> tuple[Any, history.IncidentFilters | None, str]:
    incidents = Incident.objects.select_related("provider").order_by("-started_at", "-pk")
    try:
        filters = history.parse_filters(request.GET)
    except history.FilterError as problem:
        return incidents.none(), None, str(problem)
    return history.filter_incidents(incidents, filters), filters, ""


@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    """/incidents/: every incident, filtered, searchable, paginated."""
    incidents, filters, error = _filtered(request)
    if error or not history_cache.is_worth_keeping(request):
        ctx = _incident_list_context(request, incidents, filters, error)
        return render(request, "dashboard/incident_list.html", ctx, status=400 if error else 200)
    # The same filters and page show the same list to every viewer with nothing of their own.
    key = ("incident-list", tuple(sorted(request.GET.lists())), history_cache.state_version())
    return page_shell.shared_page(
        request,
        key,
        "dashboard/incident_list.html",
        lambda fresh: _incident_list_context(request, incidents, filters, error),
    )


def _incident_list_context(
    request: HttpRequest, incidents: Any, filters: history.IncidentFilters | None, error: str
) -> dict[str, Any]:
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "incidents": list(page.object_list),
        "filters": filters or history.IncidentFilters(),
        "form": {
            name: request.GET.get(name, "")
            for name in ("provider", "impact", "since", "until", "q")
        },
        "query": filters.as_query() if filters else {},
        "providers": list(Provider.objects.order_by("name").values_list("slug", "name")),
        "impacts": history.IMPACT_CHOICES,
        "error": error,
    }


CSV_COLUMNS = [
    "id",
    "provider",
    "title",
    "impact",
    "status",
    "started_at",
    "resolved_at",
    "duration_minutes",
    "provenance",
    "external_id",
    "url",
    "postmortem_url",
    "page",
]


@require_GET
def incident_csv(request: HttpRequest) -> HttpResponse:
    """/incidents/export.csv: the same filters as the list, every match (up to CSV_LIMIT)."""
    incidents, _filters, error = _filtered(request)
    if error:
        return HttpResponse(error + "\n", status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for incident in incidents[:CSV_LIMIT]:
        duration = reliability.duration(incident.started_at, incident.resolved_at)
        writer.writerow(
            [
                incident.pk,
                incident.provider.slug,
                _cell(incident.title),
                incident.impact,
                incident.status,
                incident.started_at.isoformat(),
                incident.resolved_at.isoformat() if incident.resolved_at else "",
                reliability.duration_minutes(duration) if duration is not None else "",
                incident.provenance,
                _cell(incident.external_id),
                incident.url,
                incident.postmortem_url,
                request.build_absolute_uri(
                    reverse("dashboard:incident-detail", args=[incident.pk])
                ),
            ]
        )
    return response


def _cell(text: str) -> str:
    # Spreadsheets run a cell starting with = + - @ as a formula: text from status pages must not.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
