"""The dependency map (features → providers → upstream clouds) and the concentration report.

Both are pure: the feature rows (dashboard.our_stack) and the upstream map in, a Plotly figure
dict and plain dataclasses out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.our_stack import FeatureRow
from probes.models import Feature
from probes.models.features import fallbacks
from probes.parsers.types import LABELS, Status
from probes.stack.state import FeatureState

STATE_COLOURS = {
    FeatureState.WORKING: "#12b76a",
    FeatureState.DEGRADED: "#e04f16",
    FeatureState.DOWN: "#b42318",
    FeatureState.UNKNOWN: "#667085",
}
STATUS_COLOURS = {
    Status.OPERATIONAL: "#12b76a",
    Status.DEGRADED_PERFORMANCE: "#ca8504",
    Status.PARTIAL_OUTAGE: "#e04f16",
    Status.MAJOR_OUTAGE: "#b42318",
    Status.UNDER_MAINTENANCE: "#1570ef",
    Status.UNKNOWN: "#667085",
}


@dataclass(frozen=True, slots=True)
class MapNode:
    key: str
    label: str
    colour: str
    state: str


@dataclass(frozen=True, slots=True)
class MapLink:
    source: str
    target: str


@dataclass
class DependencyMap:
    nodes: list[MapNode] = field(default_factory=list)
    links: list[MapLink] = field(default_factory=list)


def dependency_map(rows: Sequence[FeatureRow]) -> DependencyMap:
    """Nodes and links: each feature to the providers it rides on, each provider to its clouds."""
    found = DependencyMap()
    seen: set[str] = set()

    def add(node: MapNode) -> None:
        if node.key not in seen:
            seen.add(node.key)
            found.nodes.append(node)

    linked: set[tuple[str, str]] = set()

    def link(source: str, target: str) -> None:
        if (source, target) not in linked:
            linked.add((source, target))
            found.links.append(MapLink(source, target))

    for row in rows:
        feature_key = f"feature:{row.feature.slug}"
        state = row.view.state
        add(MapNode(feature_key, row.feature.name, STATE_COLOURS[state], state.label))
        for dependency in row.view.dependencies:
            provider = dependency.provider
            key = f"provider:{provider.slug}"
            add(MapNode(key, provider.name, STATUS_COLOURS[provider.status], provider.status.label))
            if dependency.part:
                part_key = f"{key}:{dependency.part}"
                label = f"{provider.name} {dependency.part}"
                add(
                    MapNode(
                        part_key,
                        label,
                        STATUS_COLOURS[dependency.status],
                        str(LABELS[dependency.status]),
                    )
                )
                link(feature_key, part_key)
                link(part_key, key)
            else:
                link(feature_key, key)
            for upstream in provider.upstreams:
                upstream_key = f"provider:{upstream.slug}"
                add(
                    MapNode(
                        upstream_key,
                        upstream.name,
                        STATUS_COLOURS[upstream.status],
                        upstream.status.label,
                    )
                )
                link(key, upstream_key)
    return found


def build_dependency_sankey(graph: DependencyMap) -> dict[str, Any]:
    """The map as a Plotly Sankey figure dict, every node coloured by its state."""
    index = {node.key: number for number, node in enumerate(graph.nodes)}
    return {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {
                    "label": [node.label for node in graph.nodes],
                    "color": [node.colour for node in graph.nodes],
                    "customdata": [node.state for node in graph.nodes],
                    "hovertemplate": "%{label}: %{customdata}<extra></extra>",
                    "pad": 18,
                    "thickness": 18,
                },
                "link": {
                    "source": [index[item.source] for item in graph.links],
                    "target": [index[item.target] for item in graph.links],
                    "value": [1 for _ in graph.links],
                    "color": ["rgba(102,112,133,0.25)" for _ in graph.links],
                },
            }
        ],
        "layout": {
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "height": max(320, 40 * len(graph.nodes)),
            "font": {"size": 13},
        },
    }


@dataclass
class Concentration:
    # name -> the critical features riding on it, by name.
    per_upstream: dict[str, list[str]] = field(default_factory=dict)
    per_provider: dict[str, list[str]] = field(default_factory=dict)
    # (feature name, why it is a single point of failure)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def concentration_report(
    rows: Sequence[FeatureRow],
    upstreams: Mapping[str, list[str]],
    names: Mapping[str, str],
) -> Concentration:
    """How many critical features ride on each cloud and provider, and single points of failure.

    `upstreams` is provider slug -> its clouds' slugs; `names` slug -> name. A feature is a
    single point of failure when it has no fallback, or when every fallback shares a cloud (or
    the provider itself) with what the feature already rides on.
    """
    report = Concentration()
    for row in rows:
        feature = row.feature
        riding = [dependency.provider.slug for dependency in row.view.dependencies]
        clouds = {cloud for slug in riding for cloud in upstreams.get(slug, [])}
        if feature.criticality == Feature.Criticality.CRITICAL:
            for slug in dict.fromkeys(riding):
                report.per_provider.setdefault(names.get(slug, slug), []).append(feature.name)
            for slug in sorted(clouds):
                report.per_upstream.setdefault(names.get(slug, slug), []).append(feature.name)
        spare = [item["provider"] for item in fallbacks(feature)]
        if not spare:
            report.warnings.append((feature.name, "it has no fallback"))
            continue
        shared = [
            sorted(({slug, *upstreams.get(slug, [])}) & (clouds | set(riding))) for slug in spare
        ]
        if all(shared):
            common = sorted(set.intersection(*(set(item) for item in shared)))
            where = ", ".join(names.get(slug, slug) for slug in (common or shared[0]))
            report.warnings.append(
                (feature.name, f"every fallback rides on what it already depends on ({where})")
            )
    report.per_upstream = dict(sorted(report.per_upstream.items(), key=lambda kv: -len(kv[1])))
    report.per_provider = dict(sorted(report.per_provider.items(), key=lambda kv: -len(kv[1])))
    return report
