"""Which channels want which events. Pure: plain values in, a yes or no out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from alerts.events import SUBSCRIBED_AS
from probes.parsers.types import SEVERITY, Status


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel's filters. An empty set means "all"."""

    providers: frozenset[str] = frozenset()
    components: frozenset[str] = frozenset()
    min_severity: Status = Status.OPERATIONAL
    events: frozenset[str] = frozenset()
    # Feature slugs: events that hit one of them pass the provider filter, whatever provider.
    features: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        providers: Iterable[str] = (),
        components: Iterable[str] = (),
        min_severity: Status = Status.OPERATIONAL,
        events: Iterable[str] = (),
        features: Iterable[str] = (),
    ) -> Subscription:
        return cls(
            providers=frozenset(providers),
            components=frozenset(name.strip().lower() for name in components),
            min_severity=min_severity,
            events=frozenset(events),
            features=frozenset(features),
        )


@dataclass(frozen=True, slots=True)
class EventFacts:
    provider: str
    types: frozenset[str]
    severity: Status
    # Names and ids of every component the event touches, any case.
    components: frozenset[str] = frozenset()
    # Slugs of the team's features the event hits.
    features: frozenset[str] = frozenset()


def matches(subscription: Subscription, facts: EventFacts) -> bool:
    """True when the event passes every filter of the subscription.

    Providers and features are one filter: the event is about one of the providers, or hits
    one of the features (neither chosen: every event).
    """
    if subscription.providers or subscription.features:
        about = facts.provider in subscription.providers
        if not about and not subscription.features & facts.features:
            return False
    if SEVERITY[facts.severity] < SEVERITY[subscription.min_severity]:
        return False
    if subscription.events:
        wanted = {SUBSCRIBED_AS.get(kind, kind) for kind in facts.types}
        if not wanted & subscription.events:
            return False
    if subscription.components:
        touched = {name.lower() for name in facts.components}
        if not touched & subscription.components:
            return False
    return True
