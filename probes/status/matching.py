"""Which stored incidents and updates a parsed page speaks of.

Two sources of one page (its JSON API and its feed) describe the same incidents and updates
with different ids and wording. An incident is matched by the page's id or one of its aliases;
an update by its key, or else by what it says and when (`same_update`), so each is stored
once whichever source saw it first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models.functions import Substr

from probes.models import Incident, IncidentUpdate, Provider, Source
from probes.parsers.types import ParsedIncident, ParsedUpdate

# Formats that see only part of an incident (no impact level, maybe only its latest update).
# An incident one of them recorded first is taken over by a fuller source of the same page.
FEED_FORMATS = frozenset(
    {"statuspage_feed", "incidentio_feed", "google_cloud_feed", "aws_rss", "azure_status", "feed"}
)
# A feed prints an update's time to the minute (Statuspage) or as its own entry time: the same
# update read from the API and from the feed lands this close.
SAME_UPDATE_WINDOW = timedelta(minutes=2)
# How much of an update's text is compared, after normalising (see `update_text`).
COMPARED_CHARS = 160
# Below this many compared characters, one text starting with the other is not a match.
MIN_PREFIX_CHARS = 30

_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_NOT_WORD = re.compile(r"[\W_]+")


def update_text(body: str) -> str:
    """An update's text reduced to what survives every rendering of it.

    The API gives Markdown or plain text; a feed gives the rendered HTML, which we turn to
    text. Links keep their label, case and everything but letters and digits go.
    """
    text = _MARKDOWN_LINK.sub(r"\1", body[: COMPARED_CHARS * 4])
    return _NOT_WORD.sub("", text.lower())[:COMPARED_CHARS]


@dataclass(frozen=True, slots=True)
class StoredUpdate:
    key: str
    status: str
    at: datetime
    text: str
    source_id: int | None


def same_update(stored: StoredUpdate, parsed: ParsedUpdate) -> bool:
    """Whether `parsed` is `stored` as another source of the page words it.

    The status is not compared: a feed labels an update that keeps the state "Update" where
    the API repeats the state ("identified").
    """
    if abs(parsed.at - stored.at) > SAME_UPDATE_WINDOW:
        return False
    text = update_text(parsed.body)
    if text == stored.text:
        # Two empty bodies in the same minutes are one update only if they say the same state.
        return bool(text) or parsed.status.value == stored.status
    shorter = min(len(text), len(stored.text))
    return shorter >= MIN_PREFIX_CHARS and (
        text.startswith(stored.text) or stored.text.startswith(text)
    )


class KnownIncidents:
    """The provider's incidents by id and by alias, read once per recording.

    Looking incidents up one by one (and scanning every alias for each) made a large history
    list cost seconds; here a whole page needs a handful of queries.
    """

    def __init__(
        self,
        provider: Provider,
        parsed: Sequence[ParsedIncident],
        sources: Sequence[Source] | None = None,
    ) -> None:
        """`sources`: the provider's enabled sources, when the caller has read them."""
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
        self.incidents: dict[int, Incident] = {}
        self.update_keys: dict[int, set[str]] = {}
        self.updates: dict[int, list[StoredUpdate]] = {}
        self.component_ids: dict[int, set[int]] = {}
        self._load({self._match(incident) for incident in parsed} - {None})
        self.enabled_sources: set[int] = set()
        self.feed_sources: set[int] = set()
        enabled = (
            [(source.pk, source.kind, source.detected_format) for source in sources]
            if sources is not None
            else Source.objects.filter(provider=provider, enabled=True).values_list(
                "pk", "kind", "detected_format"
            )
        )
        for pk, kind, detected in enabled:
            self.enabled_sources.add(pk)
            if (detected if kind == Source.Kind.AUTO else kind) in FEED_FORMATS:
                self.feed_sources.add(pk)

    def _load(self, pks: set[int | None]) -> None:
        """Read these incidents with their update keys, update texts and component links."""
        wanted = {pk for pk in pks if pk is not None and pk not in self.incidents}
        if not wanted:
            return
        self.incidents.update(Incident.objects.in_bulk(wanted))
        for pk in wanted:
            self.update_keys[pk] = set()
            self.updates[pk] = []
            self.component_ids[pk] = set()
        for incident_id, key, status, at, head, source_id in IncidentUpdate.objects.filter(
            incident_id__in=wanted
        ).values_list(
            "incident_id", "key", "status", "at", Substr("body", 1, COMPARED_CHARS * 4), "source"
        ):
            self.update_keys[incident_id].add(key)
            self.updates[incident_id].append(
                StoredUpdate(key, status, at, update_text(head), source_id)
            )
        through = Incident.components.through
        for incident_id, component_id in through.objects.filter(incident_id__in=wanted).values_list(
            "incident_id", "component_id"
        ):
            self.component_ids[incident_id].add(component_id)

    def _match(self, parsed: ParsedIncident) -> int | None:
        for key in (parsed.external_id, *parsed.aliases):
            if key in self.pk_by_id:
                return self.pk_by_id[key]
        return None

    def find(self, parsed: ParsedIncident) -> Incident | None:
        return self._get(self._match(parsed))

    def find_id(self, external_id: str) -> Incident | None:
        """The incident stored under this id or alias, if any."""
        return self._get(self.pk_by_id.get(external_id))

    def _get(self, pk: int | None) -> Incident | None:
        if pk is None:
            return None
        # Not among the incidents read up front: one more to read.
        self._load({pk})
        return self.incidents.get(pk)

    def remember(self, incident: Incident) -> None:
        self.incidents[incident.pk] = incident
        self.update_keys.setdefault(incident.pk, set())
        self.updates.setdefault(incident.pk, [])
        self.component_ids.setdefault(incident.pk, set())
        for key in (incident.external_id, *incident.aliases):
            self.pk_by_id.setdefault(key, incident.pk)

    def owned_by_another_source(self, incident: Incident, source: Source) -> bool:
        if incident.source_id is None or incident.source_id == source.pk:
            return False
        # An owner that is switched off no longer speaks for the incident.
        return incident.source_id in self.enabled_sources

    def takes_over(self, incident: Incident, source: Source, parsed: ParsedIncident) -> bool:
        """Whether `source` becomes the incident's owner: a full reading (an API, with impact
        and all updates) replaces a feed's partial one, whichever was polled first."""
        return (
            self.owned_by_another_source(incident, source)
            and incident.source_id in self.feed_sources
            and source.pk not in self.feed_sources
            and not parsed.partial
        )

    def new_updates(
        self, incident: Incident, parsed: ParsedIncident, source: Source
    ) -> list[ParsedUpdate]:
        """The parsed updates not stored yet: not by key, nor as another source worded them.

        Each stored update stands for at most one parsed update (the nearest in time), so two
        alike updates a few minutes apart stay two. Updates this source stored itself match by
        key only. Remembers what it returns as stored; a key repeated in the payload counts once.
        """
        stored = self.updates[incident.pk]
        keys = self.update_keys[incident.pk]
        paired: set[int] = set()
        fresh: list[ParsedUpdate] = []
        for update in parsed.updates:
            if update.key in keys:
                continue
            candidates = [
                (abs(update.at - known.at), index)
                for index, known in enumerate(stored)
                if index not in paired
                and known.source_id != source.pk
                and same_update(known, update)
            ]
            if candidates:
                paired.add(min(candidates)[1])
                continue
            fresh.append(update)
            keys.add(update.key)
            stored.append(
                StoredUpdate(
                    update.key, update.status.value, update.at, update_text(update.body), source.pk
                )
            )
            paired.add(len(stored) - 1)
        return fresh
