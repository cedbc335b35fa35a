"""Acknowledging trouble: "acknowledged: plan B in place", who is on it, and how fast.

What can be acknowledged is an open incident (not a maintenance) or an observed outage (the
provider-wide observed status is degraded or worse; the outage is the transition that started
it). `acknowledge` stores the row, logs it in the audit trail and sends
probes.signals.acknowledged, all in one transaction, so the alerts outbox writes its threaded
message with it or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

from django.db import transaction

from probes import audit, signals
from probes.models import Acknowledgement, Incident, ObservedTransition, Provider
from probes.observe.reports import display_name
from probes.parsers.types import Status

OBSERVED_DOWN = frozenset({Status.DEGRADED_PERFORMANCE, Status.PARTIAL_OUTAGE, Status.MAJOR_OUTAGE})
ON_IT_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 500


class AcknowledgeRefused(Exception):
    """Nothing was stored; the message says why."""


@dataclass
class Target:
    """One thing on a provider that can be acknowledged, with the acknowledgements it has."""

    provider: Provider
    incident: Incident | None = None
    observed: ObservedTransition | None = None
    acknowledgements: list[Acknowledgement] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The form value naming it: "incident:12" or "observed:34"."""
        if self.incident is not None:
            return f"incident:{self.incident.pk}"
        assert self.observed is not None
        return f"observed:{self.observed.pk}"

    @property
    def started_at(self) -> datetime:
        if self.incident is not None:
            return self.incident.started_at
        assert self.observed is not None
        return self.observed.since or self.observed.at

    @property
    def first(self) -> Acknowledgement | None:
        return self.acknowledgements[0] if self.acknowledgements else None

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        first = self.first
        return max(first.at - self.started_at, timedelta(0)) if first else None


def observed_outage(
    provider: Provider, *, transitions: Sequence[ObservedTransition] | None = None
) -> ObservedTransition | None:
    """The provider-wide transition that started its current observed outage, if it has one.

    `transitions`: its provider-level transitions as the page read them, oldest first, its
    newest of all among them (`probes.observe.detection.provider_transitions`); they are read
    only when the outage began before the first of them.
    """
    if provider.observed_status not in OBSERVED_DOWN:
        return None
    if transitions is not None:
        newest_first = sorted(transitions, key=lambda t: (t.at, t.pk), reverse=True)
        start, settled = _outage_start(newest_first)
        if settled:
            return start
    provider_level = ObservedTransition.objects.filter(provider=provider, source__isnull=True)
    latest = provider_level.order_by("-at", "-pk").first()
    if latest is None:
        return None
    # Read only when the newest is of an outage: the walk stops before it otherwise.
    earlier = provider_level.filter(at__lt=latest.at).order_by("-at", "-pk")
    start, _ = _outage_start(chain([latest], earlier))
    return start


def _outage_start(
    newest_first: Iterable[ObservedTransition],
) -> tuple[ObservedTransition | None, bool]:
    """`observed_outage()` from provider-level transitions, newest first, and whether they
    settle it: not when every one is of the outage (it may have begun before the first)."""
    found = iter(newest_first)
    latest = next(found, None)
    if latest is None or latest.new_status not in OBSERVED_DOWN:
        return None, True
    start = latest
    # Back up over changes between bad states (degraded → major): the outage began earlier.
    for earlier in found:
        if earlier.at >= latest.at:
            continue
        if earlier.new_status not in OBSERVED_DOWN:
            return start, True
        start = earlier
    return start, False


def open_targets(
    providers: Sequence[Provider],
    *,
    open_incidents: Iterable[Incident] | None = None,
    transitions: Mapping[int, Sequence[ObservedTransition]] | None = None,
) -> dict[int, list[Target]]:
    """Per provider: its open incidents, then its observed outage, each with its
    acknowledgements (oldest first). A fixed number of queries plus two per provider in an
    observed outage. `open_incidents`: the providers' open incidents as the page already read
    them (`Incident.objects.open()`), one query fewer; `transitions`: their provider-level
    transitions, as `observed_outage()` takes them, none for those it holds."""
    ids = [provider.pk for provider in providers]
    by_pk = {provider.pk: provider for provider in providers}
    targets: dict[int, list[Target]] = {pk: [] for pk in ids}
    if open_incidents is None:
        open_incidents = Incident.objects.open().filter(provider_id__in=ids)
    incidents = sorted(
        (i for i in open_incidents if not i.is_maintenance and i.provider_id in by_pk),
        key=lambda incident: (incident.started_at, incident.pk),
    )
    for incident in incidents:
        targets[incident.provider_id].append(Target(by_pk[incident.provider_id], incident=incident))
    for provider in providers:
        held = transitions.get(provider.pk) if transitions is not None else None
        start = observed_outage(provider, transitions=held)
        if start is not None:
            targets[provider.pk].append(Target(provider, observed=start))
    _attach(
        [target for group in targets.values() for target in group],
        Acknowledgement.objects.filter(provider_id__in=ids),
    )
    return targets


def _attach(targets: Iterable[Target], acknowledgements: Any) -> None:
    by_key = {target.key: target for target in targets}
    if not by_key:
        return
    incident_ids = [t.incident.pk for t in by_key.values() if t.incident is not None]
    observed_ids = [t.observed.pk for t in by_key.values() if t.observed is not None]
    rows = acknowledgements.filter(incident_id__in=incident_ids) | acknowledgements.filter(
        observed_id__in=observed_ids
    )
    for ack in rows.order_by("at", "pk"):
        key = f"incident:{ack.incident_id}" if ack.incident_id else f"observed:{ack.observed_id}"
        if key in by_key:
            by_key[key].acknowledgements.append(ack)


def incident_acknowledgements(incident: Incident) -> list[Acknowledgement]:
    return list(incident.acknowledgements.select_related("by").order_by("at", "pk"))


def first_acknowledged(incident_ids: Iterable[int]) -> dict[int, datetime]:
    """When each incident was first acknowledged (those never acknowledged are left out)."""
    first: dict[int, datetime] = {}
    for incident_id, at in (
        Acknowledgement.objects.filter(incident_id__in=list(incident_ids))
        .order_by("at", "pk")
        .values_list("incident_id", "at")
    ):
        first.setdefault(incident_id, at)
    return first


def find_target(provider: Provider, key: str) -> Target:
    """The open target `key` names ("incident:12", "observed:34"); AcknowledgeRefused if it is
    not one of the provider's open ones (closed since, or someone else's)."""
    for target in open_targets([provider])[provider.pk]:
        if target.key == key:
            return target
    raise AcknowledgeRefused("This incident or outage is no longer open.")


@transaction.atomic
def acknowledge(
    target: Target,
    *,
    user: Any,
    on_it: str,
    note: str,
    plan_b_in_place: bool,
    at: datetime,
) -> Acknowledgement:
    """Store the acknowledgement, its audit entry and (through the signal) its alert."""
    ack = Acknowledgement.objects.create(
        provider=target.provider,
        incident=target.incident,
        observed=target.observed,
        by=user,
        by_name=display_name(user)[:150],
        on_it=" ".join(on_it.split())[:ON_IT_MAX_LENGTH],
        note=" ".join(note.split())[:NOTE_MAX_LENGTH],
        plan_b_in_place=plan_b_in_place,
        at=at,
    )
    audit.log_write(user, ack, added=True, message=f"Acknowledged {target.key}")
    signals.acknowledged.send(sender=Acknowledgement, acknowledgement=ack)
    return ack
