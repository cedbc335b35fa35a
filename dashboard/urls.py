from __future__ import annotations

from django.urls import path

from dashboard import api, history_urls, team_reports, views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("live/", views.overview_live, name="overview-live"),
    path("providers/<slug:slug>/", views.provider_detail, name="provider-detail"),
    path("providers/<slug:slug>/live/", views.provider_live, name="provider-live"),
    path("providers/<slug:slug>/report/", team_reports.report_provider, name="provider-report"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident-detail"),
    path("timezone/", views.set_timezone, name="set-timezone"),
    path("api/", views.api_docs, name="api-docs"),
    path("api/v1/providers/", api.provider_list, name="api-providers"),
    path("api/v1/providers/<slug:slug>/", api.provider_detail, name="api-provider-detail"),
    path("api/v1/incidents/", api.incident_list, name="api-incidents"),
]
# History: /history/, /incidents/ (+ CSV), /feeds/incidents.atom, the uptime API.
urlpatterns += history_urls.urlpatterns
