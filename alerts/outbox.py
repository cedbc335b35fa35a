"""Writing events and their deliveries, in the transaction of the change that caused them.

`on_poll_recorded` receives probes.signals.poll_recorded, which is sent inside the recording
transaction: the event and its delivery rows commit or roll back with the poll. One poll of a
provider gives at most one event, however many components and incidents it touched.

Threads: the first event while a provider is in trouble opens a thread; later events are
follow-ups of it (sent as "Update: ..."), and the event that finds the provider fine again
closes it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from alerts.affected_links import with_affected_links
from alerts.events import DOWN_STATUSES, EventType, primary_type, worst_severity
from alerts.messages import headline
from alerts.models import Channel, Delivery, Event
from alerts.personal import personal_deliveries
from alerts.poll_entries import component_changes, incident_entry, maintenance_announced
from alerts.snapshot import provider_in_trouble, snapshot
from alerts.subscriptions import EventFacts, Subscription, matches
from alerts.wakeup import wake_delivery_worker
from probes.batch_reads import read_once
from probes.models import Incident, Provider, Source, StatusChange
from probes.parsers.types import Impact, Status
from probes.status.headline import ACTIVE_MAINTENANCE, provider_headline
from probes.status.headline_rules import Headline
from probes.status.provider_rows import load_provider_rows

logger = logging.getLogger(__name__)


def on_poll_recorded(
    sender: object, *, source: Source, outcome: Any, at: datetime, **kwargs: object
) -> None:
    if not _poll_has_news(source, outcome):
        return  # the usual poll: no savepoint for it (a batch of unchanged polls sends many)
    # In a savepoint: a failure here is logged and loses this alert, but never rolls back the
    # poll (which would lose the data too, and fail again on every later poll of the source).
    try:
        with transaction.atomic():
            record_poll_event(source, outcome, at=at)
    except Exception:
        logger.exception("alerts: could not write the event for a poll of source %s", source.pk)


def on_observed_status_changed(
    sender: object,
    *,
    provider: Provider,
    old: str,
    new: str,
    at: datetime,
    source: Source | None = None,
    **kwargs: object,
) -> None:
    """probes.signals.observed_status_changed: only the provider-wide change (source None)."""
    if source is not None:
        return
    try:
        with transaction.atomic():
            record_observed_change(provider, str(old), str(new), at=at)
    except Exception:
        logger.exception("alerts: could not write the observed event for %s", provider)


def record_poll_event(source: Source, outcome: Any, *, at: datetime) -> Event | None:
    """Write the one event (and its deliveries) for what this poll changed; None if nothing.

    `outcome` is a probes.signals.PollOutcome. Must run inside the recording transaction.
    """
    if not _poll_has_news(source, outcome):
        return None  # the usual poll: nothing happened
    unreadable_now = _unreadable_now(source)
    # The poll's own read of the provider's rows, taken after its writes; else read them now.
    rows = outcome.rows or load_provider_rows(Provider.objects.get(pk=source.provider_id))
    provider = rows.provider
    types: set[str] = set()
    severities: list[Status] = []
    payload: dict[str, Any] = {}

    change = outcome.provider_change
    if change is not None and change.new_status != Status.UNKNOWN:
        old = change.old_status
        if old == Status.UNKNOWN:
            # Back from unreadable (or seen for the first time): compare with what we last knew,
            # so a source that blinked does not report a change that did not happen.
            old = last_known_status(provider, before=change)
        if old != change.new_status and not (
            old is None and change.new_status == Status.OPERATIONAL
        ):
            types.add(EventType.STATUS_CHANGED)
            payload["status"] = {"old": old, "new": change.new_status}
            severities += [Status(change.new_status), Status(old or Status.OPERATIONAL)]

    components = component_changes(outcome.component_changes, rows.components)
    if components:
        types.add(EventType.STATUS_CHANGED)
        payload["components"] = components
        severities += [Status(c["new"]) for c in components] + [
            Status(c["old"]) for c in components
        ]

    incidents: list[dict[str, Any]] = []
    for incident in outcome.incidents_opened:
        if incident.is_maintenance:
            if incident.status in ACTIVE_MAINTENANCE:
                incidents.append(incident_entry(incident, "maintenance_started"))
        else:
            incidents.append(incident_entry(incident, "opened"))
    for incident in outcome.incidents_updated:
        if incident.is_maintenance:
            if incident.status in ACTIVE_MAINTENANCE and not maintenance_announced(incident):
                incidents.append(incident_entry(incident, "maintenance_started"))
        else:
            incidents.append(incident_entry(incident, "updated"))
    for incident in outcome.incidents_resolved:
        if incident.is_maintenance:
            if maintenance_announced(incident):
                incidents.append(incident_entry(incident, "maintenance_ended"))
        else:
            incidents.append(incident_entry(incident, "resolved"))
    incident_types = {
        "opened": EventType.INCIDENT_OPENED,
        "updated": EventType.INCIDENT_UPDATED,
        "resolved": EventType.INCIDENT_RESOLVED,
        "maintenance_started": EventType.MAINTENANCE_STARTED,
        "maintenance_ended": EventType.MAINTENANCE_ENDED,
    }
    for entry in incidents:
        types.add(incident_types[entry["change"]])
        severities.append(
            Status.UNDER_MAINTENANCE
            if entry["change"].startswith("maintenance")
            else Impact(entry["impact"]).as_status()
        )
    if incidents:
        payload["incidents"] = incidents

    root = open_thread(provider)
    if unreadable_now:
        types.add(EventType.SOURCE_UNREADABLE)
        severities.append(Status.UNKNOWN)
        payload["source"] = {"url": source.url, "error": source.last_error[:500]}
        if provider.status == Status.UNKNOWN:
            payload.setdefault(
                "status", {"old": last_known_status(provider), "new": Status.UNKNOWN.value}
            )
        else:
            # One source of several: the others still speak, and the status stays theirs.
            payload["source"]["others_say"] = provider.status
    elif outcome.source_recovered and root is not None and _unreadable_in_thread(root):
        types.add(EventType.SOURCE_RECOVERED)
        payload["source"] = {"url": source.url, "error": ""}

    if not types:
        return None
    return write_event(
        provider,
        types,
        worst_severity(severities),
        payload,
        at=at,
        root=root,
        now_says=provider_headline(provider, now=at, rows=rows),
        open_incidents=rows.open_incidents,
    )


def _unreadable_now(source: Source) -> bool:
    """This poll is the one that makes the source count as unreadable (said once)."""
    return bool(
        source.last_error and source.consecutive_failures == settings.AIWATCH_ALERT_UNREADABLE_AFTER
    )


def _poll_has_news(source: Source, outcome: Any) -> bool:
    return bool(outcome.changed or outcome.source_recovered or _unreadable_now(source))


def record_observed_change(
    provider: Provider, old_status: str, new_status: str, *, at: datetime, detail: str = ""
) -> Event | None:
    """An outage our own checks confirmed, or its end. Plugs into the probing pipeline's signal."""
    if new_status in DOWN_STATUSES and old_status not in DOWN_STATUSES:
        kind = EventType.OBSERVED_OUTAGE
    elif new_status == Status.OPERATIONAL and old_status in DOWN_STATUSES:
        kind = EventType.OBSERVED_RECOVERED
    else:
        return None
    provider = Provider.objects.get(pk=provider.pk)
    payload: dict[str, Any] = {
        "observed": {"old": old_status, "new": new_status, "detail": detail[:500]}
    }
    severity = worst_severity([Status(old_status), Status(new_status)])
    now_says = provider_headline(provider, now=at)
    root, heard = _thread_the_observation_agrees_with(provider, kind, now_says.official, at=at)
    if heard:
        payload["observed"]["agrees_with_official"] = True
    return write_event(
        provider, {kind}, severity, payload, at=at, root=root, heard=heard, now_says=now_says
    )


