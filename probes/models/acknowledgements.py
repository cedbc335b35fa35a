"""Someone on the team is on it: an acknowledged incident or observed outage."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Acknowledgement(models.Model):
    """An editor's "acknowledged: plan B in place" on an incident or on an observed outage.

    Exactly one of `incident` and `observed` is set. The first acknowledgement of a target is
    what its "time to acknowledge" measures; later ones add who else is on it.
    """

    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("provider"),
    )
    incident = models.ForeignKey(
        "probes.Incident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="acknowledgements",
        verbose_name=_("incident"),
    )
    # The provider-wide observed transition that started the outage being acknowledged.
    observed = models.ForeignKey(
        "probes.ObservedTransition",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="acknowledgements",
        verbose_name=_("observed outage"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="acknowledgements",
        verbose_name=_("acknowledged by"),
    )
    # The name as it was shown then, kept if the account goes.
    by_name = models.CharField(max_length=150, verbose_name=_("acknowledged by (name)"))
    on_it = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Who is on it, e.g. 'Alice and Bob'."),
        verbose_name=_("who is on it"),
    )
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    plan_b_in_place = models.BooleanField(default=True, verbose_name=_("plan B in place"))
    at = models.DateTimeField(verbose_name=_("at"))

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(incident__isnull=False, observed__isnull=True)
                    | models.Q(incident__isnull=True, observed__isnull=False)
                ),
                name="acknowledgement_one_target",
            )
        ]
        indexes = [models.Index(fields=["provider", "at"], name="acknowledgement_provider_at")]

    def __str__(self) -> str:
        return f"{self.provider}: acknowledged by {self.by_name} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def started_at(self) -> datetime | None:
        """When what it acknowledges started."""
        if self.incident_id and self.incident:
            return self.incident.started_at
        if self.observed_id and self.observed:
            return self.observed.since or self.observed.at
        return None

    @property
    def after(self) -> timedelta | None:
        """How long after the start it came."""
        started = self.started_at
        return max(self.at - started, timedelta(0)) if started else None
