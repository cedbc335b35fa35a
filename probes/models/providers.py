"""Providers: the AI services and clouds whose health we follow."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch
from django.db.models.expressions import BaseExpression
from django.utils.translation import gettext_lazy as _

from probes.models.fields import StatusField, catalog_edits
from probes.parsers.types import LABELS, Status

# What a provider can stand in for (Provider.capabilities), used to suggest alternatives.
CAPABILITIES = frozenset(
    {"chat", "code", "image", "video", "speech", "embeddings", "search", "agents"}
)


class ProviderQuerySet(models.QuerySet["Provider"]):
    def for_dashboard(
        self,
        *,
        every_source: bool = False,
        source_columns: Mapping[str, BaseExpression] | None = None,
        component_columns: Mapping[str, BaseExpression] | None = None,
        incident_columns: Mapping[str, BaseExpression] | None = None,
    ) -> ProviderQuerySet:
        """Providers with everything the overview shows, in a fixed number of queries.

        `every_source`: each provider's switched-off sources are read too, all of them as
        `every_source` (by pk) instead of the `enabled_sources` the pages' summaries take
        (a provider page lists them all; `with_enabled_sources()` then sets those).
        `source_columns`, `component_columns`, `incident_columns`: annotations of each source,
        component and open incident read, for what a page shows of them besides (a provider
        page: its probes' newest results, when each component was first watched, which
        components each incident touches).
        """
        from probes.models.incidents import Component, Incident
        from probes.models.sources import Source

        sources = Source.objects.order_by("pk").annotate(**(source_columns or {}))
        components = (
            Component.objects.filter(is_active=True)
            .order_by("position", "name")
            .annotate(**(component_columns or {}))
        )
        return (
            self.filter(enabled=True)
            .prefetch_related(
                Prefetch("components", queryset=components),
                Prefetch(
                    "incidents",
                    # The summaries show each one's newest update, read with it.
                    queryset=Incident.objects.open()
                    .with_newest_update()
                    .annotate(**(incident_columns or {}))
                    .order_by("-started_at"),
                    to_attr="open_incidents",
                ),
                Prefetch(
                    "sources",
                    queryset=sources if every_source else sources.filter(enabled=True),
                    to_attr="every_source" if every_source else "enabled_sources",
                ),
            )
            .order_by("name")
        )


def with_enabled_sources(providers: list[Provider]) -> list[Provider]:
    """Providers read with `for_dashboard(every_source=True)`, each given the
    `enabled_sources` that for_dashboard() would have read."""
    for provider in providers:
        every = provider.every_source  # type: ignore[attr-defined]
        provider.enabled_sources = [s for s in every if s.enabled]  # type: ignore[attr-defined]
    return providers


class Provider(models.Model):
    """An AI service (or a cloud it runs on) whose health we follow."""

    class Category(models.TextChoices):
        CHAT_APP = "chat_app", _("Chat app")
        MODEL_API = "model_api", _("Model API")
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        SPEECH = "speech", _("Speech")
        CODE_ASSISTANT = "code_assistant", _("Code assistant")
        INFRASTRUCTURE = "infrastructure", _("Infrastructure")
        LOCAL = "local", _("Local model server")

    slug = models.SlugField(
        unique=True,
        help_text=_("Short stable name used in URLs, e.g. openai."),
        verbose_name=_("slug"),
    )
    name = models.CharField(
        max_length=200, help_text=_("Shown on the dashboard, e.g. OpenAI."), verbose_name=_("name")
    )
    url = models.URLField(
        _("status page"),
        blank=True,
        help_text=_("The page people read, e.g. https://status.openai.com"),
    )
    category = models.CharField(
        max_length=20,
        choices=Category.choices,
        default=Category.MODEL_API,
        verbose_name=_("category"),
    )
    capabilities = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'What it can stand in for, e.g. ["chat", "code"]. Used to suggest alternatives.'
        ),
        verbose_name=_("capabilities"),
    )
    upstreams = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="downstreams",
        help_text=_("Clouds and networks it runs on, e.g. OpenAI → Microsoft Azure."),
        verbose_name=_("upstreams"),
    )
    notes = models.TextField(
        blank=True,
        help_text=_("Where the facts about this provider come from, and how sure we are."),
        verbose_name=_("notes"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    public_badge = models.BooleanField(
        default=False,
        verbose_name=_("public badge"),
        help_text=_(
            "Serve this provider's badges and embed card without a login even when "
            "AIWATCH_REQUIRE_LOGIN makes the dashboard private."
        ),
    )

    # What sync_catalog last applied to this row (empty: added in the admin); a field whose value
    # differs from it was changed in the admin, and the catalog leaves it alone.
    catalog_values = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=_("catalog values")
    )

    # Written by the pipeline: the worst of components, open incidents and source health.
    status = StatusField(editable=False, verbose_name=_("status"))
    status_changed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("status changed at")
    )

    # Written by probes.observe.observed: what our own probes see, beside (never inside) `status`.
    observed_status = StatusField(editable=False, verbose_name=_("observed status"))
    observed_status_changed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("observed status changed at")
    )
    # When the last probe result was applied: how fresh the observed status is.
    observed_checked_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("observed checked at")
    )

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        capabilities = self.capabilities
        if not isinstance(capabilities, list) or not all(
            isinstance(item, str) for item in capabilities
        ):
            raise ValidationError({"capabilities": 'A list of names, e.g. ["chat", "code"].'})
        unknown = sorted(set(capabilities) - CAPABILITIES)
        if unknown:
            raise ValidationError(
                {"capabilities": f"Unknown capabilities {unknown}; known: {sorted(CAPABILITIES)}."}
            )

    def catalog_edits(self) -> list[str]:
        """Fields (and upstreams) changed in the admin since the catalog last applied them."""
        edits = catalog_edits(self)
        applied = self.catalog_values.get("upstreams")
        if (
            applied is not None
            and self.pk is not None
            and sorted(self.upstreams.values_list("slug", flat=True)) != applied
        ):
            edits.append("upstreams")
        return edits

    @property
    def status_label(self) -> str:
        return str(LABELS[Status(self.status)])

    @property
    def observed_status_label(self) -> str:
        return str(LABELS[Status(self.observed_status)])
