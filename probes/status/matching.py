"""Which stored incidents and updates a parsed page speaks of.

Two sources of one page (its JSON API and its feed) describe the same incidents and updates
with different ids and wording. An incident is matched by the page's id or one of its aliases;
an update by its key, or else by what it says and when (`same_update`), so each is stored
once whichever source saw it first.
"""

from __future__ import annotations

from collections.abc import Sequence

from probes.models import Incident, IncidentUpdate, Provider, Source
from probes.parsers.types import ParsedIncident


class KnownIncidents:
    """The provider's incidents by id and by alias, read once per recording.

    Looking incidents up one by one (and scanning every alias for each) made a large history
    list cost seconds; here a whole page needs a handful of queries.
    """

    def __init__(self, provider: Provider, parsed: Sequence[ParsedIncident]) -> None:
        rows = list(
            Incident.objects.filter(provider=provider).values_list("pk", "external_id", "aliases")
        )
        self.pk_by_id: dict[str, int] = {}
        # Aliases first, so that an incident's own external id wins over another's alias.
        for pk, _external_id, aliases in rows:
            for alias in aliases or ():
                self.pk_by_id.setdefault(alias, pk)
        for pk, external_id, _aliases in rows:
            self.pk_by_id[external_id] = pk
        wanted = {self._match(incident) for incident in parsed} - {None}
        self.incidents: dict[int, Incident] = Incident.objects.in_bulk(wanted)
        self.update_keys: dict[int, set[str]] = {pk: set() for pk in self.incidents}
        for incident_id, key in IncidentUpdate.objects.filter(
            incident_id__in=self.incidents
        ).values_list("incident_id", "key"):
            self.update_keys[incident_id].add(key)
        through = Incident.components.through
        self.component_ids: dict[int, set[int]] = {pk: set() for pk in self.incidents}
        for incident_id, component_id in through.objects.filter(
            incident_id__in=self.incidents
        ).values_list("incident_id", "component_id"):
            self.component_ids[incident_id].add(component_id)
        self.enabled_sources = set(
            Source.objects.filter(provider=provider, enabled=True).values_list("pk", flat=True)
        )

    def _match(self, parsed: ParsedIncident) -> int | None:
        for key in (parsed.external_id, *parsed.aliases):
            if key in self.pk_by_id:
                return self.pk_by_id[key]
        return None

    def find(self, parsed: ParsedIncident) -> Incident | None:
        pk = self._match(parsed)
        if pk is None:
            return None
        if pk not in self.incidents:
            # Created earlier in this same recording (a payload listing one incident twice).
            self.incidents[pk] = Incident.objects.get(pk=pk)
        return self.incidents[pk]

    def remember(self, incident: Incident) -> None:
        self.incidents[incident.pk] = incident
        self.update_keys.setdefault(incident.pk, set())
        self.component_ids.setdefault(incident.pk, set())
        for key in (incident.external_id, *incident.aliases):
            self.pk_by_id.setdefault(key, incident.pk)

    def owned_by_another_source(self, incident: Incident, source: Source) -> bool:
        if incident.source_id is None or incident.source_id == source.pk:
            return False
        # An owner that is switched off no longer speaks for the incident.
        return incident.source_id in self.enabled_sources
