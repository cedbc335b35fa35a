from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        # Receivers run inside the transaction of the change that caused them (see
        # probes.signals): the outbox rows commit or roll back with the change.
        from alerts import catalog, outbox, team_events
        from probes import signals

        signals.poll_recorded.connect(outbox.on_poll_recorded, dispatch_uid="alerts.poll_recorded")
        signals.catalog_synced.connect(catalog.on_catalog_synced, dispatch_uid="alerts.catalog")
        signals.observed_status_changed.connect(
            outbox.on_observed_status_changed, dispatch_uid="alerts.observed"
        )
        signals.report_burst_started.connect(
            team_events.on_report_burst_started, dispatch_uid="alerts.report_burst"
        )
        signals.acknowledged.connect(
            team_events.on_acknowledged, dispatch_uid="alerts.acknowledged"
        )
