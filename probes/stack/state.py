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

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from probes.parsers.types import Status


class FeatureState(StrEnum):
    WORKING = "working"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """ "Down", in the active language."""
        return str(STATE_LABELS[self])

    @property
    def word(self) -> str:
        """ "down", as a sentence says it, in the active language."""
        return str(STATE_WORDS[self])


STATE_LABELS = {
    FeatureState.WORKING: pgettext_lazy("feature state", "Working"),
    FeatureState.DEGRADED: pgettext_lazy("feature state", "Degraded"),
    FeatureState.DOWN: pgettext_lazy("feature state", "Down"),
    FeatureState.UNKNOWN: pgettext_lazy("feature state", "Unknown"),
}
STATE_WORDS = {
    FeatureState.WORKING: gettext_lazy("working"),
    FeatureState.DEGRADED: gettext_lazy("degraded"),
    FeatureState.DOWN: gettext_lazy("down"),
    FeatureState.UNKNOWN: gettext_lazy("unknown"),
}
# What a provider "has" or "reports", for the cause chain.
STATUS_WORDS = {
    Status.OPERATIONAL: gettext_lazy("no trouble"),
    Status.DEGRADED_PERFORMANCE: gettext_lazy("degraded performance"),
    Status.PARTIAL_OUTAGE: gettext_lazy("a partial outage"),
    Status.MAJOR_OUTAGE: gettext_lazy("a major outage"),
    Status.UNDER_MAINTENANCE: gettext_lazy("under maintenance"),
    Status.UNKNOWN: gettext_lazy("nothing we can read"),
}


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
        """ "Support bot: down, because …; use Claude (working)", in the active language."""
        text = _("%(name)s: %(state)s") % {"name": self.name, "state": self.state.word}
        if self.cause:
            text += _(", because %(cause)s") % {"cause": self.cause}
        if self.state != FeatureState.WORKING:
            chosen = self.fallback_up
            if chosen is not None:
                text += _("; use %(fallback)s (%(state)s)") % {
                    "fallback": chosen.label,
                    "state": chosen.state.word,
                }
            elif self.fallbacks:
                text += _("; no fallback is working either")
            else:
                text += _("; it has no fallback")
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
    """Why, in words (the active language): each dependency in trouble, then the upstreams in
    trouble under it.

    "the OpenAI API has a major outage; OpenAI runs on Microsoft Azure, which reports a partial
    outage (“Power incident in South Central US”)". Empty when every dependency is operational.
    """
    parts = []
    for dependency in dependencies:
        if dependency.status == Status.OPERATIONAL:
            continue
        provider = dependency.provider
        subject = (
            _("the %(provider)s %(part)s") % {"provider": provider.name, "part": dependency.part}
            if dependency.part
            else provider.name
        )
        parts.append(_says(subject, dependency.status, provider.incidents))
        for upstream in provider.upstreams:
            # An upstream we cannot read explains nothing; one in trouble may explain it all.
            if upstream.status not in (Status.OPERATIONAL, Status.UNKNOWN):
                parts.append(
                    _("%(provider)s runs on %(upstream)s, which reports %(status)s%(quoted)s")
                    % {
                        "provider": provider.name,
                        "upstream": upstream.name,
                        "status": STATUS_WORDS[upstream.status],
                        "quoted": _quoted(upstream.incidents),
                    }
                )
    return pgettext("between causes", "; ").join(parts)


def _says(subject: str, status: Status, incidents: Sequence[str]) -> str:
    words = {"subject": subject, "quoted": _quoted(incidents)}
    if status == Status.UNKNOWN:
        return _("%(subject)s cannot be read right now") % words
    if status == Status.UNDER_MAINTENANCE:
        return _("%(subject)s is under maintenance%(quoted)s") % words
    return _("%(subject)s has %(status)s%(quoted)s") % {**words, "status": STATUS_WORDS[status]}


def _quoted(incidents: Sequence[str]) -> str:
    return _(" (“%(title)s”)") % {"title": incidents[0]} if incidents else ""
