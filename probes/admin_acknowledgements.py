"""Admin for acknowledgements: who said "on it" about what, and how long after it started.

Acknowledging happens on the provider page, where it is logged in the audit trail and sent to
the team channels as a follow-up; the admin only lists, filters and searches them, and may
delete a mistaken one (Django logs the deletion). Nothing is added or rewritten here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from probes.history.reliability import duration_minutes
from probes.models import Acknowledgement


class AcknowledgedFilter(admin.SimpleListFilter):
    title = _("target")
    parameter_name = "target"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("incident", _("an incident")), ("observed", _("an observed outage"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "incident":
            return queryset.filter(incident__isnull=False)
        if self.value() == "observed":
            return queryset.filter(observed__isnull=False)
        return queryset


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "provider", "target", "by_name", "on_it", "plan_b_in_place", "after")
    list_filter = (AcknowledgedFilter, "plan_b_in_place", "provider")
    search_fields = ("by_name", "on_it", "note", "provider__name", "incident__title")
    list_select_related = ("provider", "incident", "observed")
    date_hierarchy = "at"
    fields = (
        "at",
        "provider",
        "incident",
        "observed",
        "by",
        "by_name",
        "on_it",
        "note",
        "plan_b_in_place",
        "after",
    )
    readonly_fields = fields

    @admin.display(description=_("what it acknowledges"))
    def target(self, obj: Acknowledgement) -> str:
        if obj.incident_id and obj.incident:
            return obj.incident.title
        if obj.observed_id and obj.observed:
            return gettext("observed outage (%(status)s)") % {
                "status": obj.observed.get_new_status_display()  # type: ignore[attr-defined]
            }
        return ""

    @admin.display(description=_("time to acknowledge"))
    def after(self, obj: Acknowledgement) -> str:
        after = obj.after
        if after is None:
            return ""
        return pgettext("short duration", "%(count)d min") % {"count": duration_minutes(after)}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
