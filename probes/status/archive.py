"""The shipped outage archive (aiwatch/archive.toml): read it, and load it into the database.

Reading is pure (`read_archive`: text in, dataclasses out, `ArchiveError` naming the entry and
field of a table of the wrong shape). The rules on values live on the model: `load_archive`
runs `Incident.full_clean()` and reports a ValidationError the same way. `load_archive` is
idempotent: it matches incidents by the provider's own id or any
alias, so an incident a live poll or a backfill already stored becomes the archived one (its
updates kept) instead of a duplicate, and running it twice writes nothing the second time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from probes import validation
from probes.history import rollups
from probes.models import Incident, IncidentUpdate, Provider
from probes.parsers.types import Impact, IncidentStatus
from probes.validation import describe_invalid

DEFAULT_PATH = Path(settings.BASE_DIR) / "aiwatch" / "archive.toml"


class ArchiveError(Exception):
    """The archive file is not valid; the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class Recovery:
    product: str
    at: datetime
    according_to: str


@dataclass(frozen=True, slots=True)
class SourceLink:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    status: IncidentStatus
    body: str


@dataclass(frozen=True, slots=True)
class UpstreamRef:
    provider: str
    id: str


@dataclass(frozen=True, slots=True)
class ArchivedIncident:
    provider: str
    id: str
    title: str
    impact: Impact
    started_at: datetime
    resolved_at: datetime
    provider_name: str = ""
    aliases: tuple[str, ...] = ()
    times_verified: bool = True
    url: str = ""
    postmortem_url: str = ""
    root_cause: str = ""
    products: tuple[str, ...] = ()
    notes: str = ""
    upstream: tuple[UpstreamRef, ...] = ()
    recoveries: tuple[Recovery, ...] = ()
    sources: tuple[SourceLink, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    # Our own summary in other languages: {"fr": {"title": ..., "root_cause": ..., "notes": ...}}.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    def details(self) -> dict[str, Any]:
        """The JSON kept on Incident.details."""
        return {
            "products": list(self.products),
            "notes": self.notes,
            "times_verified": self.times_verified,
            "recoveries": [
                {"product": r.product, "at": r.at.isoformat(), "according_to": r.according_to}
                for r in self.recoveries
            ],
            "sources": [{"title": s.title, "url": s.url} for s in self.sources],
            "translations": self.translations,
        }


@dataclass
class LoadReport:
    providers_created: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    updates_added: int = 0


def read_archive(text: str) -> list[ArchivedIncident]:
    """Parse and validate archive TOML. Raises ArchiveError naming the first mistake."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ArchiveError(f"not valid TOML: {error}") from None
    entries = []
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(data.get("incident", [])):
        where = f"incident #{index + 1}"
        if not isinstance(raw, dict):
            raise ArchiveError(f"{where} is not a table")
        provider = _text(raw, "provider", where)
        incident_id = _text(raw, "id", where)
        where = f"incident {provider}/{incident_id}"
        if (provider, incident_id) in seen:
            raise ArchiveError(f"{where} appears twice")
        seen.add((provider, incident_id))
        impact_text = _text(raw, "impact", where)
        try:
            impact = Impact(impact_text)
        except ValueError:
            raise ArchiveError(
                f"{where}: impact {impact_text!r} is not one of "
                f"{', '.join(i.value for i in Impact)}"
            ) from None
        started_at = _time(raw, "started_at", where)
        resolved_at = _time(raw, "resolved_at", where)
        entries.append(
            ArchivedIncident(
                provider=provider,
                id=incident_id,
                title=_text(raw, "title", where),
                impact=impact,
                started_at=started_at,
                resolved_at=resolved_at,
                provider_name=_text(raw, "provider_name", where, required=False),
                aliases=tuple(_strings(raw, "aliases", where)),
                times_verified=_bool(raw, "times_verified", where),
                url=_link(raw, "url", where),
                postmortem_url=_link(raw, "postmortem_url", where),
                root_cause=_text(raw, "root_cause", where, required=False),
                products=tuple(_strings(raw, "products", where)),
                notes=_text(raw, "notes", where, required=False),
                upstream=tuple(
                    UpstreamRef(
                        _text(item, "provider", f"{where} upstream"),
                        _text(item, "id", f"{where} upstream"),
                    )
                    for item in _tables(raw, "upstream", where)
                ),
                recoveries=tuple(
                    Recovery(
                        product=_text(item, "product", f"{where} recovery"),
                        at=_time(item, "at", f"{where} recovery"),
                        according_to=_text(item, "according_to", f"{where} recovery"),
                    )
                    for item in _tables(raw, "recovery", where)
                ),
                sources=tuple(
                    SourceLink(
                        _text(item, "title", f"{where} source"),
                        _link(item, "url", f"{where} source"),
                    )
                    for item in _tables(raw, "source", where)
                ),
                translations=_translations(raw, where),
                timeline=tuple(
                    sorted(
                        (
                            _timeline(item, f"{where} timeline")
                            for item in _tables(raw, "timeline", where)
                        ),
                        key=lambda entry: entry.at,
                    )
                ),
            )
        )
    known = {(entry.provider, entry.id) for entry in entries}
    for entry in entries:
        for ref in entry.upstream:
            if (ref.provider, ref.id) not in known:
                raise ArchiveError(
                    f"incident {entry.provider}/{entry.id}: upstream {ref.provider}/{ref.id} "
                    "is not in the archive"
                )
    return entries


# The languages an incident's own summary may be given in, and what of it is translated.
TRANSLATED_LANGUAGES = ("fr",)
TRANSLATED_FIELDS = ("title", "root_cause", "notes")


def _translations(raw: dict[str, Any], where: str) -> dict[str, dict[str, str]]:
    found = {}
    for language in TRANSLATED_LANGUAGES:
        table = raw.get(language)
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ArchiveError(f"{where}: {language} must be a table")
        unknown = sorted(set(table) - set(TRANSLATED_FIELDS))
        if unknown:
            raise ArchiveError(f"{where}: {language} has unknown fields {', '.join(unknown)}")
        found[language] = {
            name: _text(table, name, f"{where} {language}", required=name == "title")
            for name in TRANSLATED_FIELDS
        }
    return found


def _text(raw: dict[str, Any], name: str, where: str, *, required: bool = True) -> str:
    value = raw.get(name, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ArchiveError(f"{where}: {name} must be a non-empty string")
    return value.strip()


def _link(raw: dict[str, Any], name: str, where: str) -> str:
    # The same rule as every stored link: these end up in hrefs and in the Atom feed's HTML.
    value = _text(raw, name, where, required=False)
    problem = validation.link_problem(value) if value else ""
    if problem:
        raise ArchiveError(f"{where}: {name} {value[:80]!r}: {problem}")
    return value


def _bool(raw: dict[str, Any], name: str, where: str) -> bool:
    value = raw.get(name, True)
    if not isinstance(value, bool):
        raise ArchiveError(f"{where}: {name} must be true or false")
    return value


def _time(raw: dict[str, Any], name: str, where: str) -> datetime:
    value = raw.get(name)
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ArchiveError(
            f"{where}: {name} must be a date-time with a zone, e.g. 2024-12-26T18:40:00Z"
        )
    return value.astimezone(UTC)


def _strings(raw: dict[str, Any], name: str, where: str) -> list[str]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ArchiveError(f"{where}: {name} must be a list of strings")
    return value


def _tables(raw: dict[str, Any], name: str, where: str) -> list[dict[str, Any]]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ArchiveError(f"{where}: {name} must be a list of tables")
    return value


def _timeline(item: dict[str, Any], where: str) -> TimelineEntry:
    status_text = _text(item, "status", where)
    try:
        status = IncidentStatus(status_text)
    except ValueError:
        raise ArchiveError(f"{where}: unknown status {status_text!r}") from None
    return TimelineEntry(
        at=_time(item, "at", where), status=status, body=_text(item, "body", where)
    )


def read_archive_file(path: Path = DEFAULT_PATH) -> list[ArchivedIncident]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ArchiveError(f"cannot read {path}: {error}") from None
    return read_archive(text)


def find_incident(provider: Provider, ids: list[str]) -> Incident | None:
    """The stored incident that any of `ids` names, as its own id or one of its aliases."""
    incident = Incident.objects.filter(provider=provider, external_id__in=ids).first()
    if incident is not None:
        return incident
    wanted = set(ids)
    for candidate in (
        Incident.objects.filter(provider=provider).exclude(aliases=[]).only("pk", "aliases")
    ):
        if wanted.intersection(candidate.aliases or []):
            return Incident.objects.get(pk=candidate.pk)
    return None


@transaction.atomic
def load_archive(entries: list[ArchivedIncident], *, now: datetime | None = None) -> LoadReport:
    """Store the archive. Idempotent; never duplicates an incident a poll or backfill stored."""
    now = now or timezone.now()
    report = LoadReport()
    stored: dict[tuple[str, str], Incident] = {}
    for entry in entries:
        provider = _provider(entry, report)
        incident, state, added = _upsert(provider, entry)
        stored[(entry.provider, entry.id)] = incident
        getattr(report, state).append(f"{entry.provider}/{entry.id}")
        report.updates_added += added

    for entry in entries:
        incident = stored[(entry.provider, entry.id)]
        wanted = {stored[(ref.provider, ref.id)].pk for ref in entry.upstream}
        current = set(incident.upstream_incidents.values_list("pk", flat=True))
        if wanted - current:
            incident.upstream_incidents.add(*(wanted - current))
            _mark_updated(report, entry)
        for ref in entry.upstream:
            # The incident says where the provider runs: keep the catalog's upstreams in step.
            upstream = stored[(ref.provider, ref.id)].provider
            if not incident.provider.upstreams.filter(pk=upstream.pk).exists():
                incident.provider.upstreams.add(upstream)

    changed = [
        stored[(entry.provider, entry.id)]
        for entry in entries
        if f"{entry.provider}/{entry.id}" not in report.unchanged
    ]
    rollups.refresh_incident_days(changed, now=now)
    return report


def _mark_updated(report: LoadReport, entry: ArchivedIncident) -> None:
    name = f"{entry.provider}/{entry.id}"
    if name in report.unchanged:
        report.unchanged.remove(name)
        report.updated.append(name)


def _provider(entry: ArchivedIncident, report: LoadReport) -> Provider:
    provider = Provider.objects.filter(slug=entry.provider).first()
    if provider is None:
        # The catalog normally has it; the archive must still load on its own.
        provider = Provider.objects.create(
            slug=entry.provider,
            name=entry.provider_name or entry.provider.replace("-", " ").title(),
            category=Provider.Category.INFRASTRUCTURE,
            notes="Created by the outage archive; no status source configured.",
        )
        report.providers_created.append(entry.provider)
    return provider


def _upsert(provider: Provider, entry: ArchivedIncident) -> tuple[Incident, str, int]:
    values: dict[str, Any] = {
        "title": entry.title,
        "impact": entry.impact.value,
        "status": IncidentStatus.RESOLVED.value,
        "started_at": entry.started_at,
        "resolved_at": entry.resolved_at,
        "url": entry.url,
        "postmortem_url": entry.postmortem_url,
        "root_cause": entry.root_cause,
        "details": entry.details(),
        "provenance": Incident.Provenance.ARCHIVE.value,
        "is_maintenance": False,
    }
    incident = find_incident(provider, [entry.id, *entry.aliases])
    if incident is None:
        incident = Incident(
            provider=provider, external_id=entry.id, aliases=list(entry.aliases), **values
        )
        _full_clean(incident, entry)
        incident.save()
        state = "created"
    else:
        changed = [name for name, value in values.items() if getattr(incident, name) != value]
        # A poll may have stored it under another id (e.g. a ULID alias): keep that id and
        # remember ours as an alias.
        aliases = sorted(
            (set(incident.aliases) | {entry.id, *entry.aliases}) - {incident.external_id}
        )
        if aliases != sorted(incident.aliases):
            incident.aliases = aliases
            changed.append("aliases")
        for name in changed:
            if name in values:
                setattr(incident, name, values[name])
        if changed:
            _full_clean(incident, entry)
            incident.save(update_fields=[*changed, "updated_at"])
        state = "updated" if changed else "unchanged"

    existing = {update.key: update for update in incident.updates.all()}
    added = 0
    for item in entry.timeline:
        key = f"archive:{item.at.isoformat()}"
        update = existing.get(key)
        if update is None:
            IncidentUpdate.objects.create(
                incident=incident, key=key, status=item.status.value, body=item.body, at=item.at
            )
            added += 1
        elif (update.status, update.body) != (item.status.value, item.body):
            update.status, update.body = item.status.value, item.body
            update.save(update_fields=["status", "body"])
            added += 1
    if added and state == "unchanged":
        state = "updated"
    return incident, state, added


def _full_clean(incident: Incident, entry: ArchivedIncident) -> None:
    try:
        incident.full_clean()
    except ValidationError as error:
        where = f"incident {entry.provider}/{entry.id}"
        raise ArchiveError(describe_invalid(error, incident, where)) from None
