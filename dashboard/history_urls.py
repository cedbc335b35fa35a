"""URLs of the history pages, the incident feed and the uptime API (included by dashboard.urls)."""

from __future__ import annotations

from django.urls import path

from dashboard import feeds, history_views

urlpatterns = [
    path("history/", history_views.history_page, name="history"),
    path("incidents/", history_views.incident_list, name="incident-list"),
    path("incidents/export.csv", history_views.incident_csv, name="incident-csv"),
    path("feeds/incidents.atom", feeds.IncidentsFeed(), name="incident-feed"),
    path(
        "api/v1/providers/<slug:slug>/uptime/", history_views.uptime_api, name="api-provider-uptime"
    ),
]
