"""The feature form's controls for what a feature rides on and what it falls back to.

`depends_on` is a row per provider (a tick box, then its components, models and regions, folded
away until the provider is ticked); `fallbacks` is a numbered list of provider and model pickers
with the name to show. Both read and write exactly the JSON the model stores (probes/models/
features.py), so the catalog, the API and the admin keep one format; the model's `clean()` still
judges the value and its message lands on the field. Saving a value that means what is stored
keeps the stored JSON as it is, so the catalog does not take an unchanged field for an edit.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from probes.admin_forms import LinesWidget, PickListWidget, split_lines
from probes.models import Component, Feature, Provider, ServedModel, Source

LIST_KEYS = ("components", "models", "regions")
# Empty fallback rows offered after the stored ones.
SPARE_FALLBACK_ROWS = 2
MAX_FALLBACK_ROWS = 50


@dataclass
class ProviderChoice:
    """A provider as the pickers offer it: its components (last poll) and models."""

    slug: str
    name: str
    components: list[str] = field(default_factory=list)
    models: list[tuple[str, str]] = field(default_factory=list)


def provider_choices() -> list[ProviderChoice]:
    """Every enabled provider by name, with its active components and the models it serves
    (declared, or called by an inference probe). Three queries whatever the count."""
    choices = {
        slug: ProviderChoice(slug, name)
        for slug, name in Provider.objects.filter(enabled=True)
        .order_by("name")
        .values_list("slug", "name")
    }
    components: dict[str, list[str]] = defaultdict(list)
    for slug, name in (
        Component.objects.filter(provider__slug__in=choices, is_active=True)
        .order_by("position", "name")
        .values_list("provider__slug", "name")
    ):
        if name not in components[slug]:
            components[slug].append(name)
    models: dict[str, dict[str, str]] = defaultdict(dict)
    for slug, model, name in ServedModel.objects.filter(provider__slug__in=choices).values_list(
        "provider__slug", "slug", "name"
    ):
        models[slug][model] = f"{name} ({model})" if name != model else model
    for slug, model in (
        Source.objects.filter(provider__slug__in=choices)
        .exclude(model="")
        .values_list("provider__slug", "model")
    ):
        models[slug].setdefault(model, model)
    for slug, choice in choices.items():
        choice.components = components[slug]
        choice.models = sorted(models[slug].items())
    return list(choices.values())


def _names(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list | tuple) else []


def dependencies_meaning(value: Any) -> list[tuple[Any, ...]] | None:
    """What a depends_on value says, whatever the order within its lists or the lists left
    out; None for a value of another shape."""
    if not isinstance(value, list):
        return None
    meaning: list[Any] = []
    for item in value:
        if not isinstance(item, dict):
            return None
        lists = (tuple(sorted(_names(item.get(key)))) for key in LIST_KEYS)
        meaning.append((str(item.get("provider", "")), *lists))
    return meaning


def fallbacks_meaning(value: Any) -> list[tuple[str, str, str]] | None:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return None
    return [
        (str(item.get("provider", "")), str(item.get("model", "")), str(item.get("label", "")))
        for item in value
    ]


# What a feature depends on ---------------------------------------------------------------


class _ProviderPickerWidget(forms.Widget):
    """A widget that offers the form's providers (`providers`, set by the form)."""

    use_fieldset = True

    class Media:
        css = {"all": ("probes/admin_forms.css",)}

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.providers: list[ProviderChoice] = []

    def __deepcopy__(self, memo: dict[int, Any]) -> _ProviderPickerWidget:
        # Each form gets its own copy of its widgets; Django's copy is shallow, which would
        # leave every form sharing one list of providers.
        copied = super().__deepcopy__(memo)
        copied.providers = copy.deepcopy(self.providers, memo)
        return copied  # type: ignore[no-any-return]


