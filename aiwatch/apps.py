from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class AIWatchConfig(AppConfig):
    name = "aiwatch"
    verbose_name = "AI Watch"

    def ready(self) -> None:
        from aiwatch import access, checks  # noqa: F401  (registers checks and signal receivers)

        post_migrate.connect(keep_roles_in_step, sender=self, dispatch_uid="aiwatch-roles")


def keep_roles_in_step(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate (and test-database flush), the roles hold the permissions of every
    model, including models added since the roles were first created."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from aiwatch.roles import sync_roles

    # aiwatch is listed before the apps whose models it grants: create their permissions now
    # rather than after this receiver (create_permissions skips those that exist).
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_roles(Group, Permission)
