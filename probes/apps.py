from django.apps import AppConfig


class ProbesConfig(AppConfig):
    name = "probes"
    verbose_name = "Providers and sources"

    def ready(self) -> None:
        # Connects the uptime rollup receiver to probes.signals.poll_recorded.
        from probes.history import rollups  # noqa: F401