class DependsOnWidget(_ProviderPickerWidget):
    """A row per provider: tick it, then narrow it to components, models or regions."""

    def _rows(self, chosen: list[dict[str, Any]], unticked: list[str]) -> list[ProviderChoice]:
        """The chosen providers first, in their stored order, then every other one by name;
        a stored provider no longer offered keeps its row, so nothing chosen is lost."""
        offered = {choice.slug: choice for choice in self.providers}
        first = [str(item.get("provider", "")) for item in chosen] + unticked
        rows = [offered.get(slug) or ProviderChoice(slug, slug) for slug in dict.fromkeys(first)]
        return rows + [choice for choice in self.providers if choice.slug not in first]

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        if isinstance(value, dict):  # posted and shown again with an error
            chosen = list(value.get("chosen", []))
        else:
            chosen = [item for item in value or [] if isinstance(item, dict)]
        unticked = unticked_items(value)
        ticked = {str(item.get("provider", "")): item for item in chosen}
        narrowed = {**{item["provider"]: item for item in unticked}, **ticked}
        element_id = (attrs or {}).get("id") or f"id_{name}"
        rows = []
        for index, choice in enumerate(self._rows(chosen, [i["provider"] for i in unticked])):
            item = narrowed.get(choice.slug, {})
            row = self._row(name, f"{element_id}_{index}", choice, item, choice.slug in ticked)
            rows.append(row)
        if not rows:
            rows.append(format_html('<p class="help">{}</p>', gettext("No provider yet.")))
        # Which rows were ticked as shown: unticking one of them removes it, whatever is still
        # chosen under it.
        rows += [
            format_html('<input type="hidden" name="{}_shown" value="{}">', name, slug)
            for slug in ticked
        ]
        return format_html(
            '<div class="aiwatch-deps" id="{}">{}</div>', element_id, mark_safe("".join(rows))
        )

    def _row(
        self, name: str, row_id: str, choice: ProviderChoice, item: dict[str, Any], ticked: bool
    ) -> SafeString:
        prefix = f"{name}_{choice.slug}"
        components = PickListWidget(other_label=_("Other components, one per line"))
        components.choices = [(component, component) for component in choice.components]
        models = PickListWidget(other_label=_("Other models, one per line"))
        models.choices = choice.models
        narrowed = [*_names(item.get("components")), *_names(item.get("models"))]
        narrowed += _names(item.get("regions"))
        parts = [
            (
                gettext("Components"),
                gettext("Only these; none ticked: the whole provider.")
                if choice.components
                else gettext("No components known yet: they appear after the first poll."),
                components.render(
                    f"{prefix}_components", item.get("components"), {"id": f"{row_id}_c"}
                ),
            ),
            (
                gettext("Models"),
                gettext("Only incidents naming these models; none ticked: any model."),
                models.render(f"{prefix}_models", item.get("models"), {"id": f"{row_id}_m"}),
            ),
            (
                gettext("Regions"),
                gettext("One per line, e.g. East US; empty: every region."),
                LinesWidget(attrs={"rows": 2}).render(
                    f"{prefix}_regions", item.get("regions"), {"id": f"{row_id}_r"}
                ),
            ),
        ]
        return format_html(
            '<details class="aiwatch-dep"{}><summary><input type="checkbox" name="{}" value="{}" '
            'id="{}"{}> <label for="{}">{}</label> <span class="aiwatch-dep__narrowed">{}</span>'
            '</summary><div class="aiwatch-dep__lists">{}</div></details>',
            mark_safe(" open") if ticked or item else "",
            name,
            choice.slug,
            row_id,
            mark_safe(" checked") if ticked else "",
            row_id,
            choice.name,
            ", ".join(narrowed),
            format_html_join(
                "",
                '<fieldset class="aiwatch-filter"><legend>{}</legend><p class="help">{}</p>'
                "{}</fieldset>",
                parts,
            ),
        )

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, list[Any]]:
        """{"chosen": [items in the order ticked], "unticked": [items narrowed under a
        provider that was not ticked when the form was shown, and is not ticked now]}"""
        ticked = _posted_list(data, name)
        shown = set(_posted_list(data, f"{name}_shown"))
        offered = [choice.slug for choice in self.providers]
        chosen, unticked = [], []
        for slug in dict.fromkeys([*ticked, *offered]):
            prefix = f"{name}_{slug}"
            item: dict[str, Any] = {"provider": slug}
            for key in ("components", "models"):
                widget = PickListWidget()
                values = widget.value_from_datadict(data, files, f"{prefix}_{key}")
                if values:
                    item[key] = values
            regions = split_lines(data.get(f"{prefix}_regions", "") or "")
            if regions:
                item["regions"] = regions
            if slug in ticked:
                chosen.append(item)
            elif len(item) > 1 and slug not in shown:
                unticked.append(item)
        return {"chosen": chosen, "unticked": unticked}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # no box ticked sends nothing; that means "none", not "unchanged"

    def id_for_label(self, id_: str) -> str:
        return ""


def _posted_list(data: Any, name: str) -> list[str]:
    values = data.getlist(name) if hasattr(data, "getlist") else list(data.get(name, []))
    return list(dict.fromkeys(str(value) for value in values if str(value).strip()))


def unticked_items(value: Any) -> list[dict[str, Any]]:
    return list(value.get("unticked", [])) if isinstance(value, dict) else []


class DependsOnField(forms.Field):
    widget = DependsOnWidget

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        if not value:
            return []
        if isinstance(value, list):  # the stored JSON itself
            return value
        unticked = unticked_items(value)
        if unticked:
            raise forms.ValidationError(
                gettext(
                    "Tick %(providers)s too, or clear what is chosen under it: only ticked "
                    "providers are dependencies."
                )
                % {"providers": ", ".join(item["provider"] for item in unticked)}
            )
        return list(value.get("chosen", []))

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return dependencies_meaning(initial or []) != dependencies_meaning(self.to_python(data))
        except forms.ValidationError:
            return True


# What a feature falls back to ------------------------------------------------------------


