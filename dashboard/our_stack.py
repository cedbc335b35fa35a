"""The team's features as the pages and the API show them, from the providers' summaries.

The headlines are the status model's (`dashboard.summaries.summarise_provider`, i.e.
`decide_headline`); the per-model evidence, the state and the words are `probes.stack`'s
(`provider_facts`, `evaluation`, `state`). Here the summaries the page already built become
those facts, so the features cost two queries more than the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from django.utils import timezone

from dashboard.provider_rows import ProviderRows
from dashboard.summaries import ProviderSummary, probe_sources, summarise_provider
from probes.models import Feature, Provider, ServedModel
from probes.stack.evaluation import carried_by, evaluate_features
from probes.stack.model_history import ModelRecord, model_records
from probes.stack.model_names import AliasTable
from probes.stack.provider_facts import (
    ProviderFacts,
    alias_tables,
    alias_tables_from_rows,
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


class StackRows:
    """What the stack's words are built from besides the summaries, each read once for a page
    and only if asked for: which clouds each provider runs on (by pk and by slug, the clouds
    in name order; one query) and every [[model]] row (one query)."""

    @cached_property
    def _upstreams(self) -> tuple[dict[int, list[int]], dict[str, list[str]]]:
        return read_upstreams()

    @property
    def upstream_ids(self) -> dict[int, list[int]]:
        return self._upstreams[0]

    @property
    def upstream_slugs(self) -> dict[str, list[str]]:
        return self._upstreams[1]

    @property
    def upstream_id_map(self) -> Mapping[int, list[int]]:
        """`upstream_ids`, read only when first looked into."""
        return LazyMapping(lambda: self.upstream_ids)

    @cached_property
    def models(self) -> list[tuple[int, str, str, str, Any, str]]:
        """(provider id, provider slug, slug, name, aliases, family) of every [[model]] row."""
        return list(
            ServedModel.objects.values_list(
                "provider_id", "provider__slug", "slug", "name", "aliases", "family"
            )
        )

    @property
    def model_names(self) -> dict[tuple[str, str], str]:
        """(provider slug, model slug) -> the model's name, as probes.stack.rows has it."""
        return {(provider, slug): name for _, provider, slug, name, _, _ in self.models}

    def alias_tables(self, provider_ids: Iterable[int]) -> dict[int, AliasTable]:
        wanted = set(provider_ids)
        return alias_tables_from_rows(
            (pk, slug, name, aliases, family)
            for pk, _, slug, name, aliases, family in self.models
            if pk in wanted
        )


K = TypeVar("K")
V = TypeVar("V")


class LazyMapping(Mapping[K, V]):
    """A mapping read (by `read`, which should remember its answer) when first looked into."""

    def __init__(self, read: Callable[[], Mapping[K, V]]) -> None:
        self._read = read

    def __getitem__(self, key: K) -> V:
        return self._read()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


def read_upstreams() -> tuple[dict[int, list[int]], dict[str, list[str]]]:
    """Which clouds each provider runs on, by pk and by slug (clouds in name order, as
    probes.stack.rows.upstream_slugs gives them), in one query."""
    ids: dict[int, list[int]] = {}
    slugs: dict[str, list[str]] = {}
    through = Provider.upstreams.through
    for down_pk, up_pk, down, up in through.objects.order_by("to_provider__name").values_list(
        "from_provider_id", "to_provider_id", "from_provider__slug", "to_provider__slug"
    ):
        ids.setdefault(down_pk, []).append(up_pk)
        slugs.setdefault(down, []).append(up)
    return ids, slugs


# incident ids -> the ids of the components each touches (provider_facts.incident_parts).
PartsReader = Callable[[Iterable[int]], Mapping[int, frozenset[int]]]


def facts_from_summaries(
    summaries: Mapping[str, ProviderSummary],
    *,
    now: datetime,
    rows: StackRows | None = None,
    parts: PartsReader = incident_parts,
) -> dict[str, ProviderFacts]:
    """The stack's facts from summaries already built (two queries: models, incident parts;
    one with `rows`, the models read already; none with `parts` too, the parts read)."""
    ids = [summary.provider.pk for summary in summaries.values()]
    tables = rows.alias_tables(ids) if rows is not None else alias_tables(ids)
    parts_of = parts(
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


def features_on(
    slug: str,
    *,
    now: datetime,
    summaries: Callable[[], Mapping[str, ProviderSummary]] | None = None,
    rows: StackRows | None = None,
    parts: PartsReader = incident_parts,
) -> list[FeatureRow]:
    """The features that ride on this provider (directly or through a provider that runs on it,
    or as a fallback), with their state. No feature: a single query. `summaries`: every
    provider's, as the page has them (called only if a feature rides on it); `rows` and
    `parts`: the stack's rows and the open incidents' parts as the page read them."""
    features = [f for f in Feature.objects.filter(enabled=True) if f.provider_slugs]
    if not features:
        return []
    carried = carried_by(slug, features, rows.upstream_slugs if rows else upstream_slugs())
    if not carried:
        return []
    found = summaries() if summaries is not None else summaries_by_slug(now=now)
    return feature_rows(found, features=carried, now=now, rows=rows, parts=parts)


def feature_rows(
    summaries: Mapping[str, ProviderSummary],
    *,
    features: Iterable[Feature] | None = None,
    now: datetime | None = None,
    rows: StackRows | None = None,
    parts: PartsReader = incident_parts,
) -> list[FeatureRow]:
    """Each enabled feature with its state, its cause in words and its fallbacks' states.

    Critical features first, then by name. No feature: one query, or none when `features` is
    given. `rows` and `parts`: as for `facts_from_summaries`.
    """
    chosen = list(Feature.objects.filter(enabled=True) if features is None else features)
    if not chosen:
        return []
    evaluated = evaluate_features(
        chosen,
        # Probe freshness is judged now, as the summaries' headlines were.
        facts_from_summaries(summaries, now=now or timezone.now(), rows=rows, parts=parts),
        upstreams=rows.upstream_slugs if rows is not None else upstream_slugs(),
        model_names=rows.model_names if rows is not None else model_names(),
    )
    return [FeatureRow(feature, view) for feature, view in evaluated]


def model_health(
    summary: ProviderSummary,
    *,
    now: datetime,
    rows: StackRows | None = None,
    page: ProviderRows | None = None,
) -> list[ModelRecord]:
    """The provider's models (its alias table) with their state now and their 90-day record.
    A provider with no [[model]] rows: two queries (none with `rows`, the stack's rows as the
    page read them). `page`: the provider's rows as its page read them (its incidents, their
    components, when it was first watched), which the record is then made from."""
    if rows is not None and not rows.alias_tables([summary.provider.pk]):
        return []
    facts = facts_from_summaries(
        {summary.provider.slug: summary},
        now=now,
        rows=rows,
        parts=page.incident_parts if page is not None else incident_parts,
    )
    found = facts.get(summary.provider.slug)
    if found is None:
        return []
    return model_records(summary.provider, found, now=now, reads=page)
