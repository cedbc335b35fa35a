"""Backfill: import the past incidents a provider's sources offer.

Any parser in `probes.parsers.PARSERS` can feed it: for each source we work out a history URL
(`history_targets`) and the format to read it with, fetch it through the one HTTP seam, parse
it with that format's parser and store the incidents with `recording.record_incidents`:

* a Statuspage or incident.io `.../api/v2/summary.json` source → `.../api/v2/incidents.json`
  (the recent incidents, resolved ones included, with every update);
* a source that already is a history list or a feed (an `incidents.json`, a `history.atom`,
  an RSS feed) → that URL itself, with the source's own format.

Backfilled incidents get provenance "backfill"; one a live poll or the archive already stored
(same external id or alias) is merged, never duplicated, and an archived incident keeps its
curated text. Running it twice adds nothing the second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from probes import outbound
from probes.history import rollups
from probes.models import Incident, Source
from probes.parsers import PARSERS, ParseError, detect_format
from probes.parsers.payload import ParseTimeout, time_budget
from probes.parsers.types import ParsedIncident
from probes.status import recording

JSON_HISTORY_FORMATS = {"statuspage", "incidentio"}


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    # The format to parse with; "" means detect it.
    format: str


@dataclass
class BackfillResult:
    source: Source
    url: str
    error: str = ""
    seen: int = 0
    created: list[Incident] = field(default_factory=list)
    updated: list[Incident] = field(default_factory=list)
    new_updates: int = 0

    def __str__(self) -> str:
        if self.error:
            return f"error: {self.error}"
        return (
            f"{self.seen} incidents read: {len(self.created)} new, {len(self.updated)} updated, "
            f"{self.new_updates} new updates"
        )


def history_targets(source: Source) -> list[Target]:
    """Where the source's past incidents can be read, and with which format."""
    parts = urlsplit(source.url)
    path = parts.path
    fmt = source.format
    if path.endswith("/api/v2/summary.json") and (fmt in JSON_HISTORY_FORMATS or not fmt):
        history = path[: -len("summary.json")] + "incidents.json"
        return [Target(urlunsplit(parts._replace(path=history, query="")), fmt)]
    # Anything else (an incidents list, a history feed) is its own history.
    return [Target(source.url, fmt)]


def parse_history(target: Target, content: bytes, source: Source) -> list[ParsedIncident]:
    """Parse a history document with the target's format (detected when unknown)."""
    filters = source.filters if isinstance(source.filters, dict) else {}
    if target.format:
        parser = PARSERS.get(target.format)
        if parser is None:
            raise ParseError(f"no parser for format {target.format!r}")
        page = parser(content, filters)
    else:
        _, page = detect_format(content, filters)
    return list(page.incidents)


def backfill_source(
    source: Source, *, now: datetime | None = None, target: Target | None = None
) -> list[BackfillResult]:
    """Fetch, parse and store the history of one source. Never raises for a bad answer."""
    now = now or timezone.now()
    results = []
    for each in [target] if target else history_targets(source):
        result = BackfillResult(source=source, url=each.url)
        results.append(result)
        try:
            fetched = outbound.fetch(each.url)
        except outbound.FetchError as error:
            result.error = f"fetch failed ({error.kind}): {error}"
            continue
        if not 200 <= fetched.status_code < 300:
            result.error = f"HTTP {fetched.status_code} from {fetched.url}"
            continue
        try:
            # The same budget as a poll: a hostile history document cannot hold the command.
            with time_budget(settings.AIWATCH_PARSE_SECONDS):
                incidents = parse_history(each, fetched.content, source)
        except (ParseError, ParseTimeout) as error:
            result.error = f"unreadable: {error}"
            continue
        result.seen = len(incidents)
        incidents = drop_known_updates(source, incidents)
        known = set(Incident.objects.filter(provider=source.provider).values_list("pk", flat=True))
        outcome = recording.record_incidents(
            source, incidents, at=now, provenance=Incident.Provenance.BACKFILL
        )
        result.created = list(
            Incident.objects.filter(provider=source.provider).exclude(pk__in=known)
        )
        result.updated = [
            incident
            for incident in outcome.incidents_updated + outcome.incidents_resolved
            if incident.pk in known
        ]
        result.new_updates = outcome.new_updates
        _keep_component_impacts(source, incidents)
        touched = {incident.pk: incident for incident in result.created + result.updated}
        rollups.refresh_incident_days(list(touched.values()), now=now)
    return results


def _keep_component_impacts(source: Source, incidents: list[ParsedIncident]) -> None:
    # recording stores an incident's component list; the per-component impact windows that
    # some history sources give are kept on details for the uptime rollups.
    for parsed in incidents:
        if not parsed.component_impacts:
            continue
        impacts = [
            {
                "component_id": impact.component_id,
                "status": impact.status.value,
                "start_at": impact.start_at.isoformat(),
                "end_at": impact.end_at.isoformat() if impact.end_at else None,
            }
            for impact in parsed.component_impacts
        ]
        incident = Incident.objects.filter(
            provider=source.provider, external_id=parsed.external_id
        ).first()
        if incident is None or incident.provenance == Incident.Provenance.ARCHIVE:
            continue
        if incident.details.get("component_impacts") != impacts:
            incident.details = {**incident.details, "component_impacts": impacts}
            incident.save(update_fields=["details", "updated_at"])


def _words(text: str) -> str:
    # Markdown from JSON and text from a feed's HTML differ in markup, not in words.
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).casefold().translate(_KEEP_ALNUM)[:60]


_KEEP_ALNUM = {code: None for code in range(128) if not chr(code).isalnum()}


def drop_known_updates(source: Source, incidents: list[ParsedIncident]) -> list[ParsedIncident]:
    """Leave out updates an incident already has under another key.

    A page's JSON list and its history feed key the same post differently (the API's update
    id, a digest of the feed paragraph). A post with the same status, the same minute and the
    same words is the same post: it is stored once.
    """
    ids = {i.external_id for i in incidents} | {a for i in incidents for a in i.aliases}
    stored = list(
        Incident.objects.filter(provider=source.provider)
        .filter(Q(external_id__in=ids) | ~Q(aliases=[]))
        .prefetch_related("updates")
    )
    by_id: dict[str, Incident] = {}
    for incident in stored:
        for key in [incident.external_id, *incident.aliases]:
            by_id.setdefault(key, incident)
    result = []
    for parsed in incidents:
        match = next(
            (by_id[key] for key in [parsed.external_id, *parsed.aliases] if key in by_id), None
        )
        if match is None:
            result.append(parsed)
            continue
        known_keys = {update.key for update in match.updates.all()}
        seen = {
            (update.status, update.at.replace(second=0, microsecond=0), _words(update.body))
            for update in match.updates.all()
        }
        kept = tuple(
            update
            for update in parsed.updates
            if update.key in known_keys
            or (
                update.status.value,
                update.at.replace(second=0, microsecond=0),
                _words(update.body),
            )
            not in seen
        )
        result.append(replace(parsed, updates=kept) if len(kept) != len(parsed.updates) else parsed)
    return result
