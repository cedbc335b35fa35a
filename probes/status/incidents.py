"""Recording a page's incidents: upserts merged across the sources of one page, and closings.

Runs inside the recording transaction (probes.status.recording). An incident is stored once
however many sources of its page describe it (probes.status.matching), each update once, and
each change reaches the PollOutcome (and so the alert outbox) once: the owner of an incident
announces its closing, a resolution text arriving after the closing was announced is stored
without a second announcement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max

from probes.models import Component, Incident, IncidentUpdate, Provider, Source
from probes.parsers.types import Impact, IncidentStatus, ParsedIncident
from probes.signals import PollOutcome
from probes.status import resolution
from probes.status.matching import KnownIncidents

# Posts that only restate an incident's end. Added to an incident already closed (a feed or a
# retried fetch bringing the provider's resolution text late), they are not news again.
CLOSING_POSTS = frozenset({IncidentStatus.RESOLVED, IncidentStatus.COMPLETED})
#: Incident.details key: true while the incident is open only because it is recent (a feed
#: item that says nothing of its state), so that it closes once it is not, polled or not.
STATELESS_KEY = "stateless"


def open_window() -> timedelta:
    """How long an incident whose source gives no state counts as open after its last word."""
    return timedelta(hours=settings.AIWATCH_FEED_OPEN_HOURS)


def expire_stateless(parsed: ParsedIncident, at: datetime) -> ParsedIncident:
    """`parsed`, closed at its last word if it has no state and that word is too old."""
    if not parsed.stateless or not parsed.is_open:
        return parsed
    last = max([parsed.started_at, *(update.at for update in parsed.updates)])
    if at - last <= open_window():
        return parsed
    return replace(parsed, status=IncidentStatus.RESOLVED, resolved_at=last)


def open_with_last_word(source: Source) -> list[Incident]:
    """The source's open incidents, each with the time of its newest update (`last_word`)."""
    return list(
        Incident.objects.open().filter(source=source).annotate(last_word=Max("updates__at"))
    )


def close_aged_stateless(
    source: Source, at: datetime, outcome: PollOutcome, open_here: Sequence[Incident]
) -> None:
    """Close the source's stateless incidents whose last word is older than the window, also
    when the feed has not changed (an unchanged body is not parsed again). `open_here`: the
    source's open incidents, read with `open_with_last_word()`."""
    cutoff = at - open_window()
    aged = [i for i in open_here if (i.details or {}).get(STATELESS_KEY) is True]
    for incident in aged:
        last = max(incident.started_at, getattr(incident, "last_word", None) or incident.started_at)
        if last >= cutoff:
            continue
        incident.status = IncidentStatus.RESOLVED.value
        incident.resolved_at = last
        incident.details = {k: v for k, v in incident.details.items() if k != STATELESS_KEY}
        incident.save(update_fields=["status", "resolved_at", "details", "updated_at"])
        outcome.incidents_resolved.append(incident)


