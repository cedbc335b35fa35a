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
