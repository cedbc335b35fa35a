"""The team's features as the pages and the API show them, from the providers' headlines.

The headlines are the status model's (`dashboard.summaries.summarise_provider`, i.e.
`decide_headline`); the words and the state are `probes.stack.state`'s. Here the rows meet:
which part of a provider a feature uses, the upstreams under it, the fallbacks' names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dashboard.summaries import ProviderSummary, summarise_provider
from probes.models import Feature, Provider
from probes.models.features import dependencies, fallbacks
from probes.parsers.types import Status, worst
from probes.stack.rows import model_names, upstream_slugs
from probes.stack.state import (
    DependencyWord,
    FallbackWord,
    FeatureView,
    ProviderWord,
    describe_feature,
)
from probes.status.headline import as_status, incident_status
from probes.status.headline_rules import Provenance


@dataclass(frozen=True, slots=True)
class FeatureRow:
    feature: Feature
    view: FeatureView


def summaries_by_slug(*, now: datetime) -> dict[str, ProviderSummary]:
    """Every enabled provider's summary, in the fixed number of queries of for_dashboard()."""
    return {
        provider.slug: summarise_provider(provider, now=now)
        for provider in Provider.objects.for_dashboard()
    }


def features_on(slug: str, *, now: datetime) -> list[FeatureRow]:
    """The features that ride on this provider (directly or through a provider that runs on it,
    or as a fallback), with their state. No feature: a single query."""
    features = [f for f in Feature.objects.filter(enabled=True) if f.provider_slugs]
    upstreams = upstream_slugs()
    carried = [
        feature
        for feature in features
        if slug in feature.provider_slugs
        or any(slug in upstreams.get(other, []) for other in feature.provider_slugs)
    ]
    if not carried:
        return []
    return feature_rows(summaries_by_slug(now=now), features=carried)


def feature_rows(
    summaries: Mapping[str, ProviderSummary],
    *,
    features: Iterable[Feature] | None = None,
) -> list[FeatureRow]:
    """Each enabled feature with its state, its cause in words and its fallbacks' states.

    Critical features first, then by name.
    """
    if features is None:
        features = Feature.objects.filter(enabled=True)
    upstreams = upstream_slugs()
    names_of_models = model_names()
    order = list(Feature.Criticality.values)
    rows = []
    for feature in sorted(features, key=lambda f: (order.index(f.criticality), f.name.lower())):
        words = [_dependency(item, summaries, upstreams) for item in dependencies(feature)]
        spare = [
            FallbackWord(
                label=item["label"]
                or names_of_models.get((item["provider"], item["model"]), "")
                or _name(item["provider"], summaries),
                status=_status(item["provider"], summaries),
            )
            for item in fallbacks(feature)
        ]
        rows.append(FeatureRow(feature, describe_feature(feature.name, words, spare)))
    return rows


def _name(slug: str, summaries: Mapping[str, ProviderSummary]) -> str:
    summary = summaries.get(slug)
    return summary.provider.name if summary is not None else slug


def _status(slug: str, summaries: Mapping[str, ProviderSummary]) -> Status:
    summary = summaries.get(slug)
    # A provider switched off is not followed any more: we cannot say it works.
    return summary.status if summary is not None else Status.UNKNOWN


def provider_word(
    slug: str,
    summaries: Mapping[str, ProviderSummary],
    upstreams: Mapping[str, list[str]],
) -> ProviderWord:
    summary = summaries.get(slug)
    if summary is None:
        return ProviderWord(slug=slug, name=slug, status=Status.UNKNOWN)
    return ProviderWord(
        slug=slug,
        name=summary.provider.name,
        status=summary.status,
        incidents=tuple(item.incident.title for item in summary.active_incidents),
        upstreams=tuple(
            provider_word(upstream, summaries, {}) for upstream in upstreams.get(slug, [])
        ),
    )


def _dependency(
    item: dict[str, list[str] | str],
    summaries: Mapping[str, ProviderSummary],
    upstreams: Mapping[str, list[str]],
) -> DependencyWord:
    slug = str(item["provider"])
    word = provider_word(slug, summaries, upstreams)
    summary = summaries.get(slug)
    names = [str(name) for name in item["components"]]
    regions = [str(name) for name in item["regions"]]
    part = ", ".join([*names, *[str(name) for name in item["models"]], *regions])
    if summary is None or not (names or regions):
        return DependencyWord(word, word.status, part)
    return DependencyWord(word, narrowed_status(summary, names, regions), part)


def narrowed_status(summary: ProviderSummary, names: list[str], regions: list[str]) -> Status:
    """The status of the components a feature uses (by name, or naming one of its regions).

    The headline speaks instead when the page's parts cannot tell: nothing matched, the headline
    is unknown, or it is our probes' word (they see the provider whole, not its components).
    Open incidents that name the components count, and so do those that name none.
    """
    headline = summary.headline
    if (
        summary.status == Status.UNKNOWN
        or headline is None
        or headline.provenance == Provenance.OBSERVED
    ):
        return summary.status
    wanted = {name.lower() for name in names}
    matched = [
        component
        for component in summary.components
        if not component.is_group
        and (
            component.name.lower() in wanted
            or any(region.lower() in component.name.lower() for region in regions)
        )
    ]
    if not matched:
        return summary.status
    pks = {component.pk for component in matched}
    statuses = [as_status(component.status) for component in matched]
    for item in summary.open_incidents:
        touched = {component.pk for component in item.incident.components.all()}
        status = incident_status(item.incident)
        if status is not None and (not touched or touched & pks):
            statuses.append(status)
    return worst(statuses)
