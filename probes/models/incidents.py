"""Components, incidents with their updates, and the status transitions of both."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from probes.models.fields import StatusField
from probes.parsers.types import (
    CLOSED_INCIDENT_STATUSES,
    IMPACT_LABELS,
    INCIDENT_STATUS_LABELS,
    LABELS,
    Impact,
    IncidentStatus,
    Status,
)


class Component(models.Model):
    """A part of a provider's service as its status page lists it (ChatGPT, API, Sora...)."""

    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="components",
        verbose_name=_("provider"),
    )
    source = models.ForeignKey(
        "probes.Source",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="components",
        verbose_name=_("source"),
    )
    # The page's own id: components are matched by it, never by name (names change).
    external_id = models.CharField(max_length=200, verbose_name=_("external id"))
    name = models.CharField(max_length=500, verbose_name=_("name"))
    group = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("group"),
    )
    is_group = models.BooleanField(default=False, verbose_name=_("is group"))
    position = models.IntegerField(default=0, verbose_name=_("position"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    status = StatusField(verbose_name=_("status"))
    status_changed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("status changed at")
    )
    # False once the page stops listing it; kept for history.
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="component_unique_external_id"
            )
        ]
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def status_label(self) -> str:
        return str(LABELS[Status(self.status)])


class StatusChange(models.Model):
    """One transition of a component (or, with no component, of a provider as a whole).

    The audit trail, and the input uptime is computed from.
    """

    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("provider"),
    )
    component = models.ForeignKey(
        "probes.Component",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
        verbose_name=_("component"),
    )
    old_status = StatusField(verbose_name=_("old status"))
    new_status = StatusField(verbose_name=_("new status"))
    at = models.DateTimeField(verbose_name=_("at"))

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [
            # Uptime and timelines read one provider's (or component's) changes in time order.
            models.Index(fields=["provider", "component", "at"], name="statuschange_timeline"),
            # The page cache's key: a provider's newest change (dashboard/history_cache.py).
            models.Index(fields=["provider", "id"], name="statuschange_provider_newest"),
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        subject = self.component or self.provider
        return f"{subject}: {self.old_status} → {self.new_status} at {self.at:%Y-%m-%d %H:%M}"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.filter(resolved_at__isnull=True).exclude(
            status__in=[status.value for status in CLOSED_INCIDENT_STATUSES]
        )

    def overlapping(self, start: datetime, end: datetime) -> IncidentQuerySet:
        return self.filter(started_at__lt=end).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gt=start)
        )

    def with_newest_update(self) -> IncidentQuerySet:
        """Each incident with its newest update's fields as columns, which `newest_update()`
        makes the update of: a read of incidents that shows their latest post reads no
        updates besides."""
        newest = IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by("-at", "-pk")
        return self.annotate(
            **{
                f"newest_update_{name}": Subquery(newest.values(name)[:1])
                for name in NEWEST_UPDATE_FIELDS
            }
        )


# Every field of an update but its incident: what `with_newest_update()` reads.
NEWEST_UPDATE_FIELDS = ("id", "key", "source_id", "status", "body", "at")


def newest_update(incident: Incident) -> IncidentUpdate | None:
    """The newest update of an incident read `with_newest_update()` (None: it has none)."""
    if incident.newest_update_id is None:  # type: ignore[attr-defined]
        return None
    fields = {name: getattr(incident, f"newest_update_{name}") for name in NEWEST_UPDATE_FIELDS}
    update = IncidentUpdate(incident=incident, **fields)
    update._state.adding = False
    update._state.db = incident._state.db
    return update