def _thread_the_observation_agrees_with(
    provider: Provider, kind: str, official: Status, *, at: datetime
) -> tuple[Event | None, set[int]]:
    """The thread an observed change belongs to, and the channels it would only repeat to.

    Our checks often confirm what the page already said: an outage the thread has announced,
    or (a few probe rounds late) a recovery the page's own word has just closed. Those
    channels already heard it; telling them again is a second alert for one transition. The
    event is still recorded in the thread, and reaches every channel that did not hear it.
    """
    root = open_thread(provider)
    if kind == EventType.OBSERVED_OUTAGE:
        if root is None or official not in DOWN_STATUSES:
            return root, set()
        told_down = [
            event.pk
            for event in [root, *root.followups.all()]
            if (event.payload.get("status") or {}).get("new") in DOWN_STATUSES
        ]
        return root, _channels_told(told_down)
    if root is not None or official != Status.OPERATIONAL:
        return root, set()
    window = timedelta(seconds=settings.AIWATCH_ALERT_AGREEMENT_SECONDS)
    closer = (
        Event.objects.filter(provider=provider, closes_thread=True, at__gte=at - window)
        .select_related("root")
        .order_by("-at", "-pk")
        .first()
    )
    if closer is None or closer.root is None:
        return None, set()
    return closer.root, _channels_told([closer.pk])


def _channels_told(event_ids: list[int]) -> set[int]:
    return set(Delivery.objects.filter(event_id__in=event_ids).values_list("channel_id", flat=True))


def last_known_status(provider: Provider, *, before: StatusChange | None = None) -> str | None:
    """The provider's last status other than unknown, or None if it never had one."""
    changes = StatusChange.objects.filter(provider=provider, component__isnull=True).exclude(
        new_status=Status.UNKNOWN
    )
    if before is not None:
        changes = changes.exclude(pk=before.pk).filter(at__lte=before.at)
    latest = changes.order_by("-at", "-pk").values_list("new_status", flat=True).first()
    return str(latest) if latest else None


