"""The provider catalog as configuration: a TOML file read with tomllib, synced into the database.

Reading is pure (`read_catalog`: text in, dataclasses out, `CatalogError` for a table of the
wrong shape). The rules on values (ranges, choices, URLs the outbound seam accepts) live on the
models: `sync_catalog` builds the instances and runs `full_clean()`, so the catalog, the admin
and the API refuse the same things with the same words.

The catalog and the admin share the rows (README, "The catalog and the admin"): each provider
and source remembers the values the catalog last applied (`catalog_values`), and a sync changes a
field only while it still holds that value. A field edited in the admin keeps the edit. Sources
are matched by the URL the catalog last gave them, so re-pointing one (in the admin or in the
file) never creates a second copy.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from probes import audit, signals
from probes.models import Provider, Source
from probes.validation import describe_invalid


class CatalogError(Exception):
    """The catalog file is not valid; the message names the file, the entry and the field."""


@dataclass(frozen=True, slots=True)
class SourceEntry:
    url: str
    kind: str = "auto"
    interval_seconds: int = 120
    filters: Any = field(default_factory=dict)
    enabled: bool = True
    # Probe kinds only (http_probe, inference): what Source's probe fields hold.
    probe: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """The Source field values this entry sets."""
        return {
            "url": self.url,
            "kind": self.kind,
            "interval_seconds": self.interval_seconds,
            "filters": self.filters,
            "enabled": self.enabled,
            **self.probe,
        }


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    slug: str
    name: str
    url: str
    category: str
    capabilities: tuple[str, ...] = ()
    upstreams: tuple[str, ...] = ()
    notes: str = ""
    sources: tuple[SourceEntry, ...] = ()

    def values(self) -> dict[str, Any]:
        """The Provider field values this entry sets (upstreams are synced after all entries)."""
        return {
            "name": self.name,
            "url": self.url,
            "category": self.category,
            "capabilities": list(self.capabilities),
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class Catalog:
    providers: tuple[ProviderEntry, ...]
    # The whole parsed file: other apps read their own tables from it (alerts: [[channel]]).
    raw: dict[str, Any] = field(default_factory=dict)
    # Where it was read from, for error messages ("" for text read directly).
    path: str = ""


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    sources_created: int = 0
    sources_updated: int = 0
    # One line each about fields kept as the admin changed them, and from whoever else synced
    # part of the catalog (alert channels).
    notes: list[str] = field(default_factory=list)


def read_catalog(text: str, *, path: str = "") -> Catalog:
    """Parse catalog TOML and check its shape. Raises CatalogError naming the first mistake."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(_in_file(path, f"not valid TOML: {error}")) from None
    providers = []
    slugs: set[str] = set()
    for index, raw in enumerate(data.get("provider", [])):
        where = f"provider #{index + 1}"
        if not isinstance(raw, dict):
            raise CatalogError(_in_file(path, f"{where} is not a table"))
        slug = required_text(raw, "slug", where, path=path)
        where = f"provider {slug!r}"
        if slug in slugs:
            raise CatalogError(_in_file(path, f"{where} appears twice"))
        slugs.add(slug)
        providers.append(
            ProviderEntry(
                slug=slug,
                name=required_text(raw, "name", where, path=path),
                url=str(raw.get("url", "")),
                category=required_text(raw, "category", where, path=path),
                capabilities=tuple(text_list(raw, "capabilities", where, path=path)),
                upstreams=tuple(text_list(raw, "upstreams", where, path=path)),
                notes=str(raw.get("notes", "")),
                sources=tuple(
                    _read_source(source, f"{where} source #{number + 1}", path)
                    for number, source in enumerate(raw.get("source", []))
                ),
            )
        )
    for entry in providers:
        missing = set(entry.upstreams) - slugs
        if missing:
            raise CatalogError(
                _in_file(path, f"provider {entry.slug!r}: unknown upstreams {sorted(missing)}")
            )
    return Catalog(providers=tuple(providers), raw=data, path=path)


def _read_source(raw: Any, where: str, path: str) -> SourceEntry:
    if not isinstance(raw, dict):
        raise CatalogError(_in_file(path, f"{where} is not a table"))
    kind = str(raw.get("kind", "auto"))
    # Checked here (not only by the model) because the defaults below depend on it.
    if kind not in Source.Kind.values:
        raise CatalogError(_in_file(path, f"{where}: kind {kind!r} is not a known source kind"))
    # Probes default to every minute; status pages to every two.
    interval = raw.get("interval_seconds", 60 if kind in Source.PROBE_KINDS else 120)
    if not isinstance(interval, int) or isinstance(interval, bool):
        raise CatalogError(_in_file(path, f"{where}: interval_seconds must be a whole number"))
    return SourceEntry(
        url=required_text(raw, "url", where, path=path),
        kind=kind,
        interval_seconds=interval,
        filters=raw.get("filters", {}),
        enabled=bool(raw.get("enabled", True)),
        probe=_read_probe_fields(raw, kind, where, path),
    )


