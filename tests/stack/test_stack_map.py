"""The dependency map and the concentration report, built from the data (pure functions)."""

from __future__ import annotations

from dashboard.our_stack import FeatureRow
from dashboard.stack_map import (
    STATE_COLOURS,
    STATUS_COLOURS,
    build_dependency_sankey,
    concentration_report,
    dependency_map,
)
from probes.models import Feature
from probes.parsers.types import Status
from probes.stack.state import DependencyWord, FallbackWord, ProviderWord, describe_feature

AZURE = ProviderWord("azure", "Microsoft Azure", Status.PARTIAL_OUTAGE)
OPENAI = ProviderWord("openai", "OpenAI", Status.MAJOR_OUTAGE, (), (AZURE,))
COPILOT = ProviderWord("github", "GitHub Copilot", Status.OPERATIONAL, (), (AZURE,))
UPSTREAMS = {"openai": ["azure"], "github": ["azure"], "anthropic": ["aws", "google-cloud"]}
NAMES = {"azure": "Microsoft Azure", "openai": "OpenAI", "github": "GitHub Copilot"}


def row(slug, name, criticality, deps, spare=()):
    feature = Feature(slug=slug, name=name, criticality=criticality, fallbacks=list(spare))
    view = describe_feature(
        name, deps, [FallbackWord(f["provider"], Status.OPERATIONAL) for f in spare]
    )
    return FeatureRow(feature, view)


ROWS = [
    row(
        "support-bot",
        "Support bot",
        "critical",
        [DependencyWord(OPENAI, Status.MAJOR_OUTAGE, "API")],
        [{"provider": "anthropic"}],
    ),
    row(
        "code-review",
        "Code review",
        "critical",
        [DependencyWord(COPILOT, Status.OPERATIONAL)],
        [{"provider": "openai"}],
    ),
    row(
        "video-ads",
        "Video ads",
        "nice_to_have",
        [DependencyWord(OPENAI, Status.MAJOR_OUTAGE, "Sora")],
    ),
]


def test_the_sankey_links_features_to_providers_to_clouds_coloured_by_state():
    figure = build_dependency_sankey(dependency_map(ROWS))
    sankey = figure["data"][0]
    assert sankey["type"] == "sankey"
    labels = sankey["node"]["label"]
    assert labels == [
        "Support bot",
        "OpenAI",
        "OpenAI API",
        "Microsoft Azure",
        "Code review",
        "GitHub Copilot",
        "Video ads",
        "OpenAI Sora",
    ]
    links = {
        (labels[s], labels[t])
        for s, t in zip(sankey["link"]["source"], sankey["link"]["target"], strict=True)
    }
    assert links == {
        ("Support bot", "OpenAI API"),
        ("OpenAI API", "OpenAI"),
        ("OpenAI", "Microsoft Azure"),
        ("Code review", "GitHub Copilot"),
        ("GitHub Copilot", "Microsoft Azure"),
        ("Video ads", "OpenAI Sora"),
        ("OpenAI Sora", "OpenAI"),
    }
    colours = dict(zip(labels, sankey["node"]["color"], strict=True))
    assert colours["Support bot"] == STATE_COLOURS[ROWS[0].view.state]
    assert colours["Microsoft Azure"] == STATUS_COLOURS[Status.PARTIAL_OUTAGE]
    assert colours["Code review"] == "#12b76a"


def test_concentration_counts_critical_features_and_warns_of_single_points_of_failure():
    report = concentration_report(ROWS, UPSTREAMS, NAMES)
    assert report.per_upstream == {"Microsoft Azure": ["Support bot", "Code review"]}
    assert report.per_provider == {"OpenAI": ["Support bot"], "GitHub Copilot": ["Code review"]}
    assert report.warnings == [
        ("Code review", "every fallback rides on what it already depends on (Microsoft Azure)"),
        ("Video ads", "it has no fallback"),
    ]
