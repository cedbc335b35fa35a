"""The admin for sources: the form with its filter picker, "Detect" (a dry run that saves
nothing), "Poll now" on the change form, and the provider page's source inline."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from probes.admin_actions import (
    already_so,
    enqueue_polls,
    poll_sources_now,
    report_queued_polls,
    set_enabled,
)
from probes.admin_forms import (
    URL_FIELD_OVERRIDES,
    DetectURLInput,
    SourceForm,
    catalog_state,
    component_choices,
)
from probes.models import Component, ProbeResult, Source
from probes.observe.inference import estimate_cost
from probes.status.dry_run import DryRun, dry_run

# Written by the pipeline on every poll; an operator editing them would be overwritten anyway.
SOURCE_PIPELINE_FIELDS = (
    "detected_format",
    "next_poll_at",
    "claimed_at",
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


class SourceInline(admin.StackedInline):  # type: ignore[type-arg]
    form = SourceForm
    formfield_overrides = URL_FIELD_OVERRIDES
    model = Source
    extra = 0
    fields = (
        "kind",
        "url",
        "interval_seconds",
        "filters",
        "expected_statuses",
        "enabled",
        "detected_format",
        "last_success_at",
        "last_error",
    )
    readonly_fields = ("detected_format", "last_success_at", "last_error")
    show_change_link = True


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = SourceForm
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
            _("Probe (kinds: HTTP probe, inference probe)"),
            {
                "fields": (*PROBE_FIELDS, "probe_cost"),
                "description": _(
                    "Our own measurements: they feed the observed status, never the official "
                    "one. API keys are read from the named environment variable at each call "
                    "and never stored."
                ),
            },
        ),
        (_("Catalog"), {"fields": ("catalog", "catalog_values")}),
        (_("Written by the poller"), {"fields": SOURCE_PIPELINE_FIELDS}),
    )
    actions = ("poll_now", "enable_selected", "disable_selected")

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "url":
            kwargs["widget"] = DetectURLInput(attrs={"class": "vURLField"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        poll = path(
            "<path:object_id>/poll/",
            self.admin_site.admin_view(self.poll_view),
            name="probes_source_poll",
        )
        return [poll, *super().get_urls()]

    @admin.display(description=_("catalog"))
    def catalog(self, source: Source) -> str:
        return catalog_state(source)

    @admin.display(description=_("cost per day"))
    def probe_cost(self, source: Source) -> str:
        """Inference probes spend tokens: per call times calls per day, and money if priced."""
        if source.pk is None or source.kind != Source.Kind.INFERENCE:
            return gettext("Only inference probes cost tokens.")
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
        report_queued_polls(self, request, enqueue_polls(source_ids))

    @admin.action(description=_("Enable the selected sources"), permissions=["change"])
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        changed, unchanged = set_enabled(self, request, queryset, True)
        text = ngettext("Enabled %(count)d source.", "Enabled %(count)d sources.", changed)
        self.message_user(request, text % {"count": changed} + already_so(unchanged))

    @admin.action(description=_("Disable the selected sources"), permissions=["change"])
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        changed, unchanged = set_enabled(self, request, queryset, False)
        text = ngettext("Disabled %(count)d source.", "Disabled %(count)d sources.", changed)
        self.message_user(request, text % {"count": changed} + already_so(unchanged))

    def poll_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The change form's "Poll now": poll this source here and show what happened."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        source = self.get_object(request, unquote(object_id))
        if source is None:
            raise Http404
        if not self.has_change_permission(request, source):
            raise PermissionDenied
        poll_sources_now(self, request, [source])
        return HttpResponseRedirect(reverse("admin:probes_source_change", args=[source.pk]))

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and "_detect" in request.POST:
            return self.detect_view(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def detect_view(self, request: HttpRequest, object_id: str | None) -> HttpResponse:
        """The form's "Detect": read the URL typed in, show what a poll would record, and
        give the form back as typed. Nothing is saved, the source included."""
        add = object_id is None
        obj = None if add else self.get_object(request, unquote(object_id or ""))
        if not add and obj is None:
            raise Http404
        # As stored, for the title and breadcrumbs: binding the form writes the typed values
        # onto the (never saved) instance.
        original = copy.copy(obj)
        allowed = (
            self.has_add_permission(request) if add else self.has_change_permission(request, obj)
        )
        if not allowed:
            raise PermissionDenied
        fieldsets = self.get_fieldsets(request, obj)
        form_class = self.get_form(
            request, obj, change=not add, fields=flatten_fieldsets(fieldsets)
        )
        form = form_class(request.POST, request.FILES, instance=obj)
        assert isinstance(form, SourceForm)
        form.is_valid()  # the errors show beside their fields; the instance is never saved
        result = detect_for_form(form)
        if result is not None and result.ok:
            form.add_component_choices(component_choices_from(result))
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),  # type: ignore[arg-type]
            self.get_prepopulated_fields(request, obj) if add else {},
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        title = gettext("Add %s") if add else gettext("Change %s")
        context = {
            **self.admin_site.each_context(request),
            "title": title % self.opts.verbose_name,
            "subtitle": str(original) if original else None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": original,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "dry_run": result,
            "dry_run_kind": form.cleaned_data.get("kind", ""),
            "dry_run_refused": gettext(
                "Detect reads status pages; a probe is checked with Poll now once saved."
            )
            if result is None and form.cleaned_data.get("kind") in Source.PROBE_KINDS
            else "",
        }
        return self.render_change_form(
            request, context, add=add, change=not add, obj=obj, form_url=""
        )


def detect_for_form(form: SourceForm) -> DryRun | None:
    """A dry run of the form's URL and filters; None when there is no usable URL to read."""
    data = getattr(form, "cleaned_data", {})
    url = data.get("url")
    if not url or data.get("kind") in Source.PROBE_KINDS:
        return None
    return dry_run(url, data.get("filters") or {})


def component_choices_from(result: DryRun) -> list[tuple[str, str]]:
    """The dry run's components as picker choices, labelled as the stored ones are."""
    return component_choices(
        Component(external_id=item.external_id, name=item.name, is_group=item.is_group)
        for item in result.all_components
    )
