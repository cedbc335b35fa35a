from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class AIWatchConfig(AppConfig):
    name = "aiwatch"
    verbose_name = "AI Watch"

    def ready(self) -> None:
        from aiwatch import access, checks  # noqa: F401  (registers checks and signal receivers)

        post_migrate.connect(keep_roles_in_step, dispatch_uid="aiwatch-roles")


def keep_roles_in_step(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate (and test-database flush), the roles hold the permissions of every
    model, including models added since the roles were first created.

    post_migrate is sent once per app that has models (aiwatch has none); the roles are synced
    once, after the last of them, when every app's permissions exist.
    """
    from django.contrib.auth.models import Group, Permission

    from aiwatch.roles import sync_roles

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if not with_models or sender is not with_models[-1]:
        return
    sync_roles(Group, Permission)
