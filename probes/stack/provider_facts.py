"""A provider as the stack reads it: its headline, and per-model evidence, from loaded rows.

The headline is the status model's (`headline_from_rows`, i.e. `decide_headline`); what is
added here is which models each component, incident and probe is about (`probes.stack.
model_names`), for `probes.stack.model_health`. Pages pass the rows `for_dashboard()` already
loaded (`build_facts`); alerts and `/metrics` load them (`load_facts`). Either way the cost is a
fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from probes.models import Component, Incident, Provider, ServedModel, Source
from probes.observe.observed import STALE_AFTER_INTERVALS
from probes.parsers.types import Status
from probes.stack.model_health import IncidentFact, ModelEvidence, PartFact, ProbeFact
from probes.stack.model_names import AliasTable, ModelNames
from probes.status.headline import as_status, headline_from_rows, incident_status
from probes.status.headline_rules import Headline, Provenance


@dataclass(frozen=True)
class ProviderFacts:
    slug: str
    name: str
    # The headline's status, and whether our probes speak for it (they see the provider whole).
    status: Status
    observed_headline: bool = False
    # Titles of the open incidents that are not maintenance, newest first.
    incidents: tuple[str, ...] = ()
    evidence: ModelEvidence = field(default_factory=lambda: ModelEvidence(Status.UNKNOWN))
    table: AliasTable = field(default_factory=AliasTable)


def alias_tables(provider_ids: Iterable[int]) -> dict[int, AliasTable]:
    """Each provider's alias table from its [[model]] rows, in one query."""
    return alias_tables_from_rows(
        ServedModel.objects.filter(provider_id__in=list(provider_ids)).values_list(
            "provider_id", "slug", "name", "aliases", "family"
        )
    )


def alias_tables_from_rows(
    rows: Iterable[tuple[int, str, str, Any, str]],
) -> dict[int, AliasTable]:
    """Alias tables from [[model]] rows already read: (provider id, slug, name, aliases, family)."""
    found: dict[int, list[ModelNames]] = {}
    for provider_id, slug, name, aliases, family in rows:
        names = tuple(str(a) for a in aliases) if isinstance(aliases, list) else ()
        found.setdefault(provider_id, []).append(ModelNames(slug, name, names, family))
    return {provider_id: AliasTable.build(models) for provider_id, models in found.items()}


def incident_parts(incident_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """incident id -> the ids of the components it touches, in one query."""
    through = Incident.components.through
    found: dict[int, set[int]] = {}
    for incident_id, component_id in through.objects.filter(
        incident_id__in=list(incident_ids)
    ).values_list("incident_id", "component_id"):
        found.setdefault(incident_id, set()).add(component_id)
    return {key: frozenset(value) for key, value in found.items()}


def incident_texts(incident: Incident, component_names: Sequence[str]) -> list[str]:
    """What an incident says about which models it is about: title, products, components."""
    products = incident.details.get("products", []) if isinstance(incident.details, dict) else []
    return [
        incident.title,
        *(str(item) for item in products if isinstance(item, str)),
        *component_names,
    ]


def is_fresh_probe(source: Source, now: datetime) -> bool:
    """A probe heard from within STALE_AFTER_INTERVALS of its intervals: its status speaks."""
    heard = source.last_polled_at
    horizon = timedelta(seconds=STALE_AFTER_INTERVALS * max(source.interval_seconds, 1))
    return heard is not None and timedelta(0) <= now - heard <= horizon


def build_facts(
    provider: Provider,
    headline: Headline,
    components: Sequence[Component],
    open_incidents: Sequence[Incident],
    probes: Sequence[Source],
    *,
    table: AliasTable,
    parts_of: Mapping[int, frozenset[int]],
    now: datetime,
) -> ProviderFacts:
    """The facts from rows already loaded; makes no query."""
    parts = [c for c in components if not c.is_group and c.is_active]
    by_pk = {component.pk: component for component in parts}
    part_facts = tuple(
        PartFact(c.pk, c.name, as_status(c.status), table.match(c.name)) for c in parts
    )
    incident_facts = []
    for incident in open_incidents:
        status = incident_status(incident)
        if status is None:
            continue
        touched = parts_of.get(incident.pk, frozenset())
        names = [by_pk[pk].name for pk in sorted(touched) if pk in by_pk]
        incident_facts.append(
            IncidentFact(
                incident.title, status, table.match(*incident_texts(incident, names)), touched
            )
        )
    probe_facts = tuple(
        ProbeFact(
            as_status(source.observed_status),
            table.model_of_probe(source.model) if source.model else "",
        )
        for source in probes
        if source.enabled and source.is_probe and is_fresh_probe(source, now)
    )
    return ProviderFacts(
        slug=provider.slug,
        name=provider.name,
        status=headline.status,
        observed_headline=headline.provenance == Provenance.OBSERVED,
        incidents=tuple(
            incident.title for incident in open_incidents if not incident.is_maintenance
        ),
        evidence=ModelEvidence(headline.status, part_facts, tuple(incident_facts), probe_facts),
        table=table,
    )


def load_facts(*, now: datetime, slugs: Iterable[str] | None = None) -> dict[str, ProviderFacts]:
    """Facts for every enabled provider (or those of `slugs`), in a fixed number of queries."""
    providers = Provider.objects.for_dashboard()
    if slugs is not None:
        providers = providers.filter(slug__in=list(slugs))
    loaded = list(providers)
    tables = alias_tables(p.pk for p in loaded)
    incidents = {p.pk: list(p.open_incidents) for p in loaded}  # type: ignore[attr-defined]
    parts_of = incident_parts(i.pk for found in incidents.values() for i in found)
    facts = {}
    for provider in loaded:
        sources = list(provider.enabled_sources)  # type: ignore[attr-defined]
        components = list(provider.components.all())
        headline = headline_from_rows(
            provider, sources, components, incidents[provider.pk], now=now
        )
        facts[provider.slug] = build_facts(
            provider,
            headline,
            components,
            incidents[provider.pk],
            [source for source in sources if source.is_probe],
            table=tables.get(provider.pk, AliasTable()),
            parts_of=parts_of,
            now=now,
        )
    return facts
