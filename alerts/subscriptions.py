"""Which channels want which events. Pure: plain values in, a yes or no out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from alerts.events import SUBSCRIBED_AS, EventType
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


# Personal subscriptions ----------------------------------------------------------------------

#: The words a person picks from (an empty choice means all): what they would say they want.
PERSONAL_EVENTS: tuple[str, ...] = ("outage", "recovery", "updates", "maintenance", "report_burst")
#: The event type of a team-report burst (the early warning), when the pipeline emits one.
REPORT_BURST = "report_burst"

_OUTAGE_TYPES = frozenset(
    {EventType.OBSERVED_OUTAGE, EventType.INCIDENT_OPENED, EventType.SOURCE_UNREADABLE}
)
_RECOVERY_TYPES = frozenset(
    {EventType.OBSERVED_RECOVERED, EventType.INCIDENT_RESOLVED, EventType.SOURCE_RECOVERED}
)
_MAINTENANCE_TYPES = frozenset({EventType.MAINTENANCE_STARTED, EventType.MAINTENANCE_ENDED})


def personal_kinds(
    types: Iterable[str], *, severity: Status, is_followup: bool, closes_thread: bool
) -> frozenset[str]:
    """Which of PERSONAL_EVENTS an event is. Pure.

    The first message of a thread about trouble is an outage, the one that closes it a
    recovery, and what comes between (new words on an incident, a changed status) updates.
    """
    kinds = set(types)
    found: set[str] = set()
    if closes_thread or kinds & _RECOVERY_TYPES:
        found.add("recovery")
    if (
        not is_followup
        and severity != Status.OPERATIONAL
        and (kinds & _OUTAGE_TYPES or EventType.STATUS_CHANGED in kinds)
    ):
        found.add("outage")
    if (
        is_followup
        and not closes_thread
        and (
            kinds & {EventType.INCIDENT_UPDATED, EventType.STATUS_CHANGED, EventType.REMINDER}
            or kinds & _OUTAGE_TYPES
        )
    ):
        found.add("updates")
    if kinds & _MAINTENANCE_TYPES:
        found.add("maintenance")
    if REPORT_BURST in kinds:
        found.add("report_burst")
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class PersonalChoice:
    """A person's subscription, as plain values: empty sets mean "all"."""

    providers: frozenset[str] = frozenset()
    components: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()


def personal_matches(choice: PersonalChoice, facts: EventFacts, kinds: frozenset[str]) -> bool:
    """True when an event of these `kinds` is one the person asked for. Pure."""
    if not kinds:
        return False  # tests, drills and the like are not for personal channels
    if choice.providers and facts.provider not in choice.providers:
        return False
    if choice.events and not kinds & choice.events:
        return False
    if choice.components:
        touched = {name.lower() for name in facts.components}
        if not touched & {name.strip().lower() for name in choice.components}:
            return False
    return True
