"""Each feature's state from its providers' facts: which part of a provider it uses, which
models, the upstreams under it, its fallbacks. Pure over `ProviderFacts` (no query).

Pages, the API, `/metrics` and alerts all call `evaluate_features`, so a feature reads the same
everywhere. A dependency narrowed to components takes their status (`narrowed`); one narrowed
to models takes theirs (`probes.stack.model_health`): a feature on one model is hit only when
that model is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from probes.models import Feature
from probes.models.features import dependencies, fallbacks
from probes.parsers.types import Status, worst
from probes.stack.model_health import models_status
from probes.stack.provider_facts import ProviderFacts
from probes.stack.state import (
    DependencyWord,
    FallbackWord,
    FeatureView,
    ProviderWord,
    describe_feature,
)


def provider_word(
    slug: str, facts: Mapping[str, ProviderFacts], upstreams: Mapping[str, list[str]]
) -> ProviderWord:
    found = facts.get(slug)
    if found is None:
        return ProviderWord(slug=slug, name=slug, status=Status.UNKNOWN)
    return ProviderWord(
        slug=slug,
        name=found.name,
        status=found.status,
        incidents=found.incidents,
        upstreams=tuple(provider_word(up, facts, {}) for up in upstreams.get(slug, [])),
    )


def narrowed(
    found: ProviderFacts, names: Sequence[str], regions: Sequence[str]
) -> tuple[Status, frozenset[int] | None]:
    """The status of the components a feature uses (by name, or naming one of its regions), and
    their ids (None when the page's parts cannot tell: then the headline speaks).

    The headline speaks when nothing matched, the headline is unknown, or it is our probes' word
    (they see the provider whole, not its components). Open incidents that name the components
    count, and so do those that name none.
    """
    if found.status == Status.UNKNOWN or found.observed_headline or not (names or regions):
        return found.status, None
    wanted = {name.lower() for name in names}
    matched = [
        part
        for part in found.evidence.components
        if part.name.lower() in wanted
        or any(region.lower() in part.name.lower() for region in regions)
    ]
    if not matched:
        return found.status, None
    keys = frozenset(part.key for part in matched)
    statuses = [part.status for part in matched]
    for incident in found.evidence.incidents:
        if not incident.components or incident.components & keys:
            statuses.append(incident.status)
    return worst(statuses), keys


def dependency_word(
    item: Mapping[str, Any],
    facts: Mapping[str, ProviderFacts],
    upstreams: Mapping[str, list[str]],
    model_names: Mapping[tuple[str, str], str],
) -> DependencyWord:
    slug = str(item["provider"])
    word = provider_word(slug, facts, upstreams)
    names = [str(name) for name in item.get("components", [])]
    regions = [str(name) for name in item.get("regions", [])]
    models = [str(name) for name in item.get("models", [])]
    shown = [model_names.get((slug, model), model) for model in models]
    part = ", ".join([*names, *shown, *regions])
    found = facts.get(slug)
    if found is None:
        return DependencyWord(word, word.status, part)
    status, scope = narrowed(found, names, regions)
    if models:
        verdict = models_status(
            found.evidence, [found.table.model_of_probe(m) for m in models], scope=scope
        )
        # The words quote the incidents that hit these models, not the provider's others.
        return DependencyWord(replace(word, incidents=verdict.incidents), verdict.status, part)
    return DependencyWord(word, status, part)


def fallback_status(provider: str, model: str, facts: Mapping[str, ProviderFacts]) -> Status:
    """Whether a fallback is up: its model's status when it names one, else the headline.
    A provider switched off is not followed any more: we cannot say it works."""
    found = facts.get(provider)
    if found is None:
        return Status.UNKNOWN
    if model:
        return models_status(found.evidence, [found.table.model_of_probe(model)]).status
    return found.status


def evaluate_features(
    features: Iterable[Feature],
    facts: Mapping[str, ProviderFacts],
    *,
    upstreams: Mapping[str, list[str]],
    model_names: Mapping[tuple[str, str], str],
) -> list[tuple[Feature, FeatureView]]:
    """Each feature with its state, its cause in words and its fallbacks' states.

    Critical features first, then by name.
    """
    order = list(Feature.Criticality.values)
    rows = []
    for feature in sorted(features, key=lambda f: (order.index(f.criticality), f.name.lower())):
        words = [
            dependency_word(item, facts, upstreams, model_names) for item in dependencies(feature)
        ]
        spare = [
            FallbackWord(
                label=item["label"]
                or model_names.get((item["provider"], item["model"]), "")
                or (facts[item["provider"]].name if item["provider"] in facts else "")
                or item["provider"],
                status=fallback_status(item["provider"], item["model"], facts),
            )
            for item in fallbacks(feature)
        ]
        rows.append((feature, describe_feature(feature.name, words, spare)))
    return rows


def carried_by(
    slug: str, features: Iterable[Feature], upstreams: Mapping[str, list[str]]
) -> list[Feature]:
    """The features that ride on this provider: directly, through a provider that runs on it,
    or as a fallback."""
    return [
        feature
        for feature in features
        if slug in feature.provider_slugs
        or any(slug in upstreams.get(other, []) for other in feature.provider_slugs)
    ]
