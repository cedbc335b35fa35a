"""The audit trail: every write to the configuration goes into Django's admin log (LogEntry).

The admin writes its own entries. Everything else that changes providers, sources, channels,
features, playbooks or acknowledgements writes one here: the catalog sync as the system user
"catalog" with its messages marked CATALOG_MARK, a signed-in teammate as themself.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models

CATALOG_USERNAME = "catalog"
CATALOG_MARK = "Catalog sync:"


def catalog_user() -> Any:
    """The system user catalog changes are logged under: it cannot sign in."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        **{user_model.USERNAME_FIELD: CATALOG_USERNAME},
        defaults={"is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def log_write(user: Any, instance: models.Model, *, added: bool, message: str) -> LogEntry:
    return LogEntry.objects.create(
        user_id=user.pk,
        content_type_id=ContentType.objects.get_for_model(type(instance)).pk,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action_flag=ADDITION if added else CHANGE,
        change_message=message,
    )


def log_catalog_write(
    instance: models.Model, *, added: bool, fields: list[str] | tuple[str, ...] = ()
) -> LogEntry:
    """A row the catalog sync created, or the fields it changed."""
    if added:
        message = f"{CATALOG_MARK} created"
    else:
        message = f"{CATALOG_MARK} changed {', '.join(sorted(set(fields)))}"
    return log_write(catalog_user(), instance, added=added, message=message)
