"""The operator's configuration UI: providers, their sources and components, incidents.

Fields the pipeline writes are read-only here; the admin only ever changes configuration and
polls (queued from the lists, at once from a change form). Sources have their own module,
probes/admin_sources.py; the JSON settings' widgets are in probes/admin_forms.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from probes.admin_actions import (
    already_so,
    enqueue_polls,
    poll_sources_now,
    report_queued_polls,
    set_enabled,
)
from probes.admin_forms import URL_FIELD_OVERRIDES, ProviderForm, catalog_state
from probes.admin_read_only import ReadOnlyAdmin
from probes.admin_sources import SourceInline
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

admin.site.site_header = _("AI Watch administration")
admin.site.site_title = "AI Watch"
admin.site.index_title = _("Providers, sources and incidents")


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
    form = ProviderForm
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
    actions = ("poll_now", "enable_selected", "disable_selected")

    def get_urls(self) -> list[URLPattern]:
        poll = path(
            "<path:object_id>/poll/",
            self.admin_site.admin_view(self.poll_view),
            name="probes_provider_poll",
        )
        return [poll, *super().get_urls()]

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
        report_queued_polls(self, request, enqueue_polls(source_ids))

    @admin.action(description=_("Enable the selected providers"), permissions=["change"])
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        changed, unchanged = set_enabled(self, request, queryset, True)
        text = ngettext("Enabled %(count)d provider.", "Enabled %(count)d providers.", changed)
        self.message_user(request, text % {"count": changed} + already_so(unchanged))

    @admin.action(description=_("Disable the selected providers"), permissions=["change"])
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        changed, unchanged = set_enabled(self, request, queryset, False)
        text = ngettext("Disabled %(count)d provider.", "Disabled %(count)d providers.", changed)
        self.message_user(request, text % {"count": changed} + already_so(unchanged))

    def poll_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The change form's "Poll now": poll the provider's enabled sources here, one by one,
        and show what each said."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        provider = self.get_object(request, unquote(object_id))
        if provider is None:
            raise Http404
        if not self.has_change_permission(request, provider):
            raise PermissionDenied
        sources = list(provider.sources.select_related("provider").order_by("pk"))
        poll_sources_now(self, request, sources)
        return HttpResponseRedirect(reverse("admin:probes_provider_change", args=[provider.pk]))


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
class StatusChangeAdmin(ReadOnlyAdmin):
    """The audit trail: read-only, since uptime is computed from it."""

    list_display = ("at", "provider", "component", "old_status", "new_status")
    list_filter = ("new_status", "provider")
    search_fields = ("provider__name", "component__name")
    list_select_related = ("provider", "component")
    date_hierarchy = "at"


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


# The API tokens and the acknowledgements have admins of their own.
from probes import admin_acknowledgements, admin_tokens  # noqa: E402, F401

# The team's features and the models providers serve have their own room.
from probes.stack import admin as stack_admin  # noqa: E402, F401
