from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProbesConfig(AppConfig):
    name = "probes"
    verbose_name = _("Providers and sources")

    def ready(self) -> None:
        # Connects the uptime rollup receiver to probes.signals.poll_recorded.
        from probes.history import rollups  # noqa: F401
