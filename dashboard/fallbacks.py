"""Which providers (and models, where known) can stand in for a capability, best first.

Ordered by what works now, from the same summaries the pages show (dashboard.summaries, so
the headline rules are applied once): first those operational by their own page with no
trouble seen by our probes or the team, then those in doubt (degraded, maintenance, unknown),
then those down; within each, fewest incident minutes over 30 days, then by name. Every entry
says why it is where it is. The same list is rendered as a LiteLLM `fallbacks` block and an
OpenRouter `models` list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerts.alternatives import incident_minutes
from dashboard import summaries
from probes.models import Incident, Provider
from probes.observe import reports
from probes.parsers.types import Status

WINDOW = timedelta(days=30)
WORKS, IN_DOUBT, DOWN = 0, 1, 2
STANDING = {WORKS: "works", IN_DOUBT: "in_doubt", DOWN: "down"}
DOUBTFUL = frozenset({Status.DEGRADED_PERFORMANCE, Status.UNDER_MAINTENANCE, Status.UNKNOWN})


@dataclass(frozen=True, slots=True)
class Fallback:
    summary: summaries.ProviderSummary
    capability: str
    models: tuple[str, ...]
    standing: int
    incidents: int
    minutes: float

    @property
    def slug(self) -> str:
        return self.summary.provider.slug

    @property
    def why(self) -> str:
        summary = self.summary
        parts = [
            f"offers {self.capability}",
            f"its status page says {summary.status_label.lower()}",
        ]
        if summary.observed is not None and summary.observed.has_probes:
            seen = summary.observed.label.lower() if summary.observed.is_fresh else "nothing recent"
            parts.append(f"our probes see {seen}")
        if summary.team_alarm:
            parts.append("the team is reporting trouble")
        parts.append(
            f"{self.incidents} incident{'s' if self.incidents != 1 else ''} "
            f"({round(self.minutes)} min) in 30 days"
        )
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        observed = self.summary.observed
        return {
            "provider": self.slug,
            "name": self.summary.provider.name,
            "models": list(self.models),
            "capability": self.capability,
            "standing": STANDING[self.standing],
            "status": self.summary.status.value,
            "observed_status": (
                observed.status.value if observed is not None and observed.has_probes else None
            ),
            "observed_fresh": bool(observed is not None and observed.is_fresh),
            "team_reports_burst": self.summary.team_alarm,
            "incidents_30d": self.incidents,
            "incident_minutes_30d": round(self.minutes, 1),
            "why": self.why,
        }


def standing(summary: summaries.ProviderSummary) -> int:
    if summary.status in (Status.MAJOR_OUTAGE, Status.PARTIAL_OUTAGE) or summary.observed_trouble:
        return DOWN
    if summary.status in DOUBTFUL or summary.team_alarm:
        return IN_DOUBT
    return WORKS


def fallbacks_for(capability: str, *, now: datetime) -> list[Fallback]:
    """Every enabled provider with the capability, best first (a fixed number of queries)."""
    providers = [
        provider
        for provider in Provider.objects.for_dashboard()
        if capability in (provider.capabilities or [])
    ]
    rows = [summaries.summarise_provider(provider, now=now) for provider in providers]
    bursts = reports.bursts(providers, now=now)
    for summary in rows:
        summary.report_burst = bursts.get(summary.provider.pk)
    start = now - WINDOW
    spans: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for provider_id, began, ended in (
        Incident.objects.overlapping(start, now)
        .filter(provider__in=providers, is_maintenance=False)
        .values_list("provider_id", "started_at", "resolved_at")
    ):
        spans[provider_id].append((began, ended))
    found = [
        Fallback(
            summary=summary,
            capability=capability,
            models=tuple(
                sorted({s.model for s in summaries.probe_sources(summary.provider) if s.model})
            ),
            standing=standing(summary),
            incidents=len(spans[summary.provider.pk]),
            minutes=incident_minutes(spans[summary.provider.pk], start=start, end=now),
        )
        for summary in rows
    ]
    found.sort(key=lambda f: (f.standing, f.minutes, f.summary.provider.name.lower(), f.slug))
    return found


def gateway_name(fallback: Fallback) -> list[str]:
    """Names a gateway config uses: `provider/model` per known model, else the provider."""
    if fallback.models:
        return [f"{fallback.slug}/{model}" for model in fallback.models]
    return [fallback.slug]


def litellm_block(found: list[Fallback]) -> dict[str, Any]:
    """LiteLLM's `fallbacks`: each deployment falls back to the others, best working first.

    Providers that are down are left out of every fallback list (they would fail too).
    """
    usable = [name for f in found if f.standing != DOWN for name in gateway_name(f)]
    every = [name for f in found for name in gateway_name(f)]
    return {"fallbacks": [{name: [o for o in usable if o != name]} for name in every]}


def openrouter_models(found: list[Fallback]) -> list[str]:
    """OpenRouter's `models` routing list: known models that are not down, best first."""
    return [f"{f.slug}/{model}" for f in found if f.standing != DOWN for model in f.models]