class FallbacksWidget(_ProviderPickerWidget):
    """Numbered rows, best first: a provider, optionally one of its models, and a label."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        items = [item for item in value or [] if isinstance(item, dict)]
        element_id = (attrs or {}).get("id") or f"id_{name}"
        stored_providers = [str(item.get("provider", "")) for item in items]
        stored_models = [str(item.get("model", "")) for item in items]
        offered = {choice.slug for choice in self.providers}
        providers = [("", "---------")] + [(c.slug, c.name) for c in self.providers]
        providers += [(s, s) for s in dict.fromkeys(stored_providers) if s not in offered]
        offered_models = {model for c in self.providers for model, _label in c.models}
        models: list[tuple[str, Any]] = [("", gettext("Any model"))]
        models += [(c.name, c.models) for c in self.providers if c.models]
        others = [m for m in dict.fromkeys(stored_models) if m and m not in offered_models]
        if others:
            models.append((gettext("Not known"), [(m, m) for m in others]))
        rows = []
        for index, item in enumerate([*items, *([{}] * SPARE_FALLBACK_ROWS)]):
            row_id = f"{element_id}_{index}"
            rows.append(
                format_html(
                    '<li class="aiwatch-fallback"><label for="{}_p">{}</label>{}'
                    '<label for="{}_m">{}</label>{}<label for="{}_l">{}</label>{}</li>',
                    row_id,
                    gettext("Provider"),
                    forms.Select(choices=providers).render(
                        f"{name}_{index}_provider", item.get("provider", ""), {"id": f"{row_id}_p"}
                    ),
                    row_id,
                    gettext("Model"),
                    forms.Select(choices=models).render(
                        f"{name}_{index}_model", item.get("model", ""), {"id": f"{row_id}_m"}
                    ),
                    row_id,
                    gettext("Shown as"),
                    forms.TextInput(
                        attrs={"placeholder": gettext("e.g. Claude"), "maxlength": 100}
                    ).render(f"{name}_{index}_label", item.get("label", ""), {"id": f"{row_id}_l"}),
                )
            )
        return format_html(
            '<ol class="aiwatch-fallbacks" id="{}">{}</ol>'
            '<input type="hidden" name="{}_rows" value="{}">',
            element_id,
            mark_safe("".join(rows)),
            name,
            len(rows),
        )

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, str]]:
        try:
            count = min(int(data.get(f"{name}_rows", 0)), MAX_FALLBACK_ROWS)
        except (TypeError, ValueError):
            count = 0
        items = []
        for index in range(count):
            item = {
                key: str(data.get(f"{name}_{index}_{key}", "") or "").strip()
                for key in ("provider", "model", "label")
            }
            if any(item.values()):
                items.append({key: text for key, text in item.items() if text or key == "provider"})
        return items

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}_rows" not in data

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0_p"


class FallbacksField(forms.Field):
    widget = FallbacksWidget

    def to_python(self, value: Any) -> list[dict[str, str]]:
        items = list(value or [])
        for number, item in enumerate(items, start=1):
            if isinstance(item, dict) and not item.get("provider"):
                raise forms.ValidationError(
                    gettext("Choice %(number)d: pick a provider, or clear its model and label.")
                    % {"number": number}
                )
        return items

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return fallbacks_meaning(initial or []) != fallbacks_meaning(self.to_python(data))
        except forms.ValidationError:
            return True


class FeatureForm(forms.ModelForm):  # type: ignore[type-arg]
    depends_on = DependsOnField(
        label=capfirst(_("depends on")),
        required=False,
        help_text=_(
            "Tick each provider it rides on; open a provider to narrow it to components, models "
            "or regions."
        ),
    )
    fallbacks = FallbacksField(
        label=capfirst(_("fallbacks")),
        required=False,
        help_text=_(
            "What to switch to, best first: a provider, optionally one of its models, and the "
            "name people know it by. Empty rows are ignored."
        ),
    )

    class Meta:
        model = Feature
        # Every field: the admin chooses which to show, and a field added to the model later
        # must not vanish from its form.
        fields = "__all__"  # noqa: DJ007

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        providers = provider_choices()
        for name in ("depends_on", "fallbacks"):
            if name in self.fields:
                self.fields[name].widget.providers = providers  # type: ignore[attr-defined]

    def _stored_if_same(self, name: str, meaning: Any) -> Any:
        """The stored JSON when the posted value means the same (order inside lists, lists
        left out), so an unchanged field stays byte for byte what the catalog wrote."""
        value = self.cleaned_data.get(name)
        stored = getattr(self.instance, name, None)
        if self.instance.pk and meaning(stored) == meaning(value):
            return stored
        return value

    def clean_depends_on(self) -> Any:
        return self._stored_if_same("depends_on", dependencies_meaning)

    def clean_fallbacks(self) -> Any:
        return self._stored_if_same("fallbacks", fallbacks_meaning)
