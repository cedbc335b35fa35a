"""Persistence for poll results: idempotent upserts and exact status transitions.

Everything here runs inside one transaction per poll. Writing the same page twice changes
nothing: rows are compared before they are written, and a StatusChange is created only when a
status really changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from probes import signals
from probes.models import Component, Incident, Provider, Source
from probes.parsers.types import (
    ParsedIncident,
    ParsedPage,
)
from probes.signals import PollOutcome
from probes.status.component_recording import record_components
from probes.status.headline import refresh_provider_status
from probes.status.incidents import (
    STATELESS_KEY,
    IncidentRecording,
    close_aged_stateless,
    expire_stateless,
    open_with_last_word,
)
from probes.status.provider_rows import load_provider_rows
from probes.status.resolution import PENDING_KEY, RETRY_WINDOW, Resolutions


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str = ""
    last_modified: str = ""
    body_hash: str = ""


@dataclass(frozen=True, slots=True)
class AlreadyRecorded:
    """Incidents of a page (`external_ids`) read from the very entries of the page whose body
    hash is `body_hash` (probes.status.known_entries): if the source's recorded body hash is
    that one, they are stored as they read, and upserting them again would write nothing."""

    body_hash: str = ""
    external_ids: frozenset[str] = frozenset()


@transaction.atomic
def record_poll(
    source: Source,
    page: ParsedPage,
    *,
    at: datetime,
    validators: Validators = Validators(),
    detected_format: str = "",
    provenance: str = Incident.Provenance.LIVE,
    resolutions: Resolutions | None = None,
    already: AlreadyRecorded = AlreadyRecorded(),
) -> PollOutcome:
    """Store a parsed page for `source`. Idempotent: the same page twice writes nothing new.

    `resolutions` holds what the incidents' own endpoints said about incidents that left the
    page or still await their final text (probes.status.resolution). `already`: incidents
    left alone when the source's last recorded page is the one it names.
    """
    resolutions = resolutions or {}
    # Lock the source row: two workers recording the same source queue up here instead of
    # both inserting the same incident.
    locked = Source.objects.select_for_update().select_related("provider").get(pk=source.pk)
    provider = locked.provider
    outcome = PollOutcome(source_recovered=locked.is_failing, provider_locked=True)
    # Read under the lock: the body hash says which page the stored incidents come from.
    stored = already.external_ids if already.body_hash == locked.body_hash != "" else frozenset()
    to_write = [parsed for parsed in page.incidents if parsed.external_id not in stored]

    # One read of the provider's components, for their states and the incidents' links.
    components = {c.external_id: c for c in Component.objects.filter(provider=provider)}
    if page.has_component_states:
        outcome.component_changes = record_components(
            provider, locked, page.components, at, components
        )
    finals = [final for final in resolutions.values() if final is not None]
    # Read once for the incidents' owners and the headline (this source's row is brought up
    # to date below, as written).
    sources = list(Source.objects.filter(provider=provider, enabled=True))
    recording = IncidentRecording.start(
        provider,
        locked,
        [*to_write, *finals],
        outcome=outcome,
        provenance=provenance,
        components=list(components.values()),
        sources=sources,
    )
    impacts_before = _impact_signatures(recording)
    # Stateless incidents left alone still age: close_aged_stateless finds them below.
    for parsed in to_write:
        recording.upsert(expire_stateless(parsed, at))
    # One read of the source's open incidents, after the upserts, for both ways they close.
    open_here = open_with_last_word(locked)
    close_aged_stateless(locked, at, outcome, open_here)
    if page.lists_all_open_incidents:
        seen = {parsed.external_id for parsed in page.incidents}
        recording.close_vanished(seen, at, resolutions, open_here)
    recording.apply_late(resolutions)
    outcome.impacts_changed_from = _impacts_changed_from(impacts_before, recording, outcome)
    outcome.impacts_compared = True

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
    for row in (source, *(row for row in sources if row.pk == locked.pk)):
        for name, value in fields.items():
            setattr(row, name, value)

    _refresh_headline(
        provider, outcome, at=at, sources=sources, components=components.values(), locked=True
    )
    signals.poll_recorded.send(sender=Source, source=source, outcome=outcome, at=at)
    return outcome


def _refresh_headline(
    provider: Provider,
    outcome: PollOutcome,
    *,
    at: datetime,
    sources: Sequence[Source] | None = None,
    components: Iterable[Component] | None = None,
    locked: bool = False,
) -> None:
    """The provider's status after this poll's writes, from one read of its rows (or the
    `sources` and `components` the recording read and kept up to date), which the outcome
    carries on to the receivers of poll_recorded. `locked`: `provider` was read with the
    source's row lock (the select_related join locks its row too; SQLite's write lock is taken
    at BEGIN), so its stored status need not be read again."""
    outcome.rows = load_provider_rows(provider, sources=sources, components=components)
    outcome.provider_change = refresh_provider_status(
        provider, at=at, rows=outcome.rows, locked=locked
    )


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
    recording = IncidentRecording.start(
        provider, locked, incidents, outcome=outcome, provenance=provenance
    )
    for parsed in incidents:
        recording.upsert(parsed)
    _refresh_headline(provider, outcome, at=at, locked=True)
    return outcome


@transaction.atomic
def record_unchanged(
    source: Source,
    *,
    at: datetime,
    validators: Validators,
    resolutions: Resolutions | None = None,
) -> PollOutcome:
    """The page has not changed since the last good poll: only freshness moves (and final
    texts of incidents closed earlier, when `resolutions` brings them)."""
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
    if resolutions:
        locked = Source.objects.select_for_update().select_related("provider").get(pk=source.pk)
        finals = [final for final in resolutions.values() if final is not None]
        IncidentRecording.start(
            locked.provider, locked, finals, outcome=outcome, provenance=Incident.Provenance.LIVE
        ).apply_late(resolutions)
    close_aged_stateless(source, at, outcome, open_with_last_word(source))
    if was_failing or outcome.incidents_resolved:
        _refresh_headline(source.provider, outcome, at=at)
    signals.poll_recorded.send(sender=Source, source=source, outcome=outcome, at=at)
    return outcome


def needs_own_unchanged(sources: Sequence[Source], *, at: datetime) -> set[int]:
    """Of unchanged `sources`, the pks that `record_unchanged_batch` cannot take: failing ones
    (their recovery moves the headline), and ones with incidents whose final text is awaited
    or whose open state ages out (their unchanged poll still writes incidents). Two queries
    for the whole batch."""
    own = {source.pk for source in sources if source.is_failing}
    pks = [source.pk for source in sources]
    own.update(
        Incident.objects.filter(
            source_id__in=pks,
            resolved_at__gte=at - RETRY_WINDOW,
            **{f"details__{PENDING_KEY}__pending": True},
        ).values_list("source_id", flat=True)
    )
    own.update(
        Incident.objects.open()
        .filter(source_id__in=pks, **{f"details__{STATELESS_KEY}": True})
        .values_list("source_id", flat=True)
    )
    return own


@transaction.atomic
def record_unchanged_batch(
    entries: Sequence[tuple[Source, Validators]], *, at: datetime
) -> list[PollOutcome]:
    """`record_unchanged` for many readable sources at once (none of `needs_own_unchanged`):
    only freshness moves, in one UPDATE for the batch (and one more per new set of
    validators). Each source's poll_recorded is still sent, in the same transaction."""
    fields: dict[str, object] = {
        "last_polled_at": at,
        "last_success_at": at,
        "last_error": "",
        "error_since": None,
        "consecutive_failures": 0,
    }
    groups: dict[tuple[str, str] | None, list[Source]] = defaultdict(list)
    for source, validators in entries:
        kept = (validators.etag[:500], validators.last_modified[:100])
        moved = (validators.etag or validators.last_modified) and kept != (
            source.etag,
            source.last_modified,
        )
        groups[kept if moved else None].append(source)
    for validators_kept, sources in groups.items():
        values = dict(fields)
        if validators_kept is not None:
            values["etag"], values["last_modified"] = validators_kept
        Source.objects.filter(pk__in=[source.pk for source in sources]).update(**values)
        for source in sources:
            for name, value in values.items():
                setattr(source, name, value)
    outcomes = []
    for source, _validators in entries:
        outcome = PollOutcome()
        signals.poll_recorded.send(sender=Source, source=source, outcome=outcome, at=at)
        outcomes.append(outcome)
    return outcomes


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
    _refresh_headline(source.provider, outcome, at=at)
    signals.poll_recorded.send(sender=Source, source=source, outcome=outcome, at=at)
    return outcome


