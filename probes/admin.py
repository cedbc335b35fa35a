"""The operator's configuration UI: providers, their sources and components, incidents.

Fields the pipeline writes are read-only here; the admin only ever changes configuration and
enqueues polls.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from probes.models import (
    Component,
    Incident,
    IncidentUpdate,
    ObservedTransition,
    ProbeResult,
    Provider,
    Source,
    StatusChange,
    TeamReport,
)
from probes.observe.inference import estimate_cost
from probes.tasks import enqueue_sources

# Written by the pipeline on every poll; an operator editing them would be overwritten anyway.
SOURCE_PIPELINE_FIELDS = (
    "detected_format",
    "next_poll_at",
    "last_polled_at",
    "last_success_at",
    "last_error",
    "error_since",
    "consecutive_failures",
    "indicator",
    "etag",
    "last_modified",
    "body_hash",
    # Written by probes.observe.observed for probe sources.
    "observed_status",
    "observed_changed_at",
    "observed_pending",
    "observed_streak",
    "observed_pending_since",
    "observed_through",
)
PROBE_FIELDS = (
    "method",
    "expected_statuses",
    "timeout_seconds",
    "api_shape",
    "api_key_env",
    "model",
    "max_tokens",
    "stream",
    "price_input_per_mtok",
    "price_output_per_mtok",
)


admin.site.site_header = _("AI Watch administration")
admin.site.site_title = "AI Watch"
admin.site.index_title = _("Providers, sources and incidents")

# A URL typed without a scheme is taken as https (status pages are), not Django's old http.
URL_FIELD_OVERRIDES: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


def enqueue_polls(source_ids: list[int]) -> int:
    """Poll these sources (probes in batches) once the admin's transaction commits, so a worker
    never reads a row before the admin's change lands; return how many sources."""
    transaction.on_commit(partial(enqueue_sources, source_ids))
    return len(source_ids)


def catalog_state(obj: Provider | Source) -> str:
    """Who owns the row's fields: the catalog until a field is changed here (README)."""
    if not obj.catalog_values:
        return gettext("Not from the catalog: sync_catalog never changes it.")
    edits = obj.catalog_edits()
    if edits:
        return gettext("From the catalog. Changed here, kept by sync_catalog: %(fields)s.") % {
            "fields": ", ".join(edits)
        }
    return gettext("From the catalog: sync_catalog updates each field until you change it here.")


def _report_polls(modeladmin: admin.ModelAdmin[Any], request: HttpRequest, count: int) -> None:
    if count:
        modeladmin.message_user(
            request,
            ngettext("Enqueued %(count)d poll.", "Enqueued %(count)d polls.", count)
            % {"count": count},
            messages.SUCCESS,
        )
    else:
        modeladmin.message_user(request, gettext("No enabled sources to poll."), messages.WARNING)


class SourceInline(admin.StackedInline):  # type: ignore[type-arg]
    formfield_overrides = URL_FIELD_OVERRIDES
    model = Source
    extra = 0
    fields = (
        "kind",
        "url",
        "interval_seconds",
        "filters",
        "enabled",
        "detected_format",
        "last_success_at",
        "last_error",
    )
    readonly_fields = ("detected_format", "last_success_at", "last_error")
    show_change_link = True


class ComponentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Component
    extra = 0
    fields = ("name", "group", "is_group", "status", "is_active", "status_changed_at")
    readonly_fields = fields
    ordering = ("position", "name")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # components come from the status page itself


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = (
        "name",
        "slug",
        "category",
        "status",
        "status_changed_at",
        "failing_sources",
        "enabled",
    )
    list_filter = ("enabled", "category", "status")
    search_fields = ("name", "slug", "notes")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = (
        "status",
        "status_changed_at",
        "observed_status",
        "observed_status_changed_at",
        "observed_checked_at",
        "created_at",
        "updated_at",
        "catalog",
        "catalog_values",
    )
    filter_horizontal = ("upstreams",)
    inlines = (SourceInline, ComponentInline)
    actions = ("poll_now",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Provider]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                failing_source_count=Count(
                    "sources", filter=Q(sources__enabled=True) & ~Q(sources__last_error="")
                )
            )
        )

    @admin.display(description=_("catalog"))
    def catalog(self, provider: Provider) -> str:
        return catalog_state(provider)

    @admin.display(description=_("failing sources"), ordering="failing_source_count")
    def failing_sources(self, provider: Provider) -> int:
        return getattr(provider, "failing_source_count", 0)

    @admin.action(description=_("Poll now (all enabled sources)"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        source_ids = list(
            Source.objects.filter(provider__in=queryset, enabled=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _report_polls(self, request, enqueue_polls(source_ids))


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = (
        "provider",
        "url",
        "kind",
        "format_shown",
        "enabled",
        "last_success_at",
        "failures",
        "error_shown",
    )
    list_filter = ("enabled", "kind", "detected_format", "provider")
    search_fields = ("url", "provider__name", "provider__slug", "last_error")
    list_select_related = ("provider",)
    readonly_fields = (*SOURCE_PIPELINE_FIELDS, "probe_cost", "catalog", "catalog_values")
    fieldsets = (
        (None, {"fields": ("provider", "kind", "url", "interval_seconds", "filters", "enabled")}),
        (
            "Probe (kinds: HTTP probe, inference probe)",
            {
                "fields": (*PROBE_FIELDS, "probe_cost"),
                "description": "Our own measurements: they feed the observed status, never "
                "the official one. API keys are read from the named environment variable "
                "at each call and never stored.",
            },
        ),
        ("Catalog", {"fields": ("catalog", "catalog_values")}),
        ("Written by the poller", {"fields": SOURCE_PIPELINE_FIELDS}),
    )

    @admin.display(description=_("catalog"))
    def catalog(self, source: Source) -> str:
        return catalog_state(source)

    @admin.display(description=_("cost per day"))
    def probe_cost(self, source: Source) -> str:
        """Inference probes spend tokens: per call times calls per day, and money if priced."""
        if source.pk is None or source.kind != Source.Kind.INFERENCE:
            return "Only inference probes cost tokens."
        last = (
            ProbeResult.objects.filter(source=source, input_tokens__isnull=False)
            .order_by("-at", "-pk")
            .values_list("input_tokens", "output_tokens")
            .first()
        )
        return str(
            estimate_cost(
                interval_seconds=source.interval_seconds,
                max_tokens=source.max_tokens,
                last_input_tokens=last[0] if last else None,
                last_output_tokens=last[1] if last else None,
                price_input_per_mtok=source.price_input_per_mtok,
                price_output_per_mtok=source.price_output_per_mtok,
            )
        )

    actions = ("poll_now",)

    @admin.display(description=_("format"), ordering="detected_format")
    def format_shown(self, source: Source) -> str:
        return source.format or "—"

    @admin.display(description=_("failures"), ordering="consecutive_failures")
    def failures(self, source: Source) -> int:
        return source.consecutive_failures

    @admin.display(description=_("error"))
    def error_shown(self, source: Source) -> str:
        return source.last_error[:120] if source.last_error else ""

    @admin.action(description=_("Poll now"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        source_ids = list(queryset.filter(enabled=True).order_by("pk").values_list("pk", flat=True))
        _report_polls(self, request, enqueue_polls(source_ids))


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "provider", "group", "status", "is_group", "is_active")
    list_filter = ("status", "is_active", "is_group", "provider")
    search_fields = ("name", "external_id", "provider__name")
    list_select_related = ("provider", "group")
    readonly_fields = (
        "provider",
        "source",
        "external_id",
        "group",
        "is_group",
        "position",
        "status",
        "status_changed_at",
        "is_active",
    )


class IncidentUpdateInline(admin.TabularInline):  # type: ignore[type-arg]
    model = IncidentUpdate
    extra = 0
    fields = ("at", "status", "body", "key")
    ordering = ("at", "pk")


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = (
        "title",
        "provider",
        "impact",
        "status",
        "started_at",
        "resolved_at",
        "provenance",
    )
    list_filter = ("impact", "status", "provenance", "is_maintenance", "provider")
    search_fields = ("title", "external_id", "provider__name")
    list_select_related = ("provider",)
    date_hierarchy = "started_at"
    autocomplete_fields = ("components", "upstream_incidents")
    readonly_fields = ("source", "created_at", "updated_at")
    inlines = (IncidentUpdateInline,)


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit trail: read-only, since uptime is computed from it."""

    list_display = ("at", "provider", "component", "old_status", "new_status")
    list_filter = ("new_status", "provider")
    search_fields = ("provider__name", "component__name")
    list_select_related = ("provider", "component")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Rows the pipeline writes: visible, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProbeResult)
class ProbeResultAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "provider",
        "source",
        "verdict",
        "error_class",
        "status_code",
        "latency_ms",
        "ttft_ms",
        "input_tokens",
        "output_tokens",
    )
    list_filter = ("verdict", "error_class", "provider")
    list_select_related = ("provider", "source")
    date_hierarchy = "at"


@admin.register(ObservedTransition)
class ObservedTransitionAdmin(ReadOnlyAdmin):
    """Confirmed observed changes; detection lead and silent outages are computed from them."""

    list_display = ("at", "provider", "source", "old_status", "new_status", "since")
    list_filter = ("new_status", "provider")
    list_select_related = ("provider", "source")
    date_hierarchy = "at"


@admin.register(TeamReport)
class TeamReportAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Reports can be deleted (spam, a test click) but not invented or rewritten."""

    list_display = ("at", "provider", "note")
    list_filter = ("provider",)
    search_fields = ("note", "provider__name")
    list_select_related = ("provider",)
    date_hierarchy = "at"
    readonly_fields = ("provider", "at", "note")
    exclude = ("person", "network")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


from probes import admin_tokens  # noqa: E402,F401  (registers the API token admin)

# The team's features and the models providers serve have their own room.
from probes.stack import admin as stack_admin  # noqa: E402, F401
