"""Admin form fields for the JSON settings: checkboxes, pickers and one-per-line boxes.

Each field reads and writes exactly the JSON the model stores (a list of names, or a mapping of
filter names to lists), so the catalog, the API and the admin keep one format; the model's own
`clean()` still judges the value, and its message lands on the field it names.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.db import models
from django.forms.renderers import BaseRenderer
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from probes.models import Component, Provider, Source
from probes.models.providers import CAPABILITIES
from probes.parsers import FILTER_KEYS

# A URL typed without a scheme is taken as https (status pages are), not Django's old http.
URL_FIELD_OVERRIDES: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


def https_url_fields(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """The form field for a model field, URLs assumed https (for the forms declared here)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


CAPABILITY_LABELS = {
    "chat": _("Chat"),
    "code": _("Code"),
    "image": _("Images"),
    "video": _("Video"),
    "speech": _("Speech"),
    "embeddings": _("Embeddings"),
    "search": _("Search"),
    "agents": _("Agents"),
}
# The source filters, in the order the form shows them, with what each narrows.
FILTER_LABELS = {
    "components": _("Components to follow"),
    "keywords": _("Keywords (feeds: keep items that mention one)"),
    "products": _("Google product ids"),
    "product_titles": _("Google product names"),
    "base_url": _("Google incident link base"),
    "services": _("AWS services, e.g. bedrock"),
    "regions": _("AWS regions, e.g. us-east-1"),
}


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


def split_lines(text: str) -> list[str]:
    """One value per line, trimmed, blanks and repeats dropped, order kept."""
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def kinds_using(key: str) -> list[str]:
    return [kind for kind, keys in FILTER_KEYS.items() if key in keys and kind != "auto"]


class LinesWidget(forms.Textarea):
    """A list of strings as a text box, one per line."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"rows": 3, "cols": 50, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return super().format_value(value)


class LinesField(forms.Field):
    """A JSON list of strings typed one per line."""

    widget: type[forms.Widget] | forms.Widget = LinesWidget

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        return split_lines(str(value))

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial) != self.to_python(data)


class PickListWidget(forms.Widget):
    """Checkboxes for the values we know of, and a box for any other, one per line.

    `choices` is filled by the form (the components of the provider's last poll, say); a
    chosen value that is not among them stays in the box, so nothing chosen is ever lost.
    """

    def __init__(self, *, other_label: Any = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices: list[tuple[str, str]] = []
        self.other_label = other_label or _("Others, one per line")

    class Media:
        css = {"all": ("probes/admin_forms.css",)}

    def __deepcopy__(self, memo: dict[int, Any]) -> PickListWidget:
        copied = super().__deepcopy__(memo)
        copied.choices = list(self.choices)
        return copied  # type: ignore[no-any-return]

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        chosen = [str(item) for item in value] if isinstance(value, list | tuple) else []
        known = {choice for choice, _label in self.choices}
        element_id = (attrs or {}).get("id") or f"id_{name}"
        parts = []
        if self.choices:
            boxes = forms.CheckboxSelectMultiple(choices=self.choices)
            parts.append(
                format_html(
                    '<div class="aiwatch-picklist">{}</div>',
                    boxes.render(name, chosen, {"id": element_id}, renderer),
                )
            )
        others = [item for item in chosen if item not in known]
        parts.append(
            format_html(
                '<label class="aiwatch-other" for="{}_other">{}</label>{}',
                element_id,
                self.other_label,
                LinesWidget().render(
                    f"{name}_other", others, {"id": f"{element_id}_other"}, renderer
                ),
            )
        )
        return mark_safe("".join(parts))

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        checked = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        values = [str(item).strip() for item in checked if str(item).strip()]
        values += split_lines(data.get(f"{name}_other", "") or "")
        return list(dict.fromkeys(values))

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # an unchecked box sends nothing; that means "none", not "unchanged"

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_other"


class PickListField(LinesField):
    widget = PickListWidget

    def __init__(self, *, other_label: Any = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", PickListWidget(other_label=other_label))
        super().__init__(**kwargs)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return self.widget.choices  # type: ignore[no-any-return]

    @choices.setter
    def choices(self, choices: Iterable[tuple[str, str]]) -> None:
        self.widget.choices = list(choices)  # type: ignore[attr-defined]


class FiltersWidget(forms.Widget):
    """A source's filters as one group of controls: a component picker and a box per list."""

    use_fieldset = True

    class Media:
        css = {"all": ("probes/admin_forms.css",)}

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.components = PickListWidget(other_label=_("Other component ids, one per line"))
        # The source's kind, set by the form: it decides which filters come first.
        self.kind = "auto"

    def __deepcopy__(self, memo: dict[int, Any]) -> FiltersWidget:
        # Each form gets its own copy of its fields' widgets; Django's copy is shallow, which
        # would leave every form of a formset sharing one picker (and its choices).
        copied = super().__deepcopy__(memo)
        copied.components = copy.deepcopy(self.components, memo)
        return copied  # type: ignore[no-any-return]

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        filters: Mapping[str, Any] = value if isinstance(value, dict) else {}
        element_id = (attrs or {}).get("id") or f"id_{name}"
        # The filters the source's kind reads come first; the others (and a kind that reads
        # none) fold away, unless one holds a value.
        used = FILTER_KEYS.get(self.kind, FILTER_KEYS["auto"])
        shown: list[SafeString] = []
        folded: list[SafeString] = []
        for key, label in FILTER_LABELS.items():
            row = format_html(
                '<fieldset class="aiwatch-filter" data-filter="{}"><legend>{}</legend>'
                '<p class="help">{}</p>{}</fieldset>',
                key,
                label,
                gettext("Used by: %(kinds)s") % {"kinds": ", ".join(kinds_using(key))},
                self._control(key, f"{name}_{key}", f"{element_id}_{key}", filters.get(key, [])),
            )
            (shown if key in used or filters.get(key) else folded).append(row)
        if folded:
            summary = (
                gettext("Filters of other platforms")
                if shown
                else gettext("This kind reads no filter; filters of other platforms")
            )
            shown.append(
                format_html(
                    '<details class="aiwatch-other-filters"><summary>{}</summary>{}</details>',
                    summary,
                    mark_safe("".join(folded)),
                )
            )
        return format_html(
            '<div class="aiwatch-filters" id="{}">{}</div>', element_id, mark_safe("".join(shown))
        )

    def _control(self, key: str, name: str, element_id: str, values: Any) -> SafeString:
        if key != "components":
            return LinesWidget(attrs={"rows": 2}).render(name, values, {"id": element_id})
        control = self.components.render(name, values, {"id": element_id})
        if self.components.choices:
            hint = gettext(
                "These are the components the last poll recorded; press Detect to list every "
                "component on the page."
            )
        else:
            hint = gettext(
                "No components known yet: they appear here after the first poll, or press "
                "Detect to list the page's components."
            )
        return format_html('<p class="help">{}</p>{}', hint, control)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, list[str]]:
        filters: dict[str, list[str]] = {}
        for key in FILTER_LABELS:
            if key == "components":
                values = self.components.value_from_datadict(data, files, f"{name}_{key}")
            else:
                values = split_lines(data.get(f"{name}_{key}", "") or "")
            if values:
                filters[key] = values
        return filters

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class FiltersField(forms.Field):
    """A source's filters: {"components": [...], "keywords": [...]}, empty lists left out."""

    widget = FiltersWidget

    def to_python(self, value: Any) -> dict[str, list[str]]:
        if not value:
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(gettext("Filters must be lists of names."))
        return {str(key): list(values) for key, values in value.items() if values}

    def has_changed(self, initial: Any, data: Any) -> bool:
        return (initial or {}) != self.to_python(data)