ImpactSignature = tuple[datetime, datetime | None, str, bool, str, frozenset[int]]


def _impact_signatures(recording: IncidentRecording) -> dict[int, ImpactSignature]:
    """What each incident read for this recording says about uptime, copied (the recording
    changes the incidents in place)."""
    return {
        pk: _impact_signature(incident, recording.known.component_ids.get(pk, set()))
        for pk, incident in recording.known.incidents.items()
    }


def _impact_signature(incident: Incident, component_ids: set[int]) -> ImpactSignature:
    details = incident.details if isinstance(incident.details, dict) else {}
    return (
        incident.started_at,
        incident.resolved_at,
        incident.impact,
        incident.is_maintenance,
        repr(details.get("component_impacts")),
        frozenset(component_ids),
    )


def _impacts_changed_from(
    before: dict[int, ImpactSignature], recording: IncidentRecording, outcome: PollOutcome
) -> datetime | None:
    """The earliest moment whose incident impacts this recording changed; None when none did.

    An incident read before and after with only its end moved changed the time from the
    earlier of the two ends; one with anything else changed, or not read before (new, or
    closed from a fresh read), changed the time from its start.
    """
    incidents = {
        incident.pk: incident
        for incident in [
            *recording.known.incidents.values(),
            *outcome.incidents_opened,
            *outcome.incidents_updated,
            *outcome.incidents_resolved,
        ]
    }
    moments: list[datetime] = []
    for pk, incident in incidents.items():
        old = before.get(pk)
        new = _impact_signature(incident, recording.known.component_ids.get(pk, set()))
        if old == new:
            continue
        if old is None:
            moments.append(incident.started_at)
        elif old[0] == new[0] and old[2:] == new[2:]:
            ends = [end for end in (old[1], new[1]) if end is not None]
            moments.append(min(ends))
        else:
            moments.append(min(incident.started_at, old[0]))
    return min(moments, default=None)
