"""Which of the team's features an event about a provider hits, for its snapshot.

A feature is hit when one of its dependencies is on the provider (or on a provider that runs
on it, for a cloud) and that dependency is not operational right now, as the pages say it
(`probes.stack.evaluation`: per component, per model). So an incident on Sora hits the video
ads, not the support bot on GPT-4o; a fallback being down hits nothing (the feature still
works). Read inside the recording transaction, so the poll's new state is what counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from probes.batch_reads import read_once
from probes.models import Feature, Provider
from probes.parsers.types import Status
from probes.stack.evaluation import evaluate_features
from probes.stack.provider_facts import load_facts
from probes.stack.rows import model_names, upstream_slugs
from probes.stack.state import FeatureState, FeatureView


def features_hit(provider: Provider, *, now: datetime) -> list[dict[str, Any]]:
    """The features this provider's trouble hits now, critical first, as messages carry them.
    No feature on it: one query."""
    features = read_once(
        "alerts.features_with_providers",
        lambda: [f for f in Feature.objects.filter(enabled=True) if f.provider_slugs],
    )
    if not features:
        return []
    upstreams = upstream_slugs()
    on_it = [
        feature
        for feature in features
        if any(
            provider.slug == slug or provider.slug in upstreams.get(slug, [])
            for slug in _dependency_slugs(feature)
        )
    ]
    if not on_it:
        return []
    slugs = {slug for feature in on_it for slug in feature.provider_slugs}
    slugs |= {up for slug in list(slugs) for up in upstreams.get(slug, [])}
    rows = evaluate_features(
        on_it,
        load_facts(now=now, slugs=slugs),
        upstreams=upstreams,
        model_names=model_names(),
    )
    return [
        feature_entry(feature, view)
        for feature, view in rows
        if view.state != FeatureState.WORKING and _hit_through(view, provider.slug, upstreams)
    ]


def _dependency_slugs(feature: Feature) -> list[str]:
    return [str(item.get("provider", "")) for item in feature.depends_on if isinstance(item, dict)]


def _hit_through(view: FeatureView, slug: str, upstreams: dict[str, list[str]]) -> bool:
    """One of the feature's dependencies on this provider (or on what runs on it) is in
    trouble: the feature is hit because of it, not only because of another provider."""
    return any(
        dependency.status != Status.OPERATIONAL
        and (
            dependency.provider.slug == slug or slug in upstreams.get(dependency.provider.slug, [])
        )
        for dependency in view.dependencies
    )


def feature_entry(feature: Feature, view: FeatureView) -> dict[str, Any]:
    chosen = view.fallback_up
    return {
        "slug": feature.slug,
        "name": feature.name,
        "criticality": feature.criticality,
        "state": view.state.value,
        # In English, for scripts reading the webhook; messages say it in the channel's words.
        "sentence": view.sentence,
        "fallback": {"label": chosen.label, "state": chosen.state.value} if chosen else None,
        "has_fallbacks": bool(view.fallbacks),
        "plan_b": feature.plan_b.strip(),
    }
