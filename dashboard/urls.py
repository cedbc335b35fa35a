from __future__ import annotations

from django.urls import include, path

from dashboard import (
    acknowledgements,
    api,
    badges,
    calendar,
    exposure_views,
    feeds,
    history_views,
    mcp_http,
    metrics,
    stack_views,
    team_reports,
    views,
)
from dashboard.api.access import guard_docs

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("live/", views.overview_live, name="overview-live"),
    path("providers/<slug:slug>/", views.provider_detail, name="provider-detail"),
    path("providers/<slug:slug>/live/", views.provider_live, name="provider-live"),
    path("providers/<slug:slug>/report/", team_reports.report_provider, name="provider-report"),
    path(
        "providers/<slug:slug>/acknowledge/",
        acknowledgements.acknowledge_provider,
        name="provider-acknowledge",
    ),
    # An alert's "affected too? yes / no" links (alerts/affected_links.py).
    path(
        "affected/<str:token>/<str:answer>/",
        team_reports.affected_from_alert,
        name="affected-from-alert",
    ),
    path("incidents/<int:pk>/", views.incident_detail, name="incident-detail"),
    path("timezone/", views.set_timezone, name="set-timezone"),
    # History: the outage timeline, the incident list and its CSV, the incident feed.
    path("history/", history_views.history_page, name="history"),
    path("incidents/", history_views.incident_list, name="incident-list"),
    path("incidents/export.csv", history_views.incident_csv, name="incident-csv"),
    path("feeds/incidents.atom", feeds.IncidentsFeed(), name="incident-feed"),
    path("feeds/maintenance.ics", calendar.maintenance_calendar, name="maintenance-calendar"),
    # Everything under api/ passes the API's one gate (dashboard.api.access).
    path("api/", guard_docs(views.api_docs), name="api-docs"),
    path("api/v1/", include(api.urlpatterns)),
    # Prometheus: open like the pages, or behind AIWATCH_METRICS_TOKEN.
    path("metrics", metrics.metrics, name="metrics"),
    # MCP over streamable HTTP, for agents with an API token.
    path("mcp", mcp_http.mcp_endpoint, name="mcp"),
    # For other sites: badges and an embeddable card (login rules in dashboard/badges.py).
    path("badge/<slug:slug>.svg", badges.status_badge, name="badge"),
    path("badge/<slug:slug>/uptime.svg", badges.uptime_badge, name="badge-uptime"),
    path("embed/<slug:slug>/", badges.embed_card, name="embed"),
    # The team's own stack: the dependency map and the drills.
    path("stack/", stack_views.dependency_map, name="stack-map"),
    path("stack/exposure/", exposure_views.exposure_page, name="stack-exposure"),
    path("stack/exposure.csv", exposure_views.exposure_csv, name="stack-exposure-csv"),
    path("stack/report/", exposure_views.report_page, name="stack-report"),
    path("drills/", stack_views.drill_list, name="drills"),
    path(
        "drills/<int:pk>/acknowledge/", acknowledgements.acknowledge_drill, name="drill-acknowledge"
    ),
]
