"""The audit trail in the admin: every LogEntry, read-only, filtered by who, what and when.

Admins (the permission admin.view_logentry) see who changed which provider, source, channel,
playbook, feature or acknowledgement. Catalog syncs are the system user "catalog"
(probes.audit); the "Made by" filter splits them from people's changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from probes.admin_read_only import ReadOnlyAdmin
from probes.audit import CATALOG_USERNAME


class MadeByFilter(admin.SimpleListFilter):
    title = _("made by")
    parameter_name = "made_by"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("catalog", _("Catalog sync")), ("people", _("People"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
        if self.value() == "catalog":
            return queryset.filter(user__username=CATALOG_USERNAME)
        if self.value() == "people":
            return queryset.exclude(user__username=CATALOG_USERNAME)
        return queryset


@admin.register(LogEntry)
class AuditTrailAdmin(ReadOnlyAdmin):
    date_hierarchy = "action_time"
    list_display = ("action_time", "user", "content_type", "object_repr", "action", "message")
    list_filter = (MadeByFilter, "action_flag", "content_type", "user", "action_time")
    search_fields = ("object_repr", "change_message", "user__username")
    list_select_related = ("user", "content_type")
    ordering = ("-action_time", "-pk")
    readonly_fields = [field.name for field in LogEntry._meta.fields]

    @admin.display(description=_("action"), ordering="action_flag")
    def action(self, entry: LogEntry) -> str:
        return str(entry.get_action_flag_display())

    @admin.display(description=_("change message"))
    def message(self, entry: LogEntry) -> str:
        return str(entry.get_change_message())