# Catalog key -> the TOML type of the Source field it sets, for probe sources.
PROBE_FIELDS: dict[str, type] = {
    "method": str,
    "expected_statuses": str,
    "timeout_seconds": float,
    "api_shape": str,
    "api_key_env": str,
    "model": str,
    "max_tokens": int,
    "stream": bool,
}


def _read_probe_fields(raw: dict[str, Any], kind: str, where: str, path: str) -> dict[str, Any]:
    present = {key: raw[key] for key in PROBE_FIELDS if key in raw}
    if present and kind not in Source.PROBE_KINDS:
        raise CatalogError(_in_file(path, f"{where}: {sorted(present)} apply to probe kinds only"))
    probe: dict[str, Any] = {}
    for key, value in present.items():
        wanted = PROBE_FIELDS[key]
        if wanted is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            raise CatalogError(_in_file(path, f"{where}: {key} must be a {wanted.__name__}"))
        probe[key] = value
    return probe


# Table readers, shared with the apps that read their own tables (alerts.catalog).


def required_text(raw: dict[str, Any], key: str, where: str, *, path: str = "") -> str:
    """raw[key] as stripped, non-empty text, or CatalogError naming `where` and the key."""
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(_in_file(path, f"{where}: {key} is required and must be text"))
    return value.strip()


