"""The admin for the team's features and the models providers serve (imported by probes.admin)."""

from __future__ import annotations

from django.contrib import admin

from probes.models import Feature, ServedModel


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "criticality", "owner", "enabled")
    list_filter = ("criticality", "enabled")
    search_fields = ("name", "slug", "owner")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ServedModel)
class ServedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "provider")
    list_filter = ("provider",)
    search_fields = ("name", "slug", "aliases")
    list_select_related = ("provider",)
