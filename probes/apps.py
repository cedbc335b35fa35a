from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProbesConfig(AppConfig):
    name = "probes"
    verbose_name = _("Providers and sources")

    def ready(self) -> None:
        # Connects the uptime rollup receiver to probes.signals.poll_recorded.
        from probes import admin_audit, signals  # noqa: F401  (admin_audit: the audit trail page)
        from probes.history import rollups  # noqa: F401
        from probes.stack import catalog

        # Features and models sync after the providers, inside the catalog's transaction.
        signals.catalog_synced.connect(catalog.on_catalog_synced, dispatch_uid="probes.stack")