@dataclass
class IncidentRecording:
    """One source's incidents being recorded: what is needed to upsert them, and the outcome."""

    provider: Provider
    source: Source
    outcome: PollOutcome
    provenance: str
    known: KnownIncidents
    components_by_id: dict[str, Component] = field(default_factory=dict)
    # External ids closed by this recording (their final word, if any, is already applied).
    closed_now: set[str] = field(default_factory=set)

    @classmethod
    def start(
        cls,
        provider: Provider,
        source: Source,
        incidents: Sequence[ParsedIncident],
        *,
        outcome: PollOutcome,
        provenance: str,
        components: Sequence[Component] | None = None,
        sources: Sequence[Source] | None = None,
    ) -> IncidentRecording:
        """`components` are the provider's components, and `sources` its enabled sources, when
        the caller has read them already."""
        if components is None:
            components = list(Component.objects.filter(provider=provider))
        return cls(
            provider=provider,
            source=source,
            outcome=outcome,
            provenance=provenance,
            known=KnownIncidents(provider, incidents, sources),
            components_by_id={component.external_id: component for component in components},
        )

    def upsert(self, parsed: ParsedIncident) -> Incident:
        """Create or update the incident `parsed` describes, add its new updates and links."""
        known, source, outcome = self.known, self.source, self.outcome
        incident = known.find(parsed)
        values: dict[str, object] = {
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
        defers = created = False
        if incident is None:
            created = True
            incident = Incident.objects.create(
                provider=self.provider,
                source=source,
                external_id=parsed.external_id,
                aliases=list(parsed.aliases),
                provenance=self.provenance,
                details={STATELESS_KEY: True} if parsed.stateless and parsed.is_open else {},
                **values,
            )
            known.remember(incident)
            if incident.is_open:
                outcome.incidents_opened.append(incident)
            was_open = incident.is_open
            changed = False
        else:
            was_open = incident.is_open
            archived = incident.provenance == Incident.Provenance.ARCHIVE
            takes_over = not archived and known.takes_over(incident, source, parsed)
            defers = known.owned_by_another_source(incident, source) and not takes_over
            if archived:
                # The archive's curated times and wording stay; the source adds its updates.
                values = {}
            elif defers:
                # Two sources of one page (JSON and its feed) see the same incident: its owner
                # keeps its fields, so they never flip between two readings of the same facts.
                # The other adds updates, aliases and components.
                values = {}
            elif parsed.partial:
                # A feed guesses the impact and may know only a late update: it may raise the
                # impact but never lowers it, and never moves the start later.
                severity = Impact(incident.impact).as_status().severity
                if severity >= parsed.impact.as_status().severity:
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
            if not archived and (incident.source_id is None or takes_over):
                incident.source = source
                changed_fields.append("source")
            if values and bool(incident.details.get(STATELESS_KEY)) != (
                parsed.stateless and parsed.is_open
            ):
                details = {k: v for k, v in incident.details.items() if k != STATELESS_KEY}
                if parsed.stateless and parsed.is_open:
                    details[STATELESS_KEY] = True
                incident.details = details
                changed_fields.append("details")
            for name in changed_fields:
                if name in values:
                    setattr(incident, name, values[name])
            if changed_fields:
                incident.save(update_fields=[*changed_fields, "updated_at"])
            changed = bool(changed_fields)

        fresh = known.new_updates(incident, parsed, source)
        if fresh:
            IncidentUpdate.objects.bulk_create(
                [
                    IncidentUpdate(
                        incident=incident,
                        source=source,
                        key=update.key,
                        status=update.status.value,
                        body=update.body,
                        at=update.at,
                    )
                    for update in fresh
                ]
            )
            outcome.new_updates += len(fresh)
            if any(update.status in CLOSING_POSTS for update in fresh) and (
                resolution.clear_pending(incident)
            ):
                incident.save(update_fields=["details", "updated_at"])
        self._link_components(incident, parsed)

        news = [update for update in fresh if update.status not in CLOSING_POSTS]
        if was_open and not incident.is_open:
            outcome.incidents_resolved.append(incident)
        elif created or incident in outcome.incidents_opened:
            # New to us: announced as opened if open; history seen for the first time is not
            # news.
            pass
        elif not was_open and not incident.is_open:
            # Closed before and after: its closing was announced; only a real post (a
            # postmortem) is news, not the resolution text arriving late.
            if news:
                outcome.incidents_updated.append(incident)
        elif defers and not news:
            # Another source owns the incident and still lists it open; the owner announces
            # its closing, so a closing post seen here first is stored, not announced.
            pass
        elif changed or fresh:
            outcome.incidents_updated.append(incident)
        return incident

    def _link_components(self, incident: Incident, parsed: ParsedIncident) -> None:
        by_id = self.components_by_id
        linked = [by_id[cid] for cid in parsed.component_ids if cid in by_id]
        if parsed.component_names:
            by_name = {c.name: c for c in by_id.values()}
            linked += [by_name[name] for name in parsed.component_names if name in by_name]
        if linked:
            current = self.known.component_ids[incident.pk]
            missing = [component for component in linked if component.pk not in current]
            if missing:
                incident.components.add(*missing)
                current.update(component.pk for component in missing)

    def close_vanished(
        self,
        seen: set[str],
        at: datetime,
        resolutions: resolution.Resolutions,
        open_here: Sequence[Incident],
    ) -> None:
        """Close the source's open incidents a page listing every open one no longer lists.

        With the provider's own final word (from `resolutions`) the incident closes as the
        provider wrote it; without, it closes now with what we have and waits for the text.
        `open_here`: the source's open incidents, read after this recording's upserts (those
        closed since are skipped).
        """
        vanished = [i for i in open_here if i.is_open and i.external_id not in seen]
        for incident in vanished:
            if set(incident.aliases).intersection(seen):
                continue
            self.closed_now.add(incident.external_id)
            final = resolutions.get(incident.external_id)
            if final is not None and not final.is_open:
                self.upsert(final)
                continue
            incident.status = (
                IncidentStatus.COMPLETED.value
                if incident.is_maintenance
                else IncidentStatus.RESOLVED.value
            )
            incident.resolved_at = at
            fields = ["status", "resolved_at", "updated_at"]
            if resolution.awaits_text(self.source, incident):
                resolution.mark_pending(incident, asked=incident.external_id in resolutions)
                fields.append("details")
            incident.save(update_fields=fields)
            self.outcome.incidents_resolved.append(incident)

    def apply_late(self, resolutions: resolution.Resolutions) -> None:
        """Final words for incidents closed earlier without one; failed asks are counted."""
        for external_id, final in resolutions.items():
            if external_id in self.closed_now:
                continue
            incident = self.known.find_id(external_id)
            if incident is None or incident.is_open:
                continue  # listed again: not a late one
            if final is not None and not final.is_open:
                self.upsert(final)
                if resolution.clear_pending(incident):
                    incident.save(update_fields=["details", "updated_at"])
            elif resolution.PENDING_KEY in incident.details:
                resolution.note_failed_try(incident)
                incident.save(update_fields=["details", "updated_at"])
