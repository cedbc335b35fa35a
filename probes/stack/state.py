"""What a feature's state is, and why, from its dependencies' headlines (pure).

The headlines come from the status model (`probes.status.headline_rules.decide_headline`, read
through dashboard.summaries or `provider_headline`); nothing here recomputes a provider's status.
One function decides a feature's state (`feature_state`); the rest puts the cause into words and
picks the fallback that is up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from probes.parsers.types import LABELS, Status


class FeatureState(StrEnum):
    WORKING = "working"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# What one dependency's status means for a feature that needs it. Maintenance is an
# interruption the provider announced: the feature may not work, so it is not "working".
DEPENDENCY_STATE: dict[Status, FeatureState] = {
    Status.OPERATIONAL: FeatureState.WORKING,
    Status.UNDER_MAINTENANCE: FeatureState.DEGRADED,
    Status.DEGRADED_PERFORMANCE: FeatureState.DEGRADED,
    Status.PARTIAL_OUTAGE: FeatureState.DEGRADED,
    Status.MAJOR_OUTAGE: FeatureState.DOWN,
    Status.UNKNOWN: FeatureState.UNKNOWN,
}

# Worse first. Trouble we can read outranks what we cannot read: a feature with one dependency
# down and another unknown is down, but it is never "working" while anything is unknown.
RANK: dict[FeatureState, int] = {
    FeatureState.WORKING: 0,
    FeatureState.UNKNOWN: 1,
    FeatureState.DEGRADED: 2,
    FeatureState.DOWN: 3,
}


def feature_state(dependencies: Iterable[Status]) -> FeatureState:
    """A feature needs every dependency: its state is the worst of what theirs mean for it.

    No dependency at all says nothing: unknown.
    """
    states = [DEPENDENCY_STATE[status] for status in dependencies]
    if not states:
        return FeatureState.UNKNOWN
    return max(states, key=RANK.__getitem__)


@dataclass(frozen=True, slots=True)
class ProviderWord:
    """What one provider's headline says, for the cause chain."""

    slug: str
    name: str
    status: Status
    # Titles of its open incidents, newest first.
    incidents: tuple[str, ...] = ()
    # The clouds it runs on, as their own headlines say.
    upstreams: tuple[ProviderWord, ...] = ()


@dataclass(frozen=True, slots=True)
class DependencyWord:
    """One dependency of a feature: the provider, and what the feature uses of it."""

    provider: ProviderWord
    # The status of the part the feature uses (the provider's headline when not narrowed).
    status: Status
    # "API", "gpt-4o": the components or models it is narrowed to, for the words.
    part: str = ""


@dataclass(frozen=True, slots=True)
class FallbackWord:
    label: str
    status: Status

    @property
    def state(self) -> FeatureState:
        return feature_state([self.status])


@dataclass(frozen=True, slots=True)
class FeatureView:
    name: str
    state: FeatureState
    cause: str
    fallbacks: tuple[FallbackWord, ...] = ()
    dependencies: tuple[DependencyWord, ...] = field(default=())

    @property
    def fallbacks_up(self) -> list[FallbackWord]:
        return [item for item in self.fallbacks if item.state == FeatureState.WORKING]

    @property
    def fallback_up(self) -> FallbackWord | None:
        """The first fallback, in the team's order, that is working right now."""
        up = self.fallbacks_up
        return up[0] if up else None

    @property
    def sentence(self) -> str:
        """ "Support bot: down, because …; use Claude (working)"."""
        text = f"{self.name}: {self.state.value}"
        if self.cause:
            text += f", because {self.cause}"
        if self.state != FeatureState.WORKING:
            chosen = self.fallback_up
            if chosen is not None:
                text += f"; use {chosen.label} ({chosen.state.value})"
            elif self.fallbacks:
                text += "; no fallback is working either"
            else:
                text += "; it has no fallback"
        return text


def describe_feature(
    name: str, dependencies: Sequence[DependencyWord], fallbacks: Sequence[FallbackWord] = ()
) -> FeatureView:
    state = feature_state([dependency.status for dependency in dependencies])
    return FeatureView(
        name=name,
        state=state,
        cause=cause_chain(dependencies),
        fallbacks=tuple(fallbacks),
        dependencies=tuple(dependencies),
    )


def cause_chain(dependencies: Sequence[DependencyWord]) -> str:
    """Why, in words: each dependency in trouble, then the upstreams in trouble under it.

    "the OpenAI API has a major outage; OpenAI runs on Microsoft Azure, which reports a partial
    outage (“Power incident in South Central US”)". Empty when every dependency is operational.
    """
    parts = []
    for dependency in dependencies:
        if dependency.status == Status.OPERATIONAL:
            continue
        provider = dependency.provider
        subject = f"the {provider.name} {dependency.part}" if dependency.part else provider.name
        parts.append(f"{subject} {_says(dependency.status, provider.incidents)}")
        for upstream in provider.upstreams:
            # An upstream we cannot read explains nothing; one in trouble may explain it all.
            if upstream.status not in (Status.OPERATIONAL, Status.UNKNOWN):
                parts.append(
                    f"{provider.name} runs on {upstream.name}, which reports "
                    f"{_status_words(upstream.status, upstream.incidents)}"
                )
    return "; ".join(parts)


def _says(status: Status, incidents: Sequence[str]) -> str:
    if status == Status.UNKNOWN:
        return "cannot be read right now"
    if status == Status.UNDER_MAINTENANCE:
        return "is under maintenance" + _quoted(incidents)
    return "has " + _status_words(status, incidents)


def _status_words(status: Status, incidents: Sequence[str]) -> str:
    if status == Status.UNKNOWN:
        return "nothing we can read"
    label = LABELS[status].lower()
    article = "an" if label[0] in "aeiou" else "a"
    # "a major outage", "a partial outage", but "degraded performance", "under maintenance".
    words = f"{article} {label}" if label.endswith("outage") else label
    return words + _quoted(incidents)


def _quoted(incidents: Sequence[str]) -> str:
    return f" (“{incidents[0]}”)" if incidents else ""
