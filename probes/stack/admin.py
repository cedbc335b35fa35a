"""The admin for the team's features and the models providers serve (imported by probes.admin)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from probes.admin_forms import LinesField
from probes.models import Feature, ServedModel
from probes.stack.feature_fields import FeatureForm


class ServedModelForm(forms.ModelForm):  # type: ignore[type-arg]
    aliases = LinesField(
        label=_("Aliases"),
        required=False,
        help_text=_("Names its status page and incidents use, one per line, e.g. GPT-4o."),
    )

    class Meta:
        model = ServedModel
        # Every field: the admin chooses which to show, and a field added to the model later
        # must not vanish from its form.
        fields = "__all__"  # noqa: DJ007


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = FeatureForm
    list_display = ("name", "slug", "criticality", "owner", "enabled")
    list_filter = ("criticality", "enabled")
    search_fields = ("name", "slug", "owner")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ServedModel)
class ServedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ServedModelForm
    list_display = ("name", "slug", "provider")
    list_filter = ("provider",)
    search_fields = ("name", "slug", "aliases")
    list_select_related = ("provider",)
