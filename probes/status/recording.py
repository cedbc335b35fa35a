"""Persistence for poll results: idempotent upserts and exact status transitions.

Everything here runs inside one transaction per poll. Writing the same page twice changes
nothing: rows are compared before they are written, and a StatusChange is created only when a
status really changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from probes import signals
from probes.models import Component, Incident, IncidentUpdate, Provider, Source, StatusChange
from probes.parsers.types import (
    Impact,
    IncidentStatus,
    ParsedComponent,
    ParsedIncident,
    ParsedPage,
    Status,
)
from probes.signals import PollOutcome
from probes.status.headline import refresh_provider_status
from probes.status.matching import KnownIncidents


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str = ""
    last_modified: str = ""
    body_hash: str = ""


@transaction.atomic
def record_poll(
    source: Source,
    page: ParsedPage,
    *,
    at: datetime,
    validators: Validators = Validators(),
    detected_format: str = "",
    provenance: str = Incident.Provenance.LIVE,
) -> PollOutcome:
    """Store a parsed page for `source`. Idempotent: the same page twice writes nothing new."""
    # Lock the source row: two workers recording the same source queue up here instead of
    # both inserting the same incident.
    locked = Source.objects.select_for_update().select_related("provider").get(pk=source.pk)
    provider = locked.provider
    outcome = PollOutcome(source_recovered=locked.is_failing)

    if page.has_component_states:
        outcome.component_changes = _record_components(provider, locked, page.components, at)
    components_by_id = {
        component.external_id: component
        for component in Component.objects.filter(provider=provider)
    }
    known = KnownIncidents(provider, page.incidents)
    for parsed in page.incidents:
        _upsert_incident(provider, locked, parsed, components_by_id, outcome, provenance, known)
    if page.lists_all_open_incidents:
        seen = {parsed.external_id for parsed in page.incidents}
        _close_vanished_incidents(provider, locked, seen, at, outcome)

    fields = {
        "last_polled_at": at,
        "last_success_at": at,
        "last_error": "",
        "error_since": None,
        "consecutive_failures": 0,
        "etag": validators.etag[:500],
        "last_modified": validators.last_modified[:100],
        "body_hash": validators.body_hash,
    }
    if page.indicator is not None or page.has_component_states:
        fields["indicator"] = page.indicator.value if page.indicator else ""
    if detected_format:
        fields["detected_format"] = detected_format
    Source.objects.filter(pk=locked.pk).update(**fields)
    for name, value in fields.items():
        setattr(source, name, value)

    outcome.provider_change = refresh_provider_status(provider, at=at)
    signals.poll_recorded.send(sender=Source, source=source, outcome=outcome, at=at)
    return outcome


def components_problem(source: Source, page: ParsedPage) -> str:
    """Why `page` cannot stand for the components `source` follows ("" when it can).

    A page that lists component states but none of the components the source's filter names
    (an id renamed or removed), or no components at all where it listed some before, has not
    said those components are fine: recording it would turn them inactive and the provider
    green. Such a page is a problem to show, like an unreadable one.
    """
    if not page.has_component_states:
        return ""
    filters = source.filters if isinstance(source.filters, dict) else {}
    wanted = filters.get("components")
    if isinstance(wanted, list) and wanted:
        present = {c.external_id for c in page.components}
        present |= {c.group_id for c in page.components if c.group_id}
        missing = sorted({str(cid) for cid in wanted} - present)
        if missing:
            return (
                f"components missing: the page no longer lists {', '.join(missing)[:300]} "
                "(renamed or removed?); check the source's component filter"
            )
    if any(not c.is_group for c in page.components):
        return ""
    listed = Component.objects.filter(source=source, is_active=True, is_group=False).count()
    if listed:
        return f"components missing: the page lists no components (it listed {listed} before)"
    return ""


@transaction.atomic
def record_incidents(
    source: Source, incidents: Sequence[ParsedIncident], *, at: datetime, provenance: str
) -> PollOutcome:
    """Store incidents from a history list (a backfill): upserts only.

    Unlike `record_poll` it leaves the source's poll state (validators, errors, components)
    alone, closes nothing, and sends no poll_recorded signal: old incidents are not news.
    Idempotent, and merged with live and archived incidents by external id or alias.
    """
    locked = Source.objects.select_for_update().select_related("provider").get(pk=source.pk)
    provider = locked.provider
    outcome = PollOutcome()
    components_by_id = {
        component.external_id: component
        for component in Component.objects.filter(provider=provider)
    }
    known = KnownIncidents(provider, incidents)
    for parsed in incidents:
        _upsert_incident(provider, locked, parsed, components_by_id, outcome, provenance, known)
    outcome.provider_change = refresh_provider_status(provider, at=at)
    return outcome


@transaction.atomic
def record_unchanged(source: Source, *, at: datetime, validators: Validators) -> PollOutcome:
    """The page has not changed since the last good poll: only freshness moves."""
    was_failing = source.is_failing
    fields = {
        "last_polled_at": at,
        "last_success_at": at,
        "last_error": "",
        "error_since": None,
        "consecutive_failures": 0,
    }
    if validators.etag or validators.last_modified:
        fields["etag"] = validators.etag[:500]
        fields["last_modified"] = validators.last_modified[:100]
    Source.objects.filter(pk=source.pk).update(**fields)
    for name, value in fields.items():
        setattr(source, name, value)
    outcome = PollOutcome(source_recovered=was_failing)
    if was_failing:
        outcome.provider_change = refresh_provider_status(source.provider, at=at)
    signals.poll_recorded.send(sender=Source, source=source, outcome=outcome, at=at)
    return outcome


@transaction.atomic
def record_failure(source: Source, reason: str, *, at: datetime) -> PollOutcome:
    """Note a failed fetch or parse on the source. Earlier data is left exactly as it was."""
    reason = reason[:2000]
    locked = Source.objects.select_for_update().get(pk=source.pk)
    fields = {
        "last_polled_at": at,
        "last_error": reason,
        "error_since": locked.error_since or at,
        "consecutive_failures": locked.consecutive_failures + 1,
    }
    Source.objects.filter(pk=source.pk).update(**fields)
    for name, value in fields.items():
        setattr(source, name, value)
    outcome = PollOutcome(source_became_unreadable=not locked.is_failing)
    outcome.provider_change = refresh_provider_status(source.provider, at=at)
    signals.poll_recorded.send(sender=Source, source=source, outcome=outcome, at=at)
    return outcome


def _record_components(
    provider: Provider, source: Source, parsed_components: tuple[ParsedComponent, ...], at: datetime
) -> list[StatusChange]:
    existing = {c.external_id: c for c in Component.objects.filter(provider=provider)}
    changes: list[StatusChange] = []
    seen: set[str] = set()
    for parsed in parsed_components:
        if parsed.external_id in seen:
            continue  # a page listing one id twice: the first wins
        seen.add(parsed.external_id)
        component = existing.get(parsed.external_id)
        if component is None:
            component = Component.objects.create(
                provider=provider,
                source=source,
                external_id=parsed.external_id,
                name=parsed.name,
                is_group=parsed.is_group,
                position=parsed.position,
                description=parsed.description,
                status=parsed.status.value,
                status_changed_at=at,
            )
            existing[parsed.external_id] = component
            # The first sighting starts the component's timeline (uptime has data from here).
            changes.append(
                StatusChange.objects.create(
                    provider=provider,
                    component=component,
                    old_status=Status.UNKNOWN.value,
                    new_status=parsed.status.value,
                    at=at,
                )
            )
            continue
        updates: dict[str, object] = {}
        for name in ("name", "is_group", "position", "description"):
            if getattr(component, name) != getattr(parsed, name):
                updates[name] = getattr(parsed, name)
        if not component.is_active:
            updates["is_active"] = True
        if component.source_id != source.pk:
            updates["source"] = source
        if component.status != parsed.status.value:
            changes.append(
                StatusChange.objects.create(
                    provider=provider,
                    component=component,
                    old_status=component.status,
                    new_status=parsed.status.value,
                    at=at,
                )
            )
            updates["status"] = parsed.status.value
            updates["status_changed_at"] = at
        if updates:
            for name, value in updates.items():
                setattr(component, name, value)
            component.save(update_fields=[*updates.keys()])

    # Groups point at their container by the page's id.
    for parsed in parsed_components:
        component = existing[parsed.external_id]
        parent = existing.get(parsed.group_id) if parsed.group_id else None
        if component.group_id != (parent.pk if parent else None):
            component.group = parent
            component.save(update_fields=["group"])

    # Components this source no longer lists stop counting, but keep their history.
    gone = Component.objects.filter(provider=provider, source=source, is_active=True).exclude(
        external_id__in=seen
    )
    gone.update(is_active=False)
    return changes


def _upsert_incident(
    provider: Provider,
    source: Source,
    parsed: ParsedIncident,
    components_by_id: dict[str, Component],
    outcome: PollOutcome,
    provenance: str,
    known: KnownIncidents,
) -> None:
    incident = known.find(parsed)
    values = {
        "title": parsed.title,
        "impact": parsed.impact.value,
        "status": parsed.status.value,
        "started_at": parsed.started_at,
        "resolved_at": parsed.resolved_at,
        "url": parsed.url[:2000],
        "is_maintenance": parsed.is_maintenance,
        "scheduled_for": parsed.scheduled_for,
        "scheduled_until": parsed.scheduled_until,
    }
    if incident is None:
        incident = Incident.objects.create(
            provider=provider,
            source=source,
            external_id=parsed.external_id,
            aliases=list(parsed.aliases),
            provenance=provenance,
            **values,
        )
        known.remember(incident)
        if incident.is_open:
            outcome.incidents_opened.append(incident)
        was_open = incident.is_open
        changed = False
    else:
        was_open = incident.is_open
        if incident.provenance == Incident.Provenance.ARCHIVE:
            # The archive's curated times and wording stay; the source adds its updates.
            values = {}
        elif known.owned_by_another_source(incident, source):
            # Two sources of one page (JSON and its feed) see the same incident: the one that
            # first recorded it keeps its fields, so they never flip between two readings
            # of the same facts. The other adds updates, aliases and components.
            values = {}
        elif parsed.partial:
            # A feed guesses the impact and may know only a late update: it may raise the
            # impact but never lowers it, and never moves the start later.
            if Impact(incident.impact).as_status().severity >= parsed.impact.as_status().severity:
                values.pop("impact")
            if incident.started_at <= parsed.started_at:
                values.pop("started_at")
        changed_fields = [
            name for name, value in values.items() if getattr(incident, name) != value
        ]
        aliases = sorted(set(incident.aliases) | set(parsed.aliases) - {incident.external_id})
        if aliases != sorted(incident.aliases):
            incident.aliases = aliases
            changed_fields.append("aliases")
        if incident.source_id is None and incident.provenance != Incident.Provenance.ARCHIVE:
            incident.source = source
            changed_fields.append("source")
        for name in changed_fields:
            if name in values:
                setattr(incident, name, values[name])
        if changed_fields:
            incident.save(update_fields=[*changed_fields, "updated_at"])
        changed = bool(changed_fields)

    existing_keys = known.update_keys[incident.pk]
    new_updates = [
        IncidentUpdate(
            incident=incident,
            key=update.key,
            status=update.status.value,
            body=update.body,
            at=update.at,
        )
        for update in parsed.updates
        if update.key not in existing_keys
    ]
    # A payload repeating one key: keep the first.
    unique_updates = list({update.key: update for update in reversed(new_updates)}.values())
    if unique_updates:
        IncidentUpdate.objects.bulk_create(unique_updates)
        existing_keys.update(update.key for update in unique_updates)
        outcome.new_updates += len(unique_updates)

    linked = [components_by_id[cid] for cid in parsed.component_ids if cid in components_by_id]
    if parsed.component_names:
        by_name = {c.name: c for c in components_by_id.values()}
        linked += [by_name[name] for name in parsed.component_names if name in by_name]
    if linked:
        current = known.component_ids[incident.pk]
        missing = [component for component in linked if component.pk not in current]
        if missing:
            incident.components.add(*missing)
            current.update(component.pk for component in missing)

    if was_open and not incident.is_open:
        outcome.incidents_resolved.append(incident)
    elif incident not in outcome.incidents_opened and (changed or unique_updates):
        outcome.incidents_updated.append(incident)


def _close_vanished_incidents(
    provider: Provider, source: Source, seen: set[str], at: datetime, outcome: PollOutcome
) -> None:
    vanished = (
        Incident.objects.open()
        .filter(provider=provider, source=source)
        .exclude(external_id__in=seen)
    )
    for incident in vanished:
        if set(incident.aliases).intersection(seen):
            continue
        incident.status = (
            IncidentStatus.COMPLETED.value
            if incident.is_maintenance
            else IncidentStatus.RESOLVED.value
        )
        incident.resolved_at = at
        incident.save(update_fields=["status", "resolved_at", "updated_at"])
        outcome.incidents_resolved.append(incident)
