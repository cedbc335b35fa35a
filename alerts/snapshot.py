"""What every message about a provider carries, read once per event.

The provider's headline is the costliest part (its sources, components and open incidents);
an event reads it once and passes it to both questions asked here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from alerts import alternatives
from alerts.events import DOWN_STATUSES
from alerts.feature_hits import features_hit
from alerts.models import Playbook
from probes.batch_reads import read_once
from probes.models import Incident, Provider
from probes.parsers.types import Status
from probes.status.headline import ACTIVE_MAINTENANCE, provider_headline
from probes.status.headline_rules import Headline


def provider_in_trouble(
    provider: Provider, *, headline: Headline, open_incidents: Sequence[Incident] | None = None
) -> bool:
    """Its headline is not operational, or an incident (or a maintenance under way) is open.
    `open_incidents`: the provider's, when the caller has read them."""
    if headline.status != Status.OPERATIONAL:
        return True
    if open_incidents is None:
        opened = Incident.objects.open().filter(provider=provider)
        pairs = list(opened.values_list("is_maintenance", "status"))
    else:
        pairs = [(incident.is_maintenance, incident.status) for incident in open_incidents]
    return any(not maintenance or status in ACTIVE_MAINTENANCE for maintenance, status in pairs)


def snapshot(
    provider: Provider, *, at: datetime, headline: Headline | None = None
) -> dict[str, Any]:
    """What every message about the provider carries: who, where, plan B and alternatives."""
    if headline is None:
        headline = provider_headline(provider, now=at)
    data: dict[str, Any] = {
        "provider": {
            "slug": provider.slug,
            "name": provider.name,
            # The headline the pages show (docs/status-model.md), and the pages' own word.
            "status": headline.status.value,
            "official_status": headline.official.value,
            "provenance": headline.provenance.value,
            "status_page": provider.url,
            "page": alternatives.provider_page_url(provider.slug),
        },
        "playbook": None,
        "alternatives": [],
        # The team's features its trouble hits, with their fallback and plan B.
        "features": features_hit(provider, now=at),
    }
    if headline.status != Status.OPERATIONAL:
        playbook = read_once("alerts.playbooks", _playbooks).get(provider.pk)
        if playbook and playbook.body.strip():
            data["playbook"] = playbook.body.strip()
    if headline.status in DOWN_STATUSES:
        data["alternatives"] = [
            alt.as_dict() for alt in alternatives.alternatives_for(provider, now=at)
        ]
    return data


def _playbooks() -> dict[int, Playbook]:
    """Every provider's playbook (one each, a short text), by provider id."""
    return {playbook.provider_id: playbook for playbook in Playbook.objects.all()}
