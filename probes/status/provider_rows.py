"""The rows a provider's headline is computed from, read once per recorded poll.

Apart from `headline` so that `probes.signals`, whose poll outcome carries them, does not
import the status model.
"""

from __future__ import annotations

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


def load_provider_rows(provider: Provider) -> ProviderRows:
    """Three queries, whatever the number of sources, components and incidents."""
    return ProviderRows(
        provider,
        list(Source.objects.filter(provider=provider, enabled=True)),
        list(Component.objects.filter(provider=provider, is_active=True, is_group=False)),
        list(Incident.objects.open().filter(provider=provider)),
    )
