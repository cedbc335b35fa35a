"""The team's own stack: the features it builds on AI services, and the models those serve."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ServedModel(models.Model):
    """A model a provider serves (gpt-4o, claude-sonnet-4), with the names its page uses."""

    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="served_models",
        verbose_name=_("provider"),
    )
    # Model ids carry dots, colons and slashes ("gpt-4.1", "llama3.2:1b", "org/model"),
    # so not a SlugField.
    slug = models.CharField(
        max_length=100,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9._:/@-]*$",
                _("A model id as the API names it, e.g. gpt-4o or gemini-2.5-pro."),
            )
        ],
        help_text=_("As the API names it, e.g. gpt-4o."),
        verbose_name=_("slug"),
    )
    name = models.CharField(
        max_length=200, help_text=_("As people say it, e.g. GPT-4o."), verbose_name=_("name")
    )
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Names its status page and incidents use, e.g. ["GPT-4o", "4o"].'),
        verbose_name=_("aliases"),
    )
    family = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            'The family it belongs to, as the provider says it, e.g. "Claude Opus": an incident '
            "naming the family hits every model of it."
        ),
        verbose_name=_("family"),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "slug"], name="servedmodel_unique_slug")
        ]
        ordering = ["provider__name", "name"]
        verbose_name = _("served model")
        verbose_name_plural = _("served models")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.aliases, list) or not all(
            isinstance(item, str) and item.strip() for item in self.aliases
        ):
            raise ValidationError({"aliases": gettext('A list of names, e.g. ["GPT-4o"].')})


class Feature(models.Model):
    """Something the team builds on AI services ("Support bot"): what it rides on, what to do."""

    class Criticality(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        IMPORTANT = "important", _("Important")
        NICE_TO_HAVE = "nice_to_have", _("Nice to have")

    slug = models.SlugField(
        unique=True, help_text=_("Short stable name, e.g. support-bot."), verbose_name=_("slug")
    )
    name = models.CharField(
        max_length=200, help_text=_("Shown everywhere, e.g. Support bot."), verbose_name=_("name")
    )
    owner = models.CharField(
        max_length=200, blank=True, help_text=_("Who answers for it."), verbose_name=_("owner")
    )
    criticality = models.CharField(
        max_length=20,
        choices=Criticality.choices,
        default=Criticality.IMPORTANT,
        verbose_name=_("criticality"),
    )
    # [{"provider": "openai", "components": ["API"], "models": ["gpt-4o"], "regions": []}]
    depends_on = models.JSONField(
        default=list,
        # Checked by clean(), which says what an empty list lacks.
        blank=True,
        help_text=_(
            'What it rides on: [{"provider": "openai", "components": ["API"], '
            '"models": ["gpt-4o"], "regions": ["East US"]}]; lists may be left out.'
        ),
        verbose_name=_("depends on"),
    )
    # In order of preference: [{"provider": "anthropic", "model": "", "label": "Claude"}]
    fallbacks = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'What to switch to, best first: [{"provider": "anthropic", '
            '"model": "claude-sonnet-4", "label": "Claude"}].'
        ),
        verbose_name=_("fallbacks"),
    )
    plan_b = models.TextField(
        _("plan B"), blank=True, help_text=_("What to do when it is hit (Markdown, cleaned).")
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    # What sync_catalog last applied (empty: made in the admin); see probes.catalog.
    catalog_values = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("feature")
        verbose_name_plural = _("features")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        problems = {}
        for name, check in (("depends_on", _check_dependencies), ("fallbacks", _check_fallbacks)):
            problem = check(getattr(self, name))
            if problem:
                problems[name] = problem
        if problems:
            raise ValidationError(problems)

    @property
    def provider_slugs(self) -> list[str]:
        """Every provider it depends on or falls back to, dependencies first."""
        slugs = [item["provider"] for item in dependencies(self)]
        slugs += [item["provider"] for item in fallbacks(self)]
        return list(dict.fromkeys(slugs))


class Drill(models.Model):
    """A plan-B rehearsal: a pretend outage. It never touches the real status data."""

    title = models.CharField(
        max_length=300,
        help_text=_('e.g. "Replay of 26 December 2024".'),
        verbose_name=_("title"),
    )
    # {"kind": "replay" | "made_up", "archive_ids": [...], "minutes": 120,
    #  "hits": [{"provider": "openai", "status": "major_outage", "title": "..."}]}
    scenario = models.JSONField(default=dict, verbose_name=_("scenario"))
    # The features the scenario hit when it started: [{"slug", "name", "state", "sentence",
    # "plan_b"}], kept as it was so the record stays what the team rehearsed.
    affected = models.JSONField(default=list, blank=True, verbose_name=_("features hit"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    first_ack_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("first acknowledged at")
    )
    plan_b_at = models.DateTimeField(null=True, blank=True, verbose_name=_("plan B in place at"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")

    def __str__(self) -> str:
        return self.title

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    @property
    def time_to_first_ack(self) -> timedelta | None:
        return self.first_ack_at - self.started_at if self.first_ack_at else None

    @property
    def time_to_plan_b(self) -> timedelta | None:
        return self.plan_b_at - self.started_at if self.plan_b_at else None

    @property
    def duration(self) -> timedelta | None:
        return self.ended_at - self.started_at if self.ended_at else None


class DrillAcknowledgement(models.Model):
    """Someone answered the drill: "switched the support bot to Claude"."""

    drill = models.ForeignKey(
        Drill,
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("drill"),
    )
    at = models.DateTimeField(verbose_name=_("at"))
    by = models.CharField(max_length=200, blank=True, verbose_name=_("by"))
    text = models.TextField(verbose_name=_("text"))
    plan_b_in_place = models.BooleanField(
        default=False,
        help_text=_("The plan B is in place with this step."),
        verbose_name=_("plan B in place"),
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("drill acknowledgement")
        verbose_name_plural = _("drill acknowledgements")

    def __str__(self) -> str:
        return self.text


def dependencies(feature: Feature) -> list[dict[str, Any]]:
    """depends_on with every list present (rows written in the admin may leave some out)."""
    return [
        {
            "provider": item.get("provider", ""),
            "components": list(item.get("components", [])),
            "models": list(item.get("models", [])),
            "regions": list(item.get("regions", [])),
        }
        for item in feature.depends_on
        if isinstance(item, dict)
    ]


def fallbacks(feature: Feature) -> list[dict[str, str]]:
    return [
        {
            "provider": item.get("provider", ""),
            "model": item.get("model", ""),
            "label": item.get("label", ""),
        }
        for item in feature.fallbacks
        if isinstance(item, dict)
    ]


def _check_dependencies(value: Any) -> str:
    """What is wrong with a depends_on value ("" when nothing): shape, then unknown names."""
    if not isinstance(value, list) or not value:
        return gettext('At least one dependency: [{"provider": "openai"}].')
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("provider"), str):
            return gettext('Each dependency is a table with a provider: {"provider": "openai"}.')
        unknown_keys = sorted(set(item) - {"provider", "components", "models", "regions"})
        if unknown_keys:
            return gettext("Unknown keys %(keys)s; use provider, components, models, regions.") % {
                "keys": unknown_keys
            }
        for key in ("components", "models", "regions"):
            names = item.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                return gettext("%(key)s of %(provider)r must be a list of names.") % {
                    "key": key,
                    "provider": item["provider"],
                }
    return _unknown_names(
        [(item["provider"], item.get("components", []), item.get("models", [])) for item in value]
    )


def _check_fallbacks(value: Any) -> str:
    if not isinstance(value, list):
        return gettext('A list of fallbacks: [{"provider": "anthropic"}].')
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("provider"), str):
            return gettext('Each fallback is a table with a provider: {"provider": "anthropic"}.')
        unknown_keys = sorted(set(item) - {"provider", "model", "label"})
        if unknown_keys:
            return gettext("Unknown keys %(keys)s; use provider, model, label.") % {
                "keys": unknown_keys
            }
        if not all(isinstance(item.get(key, ""), str) for key in ("model", "label")):
            return gettext("model and label must be text.")
    return _unknown_names(
        [(item["provider"], [], [item["model"]] if item.get("model") else []) for item in value]
    )


def _unknown_names(wanted: list[tuple[str, list[str], list[str]]]) -> str:
    """The first provider, component or model named here that AI Watch does not know.

    Components are known once a poll has listed them: for a provider whose page has not been
    read yet, component names cannot be checked and are accepted. Models are those declared in
    the catalog ([[model]]) or called by an inference probe.
    """
    from probes.models.incidents import Component
    from probes.models.providers import Provider
    from probes.models.sources import Source

    slugs = {slug for slug, _, _ in wanted}
    providers = {p.slug: p for p in Provider.objects.filter(slug__in=slugs)}
    missing = sorted(slugs - set(providers))
    if missing:
        return gettext("Unknown providers %(names)s.") % {"names": missing}
    for slug, components, served in wanted:
        provider = providers[slug]
        if components:
            listed = Component.objects.filter(provider=provider)
            known = {name.lower() for name in listed.values_list("name", flat=True)}
            unknown = sorted(name for name in components if name.lower() not in known)
            if known and unknown:
                return gettext("Unknown components %(names)s of %(slug)r; it lists %(count)d.") % {
                    "names": unknown,
                    "slug": slug,
                    "count": len(known),
                }
        if served:
            known = set(
                ServedModel.objects.filter(provider=provider).values_list("slug", flat=True)
            )
            known |= set(
                Source.objects.filter(provider=provider)
                .exclude(model="")
                .values_list("model", flat=True)
            )
            unknown = sorted(set(served) - known)
            if unknown:
                return gettext("Unknown models %(names)s of %(slug)r; known: %(known)s.") % {
                    "names": unknown,
                    "slug": slug,
                    "known": sorted(known),
                }
    return ""
