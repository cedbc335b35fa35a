"""Personal subscriptions in the outbox: which people's own channels an event goes to, and when.

Written in the same transaction as the event, like the team's deliveries (alerts/outbox.py):
one delivery per channel, however many of the person's subscriptions match, so a person hears
of a transition once. A follow-up that closes a thread also reaches every personal channel that
heard of its start. Quiet hours hold a message back until they end; nothing is dropped.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from alerts.models import Channel, Delivery, Event, PersonalSubscription
from alerts.quiet_hours import quiet_end
from alerts.subscriptions import EventFacts, PersonalChoice, personal_kinds, personal_matches
from probes.batch_reads import read_once
from probes.models.features import dependencies
from probes.parsers.types import Status


def choice_of(subscription: PersonalSubscription) -> PersonalChoice:
    """The subscription as plain values; a feature stands for the providers it depends on."""
    providers = {provider.slug for provider in subscription.providers.all()}
    for feature in subscription.features.all():
        providers.update(item["provider"] for item in dependencies(feature))
    if subscription.features.all() and not providers:
        providers = {"-"}  # features that depend on nothing: nothing to hear about
    return PersonalChoice(
        providers=frozenset(providers),
        components=frozenset(subscription.components or []),
        events=frozenset(subscription.events or []),
    )


def personal_deliveries(
    event: Event,
    facts: EventFacts,
    *,
    told: set[int],
    heard: frozenset[int] | set[int] = frozenset(),
) -> list[Delivery]:
    """The deliveries of `event` to people's own channels (not yet saved). Channels in `heard`
    already got what the event says (alerts/outbox.py) and are skipped."""
    kinds = personal_kinds(
        event.types,
        severity=Status(event.severity),
        is_followup=event.is_followup,
        closes_thread=event.closes_thread,
    )
    if not kinds and not told:
        return []
    chosen: dict[int, Channel] = {}
    for subscription in read_once("alerts.personal_subscriptions", _subscriptions):
        if subscription.channel_id in chosen or subscription.channel_id in heard:
            continue
        if subscription.channel_id in told or personal_matches(
            choice_of(subscription), facts, kinds
        ):
            chosen[subscription.channel_id] = subscription.channel
    return [
        Delivery(event=event, channel=channel, next_attempt_at=send_time(channel, event))
        for channel in chosen.values()
    ]


def _subscriptions() -> list[PersonalSubscription]:
    return list(
        PersonalSubscription.objects.filter(
            enabled=True,
            channel__enabled=True,
            owner__is_active=True,
            # Only through the person's own channels, whatever a row says.
            channel__owner=F("owner"),
        )
        .select_related("channel")
        .prefetch_related("providers", "features")
        .order_by("pk")
    )


def send_time(channel: Channel, event: Event) -> datetime:
    """When a message to `channel` may go: now, or when its quiet hours end."""
    end = quiet_end(
        event.at,
        quiet_from=channel.quiet_from,
        quiet_until=channel.quiet_until,
        zone=channel.time_zone,
    )
    return end or event.at
