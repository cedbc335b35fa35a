from django.apps import AppConfig


class AIWatchConfig(AppConfig):
    name = "aiwatch"
    verbose_name = "AI Watch"

    def ready(self) -> None:
        from aiwatch import access, checks  # noqa: F401  (registers checks and signal receivers)
