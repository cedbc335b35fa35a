"""Daily uptime rollups, one row per provider (or component) per day."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UptimeDay(models.Model):
    """One UTC day of one component (or, with no component, of a provider as a whole).

    A rollup kept up to date as changes arrive (probes/rollups.py); pages read these rows and
    never the raw StatusChange history. The rules live in probes/uptime.py.
    """

    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="uptime_days",
        verbose_name=_("provider"),
    )
    component = models.ForeignKey(
        "probes.Component",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="uptime_days",
        verbose_name=_("component"),
    )
    day = models.DateField(help_text=_("A UTC day."), verbose_name=_("day"))
    # Seconds with a known, non-maintenance status: the denominator.
    observed_seconds = models.PositiveIntegerField(default=0, verbose_name=_("observed seconds"))
    # Weighted downtime: major outage counts in full, partial outage at PARTIAL_OUTAGE_WEIGHT.
    down_seconds = models.FloatField(default=0.0, verbose_name=_("down seconds"))
    major_seconds = models.PositiveIntegerField(default=0, verbose_name=_("major seconds"))
    partial_seconds = models.PositiveIntegerField(default=0, verbose_name=_("partial seconds"))
    degraded_seconds = models.PositiveIntegerField(default=0, verbose_name=_("degraded seconds"))
    maintenance_seconds = models.PositiveIntegerField(
        default=0, verbose_name=_("maintenance seconds")
    )
    # The row covers the day up to here; readers carry `tail_status` on to the present.
    computed_until = models.DateTimeField(verbose_name=_("computed until"))
    tail_status = models.CharField(max_length=24, blank=True, verbose_name=_("tail status"))
    # While the day is open: what carrying the row on exactly needs (probes/history/
    # rollup_rows.py); empty once the day is complete.
    running = models.JSONField(null=True, blank=True, editable=False, verbose_name=_("running"))

    class Meta:
        verbose_name = _("uptime day")
        verbose_name_plural = _("uptime days")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "day"],
                condition=Q(component__isnull=True),
                name="uptimeday_unique_provider_day",
            ),
            models.UniqueConstraint(
                fields=["component", "day"],
                condition=Q(component__isnull=False),
                name="uptimeday_unique_component_day",
            ),
        ]
        indexes = [
            # Provider pages and the uptime API read one provider's days in a window.
            models.Index(fields=["provider", "day"], name="uptimeday_provider_day"),
        ]
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.component or self.provider}: {self.day}"