class Incident(models.Model):
    """An incident or maintenance as the provider reported it (or as our archive records it)."""

    class Provenance(models.TextChoices):
        LIVE = "live", _("Live poll")
        BACKFILL = "backfill", _("Backfill")
        ARCHIVE = "archive", _("Archive")

    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="incidents",
        verbose_name=_("provider"),
    )
    source = models.ForeignKey(
        "probes.Source",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("source"),
    )
    external_id = models.CharField(
        max_length=200,
        help_text=_("The provider's own incident id."),
        verbose_name=_("external id"),
    )
    # Other ids the provider uses for the same incident, e.g. a Statuspage id kept by incident.io.
    aliases = models.JSONField(default=list, blank=True, verbose_name=_("aliases"))
    title = models.CharField(max_length=1000, verbose_name=_("title"))
    impact = models.CharField(
        max_length=16,
        choices=[(i.value, IMPACT_LABELS[i]) for i in Impact],
        default=Impact.NONE,
        verbose_name=_("impact"),
    )
    status = models.CharField(
        max_length=16,
        choices=[(s.value, INCIDENT_STATUS_LABELS[s]) for s in IncidentStatus],
        verbose_name=_("status"),
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    url = models.URLField(max_length=2000, blank=True, verbose_name=_("url"))
    is_maintenance = models.BooleanField(default=False, verbose_name=_("is maintenance"))
    scheduled_for = models.DateTimeField(null=True, blank=True, verbose_name=_("scheduled for"))
    scheduled_until = models.DateTimeField(null=True, blank=True, verbose_name=_("scheduled until"))
    components = models.ManyToManyField(
        "probes.Component", blank=True, related_name="incidents", verbose_name=_("components")
    )
    provenance = models.CharField(
        max_length=16,
        choices=Provenance.choices,
        default=Provenance.LIVE,
        verbose_name=_("provenance"),
    )
    # Curated by the archive (probes/archive.py); live polls and backfills never overwrite them.
    postmortem_url = models.URLField(max_length=2000, blank=True, verbose_name=_("postmortem url"))
    root_cause = models.TextField(
        blank=True, help_text=_("In our own words."), verbose_name=_("root cause")
    )
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "Structured extras: affected products, per-product recoveries (each with its "
            "source, kept side by side where sources disagree), source links, whether times are "
            "verified, and component impacts a history source reported."
        ),
        verbose_name=_("details"),
    )
    upstream_incidents = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="downstream_incidents",
        help_text=_(
            "Incidents of an upstream provider (a cloud) that caused or overlapped this one."
        ),
        verbose_name=_("upstream incidents"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="incident_unique_external_id"
            )
        ]
        indexes = [
            # Provider pages and the history timeline read incidents by start time.
            models.Index(fields=["provider", "-started_at"], name="incident_provider_started"),
            models.Index(fields=["started_at"], name="incident_started"),
            # The overview asks for open incidents.
            models.Index(fields=["resolved_at"], name="incident_resolved"),
            # /history/ lists the archive's notable outages in time order.
            models.Index(fields=["provenance", "started_at"], name="incident_provenance_started"),
            # The page cache's key: the newest incident edit, of all or of one provider
            # (dashboard/history_cache.py).
            models.Index(fields=["updated_at"], name="incident_updated"),
            models.Index(fields=["provider", "updated_at"], name="incident_provider_updated"),
            models.Index(fields=["provider", "id"], name="incident_provider_newest"),
        ]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.resolved_at and self.started_at and self.resolved_at < self.started_at:
            message = "resolved_at is before started_at: an incident ends after it starts."
            raise ValidationError({"resolved_at": message})

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and self.status not in CLOSED_INCIDENT_STATUSES

    @property
    def duration(self) -> timedelta | None:
        if self.resolved_at is None:
            return None
        return self.resolved_at - self.started_at

    @property
    def impact_status(self) -> Status:
        return Impact(self.impact).as_status()


class IncidentUpdate(models.Model):
    """One post on an incident's timeline."""

    incident = models.ForeignKey(
        "probes.Incident",
        on_delete=models.CASCADE,
        related_name="updates",
        verbose_name=_("incident"),
    )
    # Stable across polls: the source's update id, or a digest of its time, status and text.
    key = models.CharField(max_length=200, verbose_name=_("key"))
    # The source that recorded it. The same update read from another source of the page (its
    # feed) is matched by text and time (probes.status.matching); one source's own updates
    # are told apart by key alone, however alike they read.
    source = models.ForeignKey(
        "probes.Source",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source"),
    )
    status = models.CharField(max_length=16, verbose_name=_("status"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    at = models.DateTimeField(verbose_name=_("at"))

    class Meta:
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="update_unique_key")
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident}: {self.status} at {self.at:%Y-%m-%d %H:%M}"
