"""The rows a provider's headline is computed from, read once per recorded poll.

Apart from `headline` so that `probes.signals`, whose poll outcome carries them, does not
import the status model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from probes.models import Component, Incident, Provider, Source


@dataclass(frozen=True)
class ProviderRows:
    """The rows a provider's headline is computed from, read once: its enabled sources (probes
    too), active components that are not groups, and open incidents."""

    provider: Provider
    sources: list[Source]
    components: list[Component]
    open_incidents: list[Incident]
    # Every component of the provider, groups and inactive ones too, when the caller handed
    # them over as its transaction read and wrote them (None: not read here).
    every_component: list[Component] | None = None


def load_provider_rows(
    provider: Provider,
    *,
    sources: Sequence[Source] | None = None,
    components: Iterable[Component] | None = None,
) -> ProviderRows:
    """Three queries, whatever the number of sources, components and incidents; fewer when
    the caller read the provider's enabled `sources` or all its `components` already (in the
    same transaction, as they stand after its writes)."""
    every = None if components is None else list(components)
    if every is None:
        active = list(Component.objects.filter(provider=provider, is_active=True, is_group=False))
    else:
        # In the order the query gives (the model's ordering).
        active = sorted(
            (c for c in every if c.is_active and not c.is_group),
            key=lambda c: (c.position, c.name),
        )
    return ProviderRows(
        provider,
        list(sources)
        if sources is not None
        else list(Source.objects.filter(provider=provider, enabled=True)),
        active,
        list(Incident.objects.open().filter(provider=provider)),
        every,
    )
