"""Model fields shared by several models."""

from __future__ import annotations

from typing import Any

from django.db import models

from probes.parsers.types import LABELS, Status


class StatusField(models.CharField):  # type: ignore[type-arg]
    """A status from the one vocabulary in probes.parsers.types.Status."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault("choices", [(status.value, LABELS[status]) for status in Status])
        kwargs.setdefault("default", Status.UNKNOWN.value)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        # Migrations name the field by its public home, probes.models.StatusField.
        name, _path, args, kwargs = super().deconstruct()
        return name, "probes.models.StatusField", args, kwargs


def catalog_edits(instance: models.Model) -> list[str]:
    """Fields whose value differs from what sync_catalog last applied to `instance`: changed in
    the admin since, so the catalog leaves them alone (probes.catalog.apply_catalog_values)."""
    applied: dict[str, Any] = getattr(instance, "catalog_values", None) or {}
    concrete = {field.name for field in instance._meta.concrete_fields}
    return sorted(
        name
        for name, value in applied.items()
        if name in concrete and getattr(instance, name) != value
    )