def text_list(raw: dict[str, Any], key: str, where: str, *, path: str = "") -> list[str]:
    """raw[key] (default empty) as a list of strings, or CatalogError."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CatalogError(_in_file(path, f"{where}: {key} must be a list of strings"))
    return value


def _in_file(path: str, message: str) -> str:
    return f"{path}: {message}" if path else message


def load_catalog_file(path: Path) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError(f"cannot read {path}: {error.strerror}") from None
    return read_catalog(text, path=str(path))


@transaction.atomic
def sync_catalog(catalog: Catalog) -> SyncReport:
    """Create or update providers by slug and their sources. Never deletes anything.

    Every instance is checked with `full_clean()` first; a ValidationError becomes a
    CatalogError naming the file, the entry and the field, and rolls the whole sync back.
    Then sends catalog_synced in the same transaction (alert channels sync there); a receiver
    raising CatalogError rolls the whole sync back too.
    """
    report = SyncReport()
    by_slug: dict[str, Provider] = {}
    for entry in catalog.providers:
        by_slug[entry.slug] = _sync_provider(catalog, entry, report)
        _sync_sources(catalog, by_slug[entry.slug], entry, report)
    for entry in catalog.providers:
        _sync_upstreams(by_slug[entry.slug], [by_slug[slug] for slug in entry.upstreams])
    signals.catalog_synced.send(sender=Catalog, catalog=catalog, report=report)
    return report


def _sync_provider(catalog: Catalog, entry: ProviderEntry, report: SyncReport) -> Provider:
    where = f"provider {entry.slug!r}"
    values = entry.values()
    provider = Provider.objects.filter(slug=entry.slug).first()
    if provider is None:
        provider = Provider(slug=entry.slug, catalog_values=values, **values)
        _full_clean(catalog, provider, where)
        provider.save()
        audit.log_catalog_write(provider, added=True)
        report.created.append(entry.slug)
        return provider
    _full_clean(catalog, _with_values(provider, values), where)
    changed, kept = apply_catalog_values(provider, values)
    if changed:
        _full_clean(catalog, provider, where)
        report.updated.append(entry.slug)
    else:
        report.unchanged.append(entry.slug)
    _save(provider, changed, values)
    _note_kept(report, where, kept)
    return provider


def _sync_sources(
    catalog: Catalog, provider: Provider, entry: ProviderEntry, report: SyncReport
) -> None:
    pairs = match_sources(list(Source.objects.filter(provider=provider).order_by("pk")), entry)
    for number, (source_entry, source) in enumerate(pairs):
        where = f"provider {entry.slug!r} source #{number + 1}"
        values = source_entry.values()
        if source is None:
            source = Source(provider=provider, catalog_values=values, **values)
            _full_clean(catalog, source, where)
            source.save()
            audit.log_catalog_write(source, added=True)
            report.sources_created += 1
            continue
        _full_clean(catalog, _with_values(source, values), where)
        changed, kept = apply_catalog_values(source, values)
        if "kind" in changed or "url" in changed:
            # Another format or another page: what was detected or cached no longer applies.
            source.detected_format = ""
            changed.append("detected_format")
        if "url" in changed:
            source.etag = source.last_modified = source.body_hash = ""
            changed += ["etag", "last_modified", "body_hash"]
        if changed:
            _full_clean(catalog, source, where)
            report.sources_updated += 1
        _save(source, changed, values)
        _note_kept(report, f"{where} ({source.url})", kept)


def match_sources(
    sources: list[Source], entry: ProviderEntry
) -> list[tuple[SourceEntry, Source | None]]:
    """Pair each source entry with the stored source it describes (None: a new one).

    In order: the source the catalog last gave this URL (an admin may have re-pointed it since),
    then a source at this URL (one added in the admin, or stored before the catalog remembered
    what it applied), then a source the catalog made whose URL left the file, of the same kind
    (the file re-pointed it).
    """
    free = list(sources)
    pairs: list[Source | None] = [None] * len(entry.sources)
    wanted = {source_entry.url for source_entry in entry.sources}

    def remembered_url(source: Source, source_entry: SourceEntry) -> bool:
        return source.catalog_values.get("url") == source_entry.url

    def current_url(source: Source, source_entry: SourceEntry) -> bool:
        return source.url == source_entry.url

    def left_the_file(source: Source, source_entry: SourceEntry) -> bool:
        applied = source.catalog_values
        return (
            bool(applied)
            and applied.get("url") not in wanted
            and (applied.get("kind") == source_entry.kind)
        )

    for test in (remembered_url, current_url, left_the_file):
        for number, source_entry in enumerate(entry.sources):
            if pairs[number] is None:
                found = next((source for source in free if test(source, source_entry)), None)
                if found is not None:
                    pairs[number] = found
                    free.remove(found)
    return list(zip(entry.sources, pairs, strict=True))


def apply_catalog_values(
    instance: models.Model, values: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """Set each catalog value the admin has not changed since the catalog last applied it.

    Returns (fields changed, fields kept as the admin left them). A field with no remembered
    value (a row from before the catalog remembered, or one made in the admin) takes the
    catalog's value.
    """
    applied: dict[str, Any] = getattr(instance, "catalog_values", None) or {}
    changed, kept = [], []
    for name, value in values.items():
        current = getattr(instance, name)
        if current == value:
            continue
        if name in applied and applied[name] != current:
            kept.append(name)
            continue
        setattr(instance, name, value)
        changed.append(name)
    return changed, kept


def _with_values(instance: models.Model, values: dict[str, Any]) -> models.Model:
    """A copy holding every catalog value, to check the catalog's own values whatever the admin
    changed."""
    candidate = copy.copy(instance)
    for name, value in values.items():
        setattr(candidate, name, value)
    return candidate


def _save(instance: Provider | Source, changed: list[str], values: dict[str, Any]) -> None:
    fields = list(changed)
    remembered = {**instance.catalog_values, **values}
    if instance.catalog_values != remembered:
        instance.catalog_values = remembered
        fields.append("catalog_values")
    if fields:
        if isinstance(instance, Provider) and changed:
            fields.append("updated_at")
        instance.save(update_fields=fields)
    if changed:
        audit.log_catalog_write(instance, added=False, fields=changed)


def _sync_upstreams(provider: Provider, wanted: list[Provider]) -> None:
    """Add the upstreams the catalog lists; one the admin removed stays removed until the
    catalog lists it anew."""
    slugs = sorted(upstream.slug for upstream in wanted)
    applied = provider.catalog_values.get("upstreams")
    current = set(provider.upstreams.values_list("pk", flat=True))
    missing = [
        upstream
        for upstream in wanted
        if upstream.pk not in current and (applied is None or upstream.slug not in applied)
    ]
    if missing:
        provider.upstreams.add(*missing)
        audit.log_catalog_write(provider, added=False, fields=["upstreams"])
    if applied != slugs:
        provider.catalog_values = {**provider.catalog_values, "upstreams": slugs}
        provider.save(update_fields=["catalog_values"])


def _full_clean(catalog: Catalog, instance: models.Model, where: str) -> None:
    if isinstance(instance, Source):
        # Offline (no DNS): the catalog must load without a network; fetch checks again anyway.
        instance.resolve_url_on_clean = False
    try:
        instance.full_clean()
    except ValidationError as error:
        raise CatalogError(
            _in_file(catalog.path, describe_invalid(error, instance, where))
        ) from None


def _note_kept(report: SyncReport, where: str, kept: list[str]) -> None:
    if kept:
        report.notes.append(
            f"{where}: kept {', '.join(kept)} as changed in the admin (the catalog says otherwise)"
        )