def component_choices(components: Iterable[Component]) -> list[tuple[str, str]]:
    """Checkbox choices for stored components: the id a filter names, the name people read."""
    return [
        (
            component.external_id,
            gettext("%(name)s (group: all its components)") % {"name": component.name}
            if component.is_group
            else component.name,
        )
        for component in components
    ]


def provider_component_choices(provider_id: int | None) -> list[tuple[str, str]]:
    """The components the provider's last polls recorded, groups first within their order."""
    if provider_id is None:
        return []
    return component_choices(
        Component.objects.filter(provider_id=provider_id, is_active=True).order_by(
            "position", "name"
        )
    )


def merge_choices(*lists: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for choices in lists:
        for value, label in choices:
            seen.setdefault(value, label)
    return list(seen.items())


class DetectURLInput(forms.URLInput):
    """The source's URL with the "Detect" button beside it: a dry run of what is typed."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        return format_html(
            '<span class="aiwatch-url-detect">{}<button type="submit" name="_detect" value="1" '
            'title="{}">{}</button></span>',
            super().render(name, value, attrs, renderer),
            gettext(
                "Reads the URL once and shows which platform it is and what a poll would "
                "record, with these filters. A dry run: nothing is saved."
            ),
            gettext("Detect"),
        )


class ProviderForm(forms.ModelForm):  # type: ignore[type-arg]
    capabilities = forms.MultipleChoiceField(
        label=capfirst(_("capabilities")),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(name, CAPABILITY_LABELS[name]) for name in sorted(CAPABILITIES)],
        help_text=_("What it can stand in for. Used to suggest alternatives."),
    )

    class Meta:
        model = Provider
        # Every field: the admin chooses which to show, and a field added to the model later
        # must not vanish from its form.
        fields = "__all__"  # noqa: DJ007
        formfield_callback = https_url_fields


class SourceForm(forms.ModelForm):  # type: ignore[type-arg]
    filters = FiltersField(
        label=capfirst(_("filters")),
        required=False,
        help_text=_(
            "Narrow a shared page to this provider. Leave every box empty to read the whole page."
        ),
    )

    class Meta:
        model = Source
        # Every field: the admin chooses which to show, and a field added to the model later
        # must not vanish from its form.
        fields = "__all__"  # noqa: DJ007
        formfield_callback = https_url_fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "filters" in self.fields:
            widget = self.fields["filters"].widget
            assert isinstance(widget, FiltersWidget)
            widget.components.choices = provider_component_choices(self.instance.provider_id)
            kind = self.data.get(self.add_prefix("kind")) if self.is_bound else None
            widget.kind = str(kind or self.instance.kind or "auto")

    def add_component_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """Offer these components too (a dry run's), after the stored ones."""
        widget = self.fields["filters"].widget
        assert isinstance(widget, FiltersWidget)
        widget.components.choices = merge_choices(widget.components.choices, choices)