def open_thread(provider: Provider) -> Event | None:
    return Event.objects.open_threads().filter(provider=provider).order_by("-at", "-pk").first()


def write_event(
    provider: Provider,
    types: set[str],
    severity: Status,
    facts: dict[str, Any],
    *,
    at: datetime,
    root: Event | None,
    heard: set[int] | None = None,
    team_says: bool = False,
    dedupe_key: str | None = None,
    also: frozenset[int] = frozenset(),
    now_says: Headline | None = None,
    open_incidents: Sequence[Incident] | None = None,
) -> Event:
    # `now_says`: the provider's headline at `at`, and `open_incidents` its open incidents,
    # when the caller has read them already.
    # What the team says (`team_says`: a report burst, an acknowledgement) never ends a thread.
    kind = primary_type(types)
    now_says = now_says or provider_headline(provider, now=at)
    payload = {**snapshot(provider, at=at, headline=now_says), **facts}
    payload["title"] = headline(kind, payload)
    in_trouble = provider_in_trouble(provider, headline=now_says, open_incidents=open_incidents)
    ends_thread = not (in_trouble or team_says)
    event_uuid = with_affected_links(kind, payload, provider.slug)
    event = Event.objects.create(
        uuid=event_uuid,
        provider=provider,
        type=kind,
        types=sorted(types),
        severity=severity.value,
        at=at,
        root=root,
        # A late follow-up of a thread already closed does not close it again.
        closes_thread=root is not None and root.thread_closed_at is None and ends_thread,
        # An event about a provider that is fine is a thread of its own, closed at once.
        thread_closed_at=at if root is None and (team_says or not in_trouble) else None,
        dedupe_key=dedupe_key,
        payload=payload,
    )
    if event.closes_thread and root is not None:
        Event.objects.filter(pk=root.pk).update(thread_closed_at=at)
    fan_out(event, heard=heard or set(), also=also)
    return event


def fan_out(
    event: Event,
    *,
    heard: frozenset[int] | set[int] = frozenset(),
    also: frozenset[int] = frozenset(),
) -> list[Delivery]:
    """Create one delivery per channel that wants the event, and wake a worker after commit.

    A follow-up that closes a thread also goes to every channel that got the thread's first
    message, whatever its filters: whoever heard of the outage hears of its end. Channels in
    `heard` already got what this event says, and are skipped; those in `also` get it anyway.
    """
    payload = event.payload
    touched: set[str] = set()
    for component in payload.get("components", []):
        touched.update({component["name"], component["external_id"]})
    for incident in payload.get("incidents", []):
        touched.update(incident.get("components", []))
    facts = EventFacts(
        provider=event.provider.slug if event.provider else "",
        types=frozenset(event.types),
        severity=Status(event.severity),
        components=frozenset(touched),
        features=frozenset(item["slug"] for item in payload.get("features", [])),
    )
    told: set[int] = set()
    if event.closes_thread and event.root_id:
        told = set(
            Delivery.objects.filter(event_id=event.root_id).values_list("channel_id", flat=True)
        )
    deliveries = []
    team_channels = read_once(
        "alerts.team_channels",
        lambda: list(
            Channel.objects.filter(enabled=True, owner__isnull=True).prefetch_related(
                "providers", "features"
            )
        ),
    )
    for channel in team_channels:
        if channel.pk in heard:
            continue
        subscription = Subscription.build(
            providers=[p.slug for p in channel.providers.all()],
            components=channel.components or [],
            min_severity=channel.min_status,
            events=channel.events or [],
            features=[f.slug for f in channel.features.all()],
        )
        if channel.pk in told or channel.pk in also or matches(subscription, facts):
            deliveries.append(Delivery(event=event, channel=channel, next_attempt_at=event.at))
    deliveries += personal_deliveries(event, facts, told=told, heard=heard)
    created = Delivery.objects.bulk_create(deliveries)
    if created:
        wake_delivery_worker()
    return created


def _unreadable_in_thread(root: Event) -> bool:
    events = [root, *root.followups.order_by("-at", "-pk")]
    # Newest first among follow-ups; the root last.
    for event in [*events[1:], root]:
        if EventType.SOURCE_RECOVERED in event.types:
            return False
        if EventType.SOURCE_UNREADABLE in event.types:
            return True
    return False


def create_test_event(channels: list[Channel], *, at: datetime) -> list[Delivery]:
    """A test message for each of `channels`, through the same outbox as real alerts."""
    payload: dict[str, Any] = {"title": "AI Watch test message"}
    event = Event.objects.create(
        provider=None,
        type=EventType.TEST,
        types=[EventType.TEST.value],
        severity=Status.OPERATIONAL.value,
        at=at,
        thread_closed_at=at,
        payload=payload,
    )
    return Delivery.objects.bulk_create(
        [Delivery(event=event, channel=channel, next_attempt_at=at) for channel in channels]
    )
