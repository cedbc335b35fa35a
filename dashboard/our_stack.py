"""The team's features as the pages and the API show them, from the providers' summaries.

The headlines are the status model's (`dashboard.summaries.summarise_provider`, i.e.
`decide_headline`); the per-model evidence, the state and the words are `probes.stack`'s
(`provider_facts`, `evaluation`, `state`). Here the summaries the page already built become
those facts, so the features cost two queries more than the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from dashboard.summaries import ProviderSummary, probe_sources, summarise_provider
from probes.models import Feature, Provider
from probes.stack.evaluation import carried_by, evaluate_features
from probes.stack.model_history import ModelRecord, model_records
from probes.stack.model_names import AliasTable
from probes.stack.provider_facts import (
    ProviderFacts,
    alias_tables,
    build_facts,
    incident_parts,
)
from probes.stack.rows import model_names, upstream_slugs
from probes.stack.state import FeatureView


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


def facts_from_summaries(
    summaries: Mapping[str, ProviderSummary], *, now: datetime
) -> dict[str, ProviderFacts]:
    """The stack's facts from summaries already built (two queries: models, incident parts)."""
    tables = alias_tables(summary.provider.pk for summary in summaries.values())
    parts_of = incident_parts(
        item.incident.pk for summary in summaries.values() for item in summary.open_incidents
    )
    facts = {}
    for slug, summary in summaries.items():
        if summary.headline is None:
            continue
        facts[slug] = build_facts(
            summary.provider,
            summary.headline,
            summary.components,
            [item.incident for item in summary.open_incidents],
            probe_sources(summary.provider),
            table=tables.get(summary.provider.pk, AliasTable()),
            parts_of=parts_of,
            now=now,
        )
    return facts


def features_on(slug: str, *, now: datetime) -> list[FeatureRow]:
    """The features that ride on this provider (directly or through a provider that runs on it,
    or as a fallback), with their state. No feature: a single query."""
    features = [f for f in Feature.objects.filter(enabled=True) if f.provider_slugs]
    carried = carried_by(slug, features, upstream_slugs())
    if not carried:
        return []
    return feature_rows(summaries_by_slug(now=now), features=carried, now=now)


def feature_rows(
    summaries: Mapping[str, ProviderSummary],
    *,
    features: Iterable[Feature] | None = None,
    now: datetime | None = None,
) -> list[FeatureRow]:
    """Each enabled feature with its state, its cause in words and its fallbacks' states.

    Critical features first, then by name.
    """
    if features is None:
        features = Feature.objects.filter(enabled=True)
    rows = evaluate_features(
        features,
        # Probe freshness is judged now, as the summaries' headlines were.
        facts_from_summaries(summaries, now=now or timezone.now()),
        upstreams=upstream_slugs(),
        model_names=model_names(),
    )
    return [FeatureRow(feature, view) for feature, view in rows]


def model_health(summary: ProviderSummary, *, now: datetime) -> list[ModelRecord]:
    """The provider's models (its alias table) with their state now and their 90-day record.
    A provider with no [[model]] rows: two queries."""
    facts = facts_from_summaries({summary.provider.slug: summary}, now=now)
    found = facts.get(summary.provider.slug)
    if found is None:
        return []
    return model_records(summary.provider, found, now=now)
