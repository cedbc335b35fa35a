"""The provider catalog as configuration: a TOML file read with tomllib, synced into the database.

Reading is pure (`read_catalog`: text in, dataclasses out, `CatalogError` for mistakes);
`sync_catalog` creates or updates by slug and never deletes what an admin added.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from probes import signals
from probes.models import Provider, Source
from probes.outbound import outbound_url_problem
from probes.parsers import filters_problem


class CatalogError(Exception):
    """The catalog file is not valid; the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class SourceEntry:
    url: str
    kind: str = "auto"
    interval_seconds: int = 120
    filters: dict[str, list[str]] = field(default_factory=dict)
    enabled: bool = True
    # Probe kinds only (http_probe, inference): what Source's probe fields hold.
    probe: dict[str, Any] = field(default_factory=dict)


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


@dataclass(frozen=True, slots=True)
class Catalog:
    providers: tuple[ProviderEntry, ...]
    # The whole parsed file: other apps read their own tables from it (alerts: [[channel]]).
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    sources_created: int = 0
    sources_updated: int = 0
    # One line each from whoever else synced part of the catalog (alert channels).
    notes: list[str] = field(default_factory=list)


CATEGORIES = {choice.value for choice in Provider.Category}
CAPABILITIES = {"chat", "code", "image", "video", "speech", "embeddings", "search", "agents"}


def read_catalog(text: str) -> Catalog:
    """Parse and validate catalog TOML. Raises CatalogError naming the first mistake."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"not valid TOML: {error}") from None
    providers = []
    slugs: set[str] = set()
    for index, raw in enumerate(data.get("provider", [])):
        where = f"provider #{index + 1}"
        if not isinstance(raw, dict):
            raise CatalogError(f"{where} is not a table")
        slug = required_text(raw, "slug", where)
        where = f"provider {slug!r}"
        if slug in slugs:
            raise CatalogError(f"{where} appears twice")
        slugs.add(slug)
        category = required_text(raw, "category", where)
        if category not in CATEGORIES:
            raise CatalogError(f"{where}: category {category!r} is not one of {sorted(CATEGORIES)}")
        capabilities = tuple(text_list(raw, "capabilities", where))
        unknown = set(capabilities) - CAPABILITIES
        if unknown:
            raise CatalogError(f"{where}: unknown capabilities {sorted(unknown)}")
        sources = tuple(
            _read_source(source, f"{where} source #{number + 1}")
            for number, source in enumerate(raw.get("source", []))
        )
        providers.append(
            ProviderEntry(
                slug=slug,
                name=required_text(raw, "name", where),
                url=str(raw.get("url", "")),
                category=category,
                capabilities=capabilities,
                upstreams=tuple(text_list(raw, "upstreams", where)),
                notes=str(raw.get("notes", "")),
                sources=sources,
            )
        )
    for entry in providers:
        missing = set(entry.upstreams) - slugs
        if missing:
            raise CatalogError(f"provider {entry.slug!r}: unknown upstreams {sorted(missing)}")
    return Catalog(providers=tuple(providers), raw=data)


def _read_source(raw: Any, where: str) -> SourceEntry:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} is not a table")
    kind = str(raw.get("kind", "auto"))
    if kind not in {choice.value for choice in Source.Kind}:
        raise CatalogError(f"{where}: kind {kind!r} is not a known source kind")
    # Probes default to every minute; status pages to every two.
    interval = raw.get("interval_seconds", 60 if kind in Source.PROBE_KINDS else 120)
    if not isinstance(interval, int) or not 30 <= interval <= 86400:
        raise CatalogError(f"{where}: interval_seconds must be a whole number from 30 to 86400")
    filters = raw.get("filters", {})
    if not isinstance(filters, dict) or not all(
        isinstance(values, list) and all(isinstance(v, str) for v in values)
        for values in filters.values()
    ):
        raise CatalogError(f"{where}: filters must map names to lists of strings")
    filters_wrong = filters_problem(kind, filters)
    if filters_wrong:
        raise CatalogError(f"{where}: {filters_wrong}")
    url = required_text(raw, "url", where)
    # Offline check (no DNS): the catalog must load without a network; fetch re-checks anyway.
    problem = outbound_url_problem(url, resolve=False)
    if problem:
        raise CatalogError(f"{where}: url {url!r} cannot be polled: {problem}")
    return SourceEntry(
        url=url,
        kind=kind,
        interval_seconds=interval,
        filters=filters,
        enabled=bool(raw.get("enabled", True)),
        probe=_read_probe_fields(raw, kind, where),
    )


# Catalog key -> (type, Source field) for probe sources.
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


def _read_probe_fields(raw: dict[str, Any], kind: str, where: str) -> dict[str, Any]:
    from probes.validation import parse_expected_statuses

    present = {key: raw[key] for key in PROBE_FIELDS if key in raw}
    if present and kind not in Source.PROBE_KINDS:
        raise CatalogError(f"{where}: {sorted(present)} apply to probe kinds only")
    probe: dict[str, Any] = {}
    for key, value in present.items():
        wanted = PROBE_FIELDS[key]
        if wanted is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            raise CatalogError(f"{where}: {key} must be a {wanted.__name__}")
        probe[key] = value
    if probe.get("method", "GET") not in {choice.value for choice in Source.Method}:
        raise CatalogError(f"{where}: method must be GET, HEAD or POST")
    try:
        parse_expected_statuses(probe.get("expected_statuses", ""))
    except ValueError as error:
        raise CatalogError(f"{where}: expected_statuses: {error}") from None
    if not 1 <= probe.get("timeout_seconds", 10.0) <= 30:
        raise CatalogError(f"{where}: timeout_seconds must be from 1 to 30")
    if kind == Source.Kind.INFERENCE:
        if probe.get("api_shape") not in {choice.value for choice in Source.ApiShape}:
            raise CatalogError(f"{where}: api_shape must be 'openai' or 'anthropic'")
        if not probe.get("model"):
            raise CatalogError(f"{where}: an inference probe needs a model")
        if not 1 <= probe.get("max_tokens", 1) <= 5:
            raise CatalogError(f"{where}: max_tokens must be from 1 to 5")
    return probe


# Table readers, shared with the apps that read their own tables (alerts.catalog).


def required_text(raw: dict[str, Any], key: str, where: str) -> str:
    """raw[key] as stripped, non-empty text, or CatalogError naming `where` and the key."""
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: {key} is required and must be text")
    return value.strip()


def text_list(raw: dict[str, Any], key: str, where: str) -> list[str]:
    """raw[key] (default empty) as a list of strings, or CatalogError."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CatalogError(f"{where}: {key} must be a list of strings")
    return value


def load_catalog_file(path: Path) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError(f"cannot read {path}: {error.strerror}") from None
    return read_catalog(text)


@transaction.atomic
def sync_catalog(catalog: Catalog) -> SyncReport:
    """Create or update providers by slug and their sources by URL. Never deletes anything.

    Then sends catalog_synced in the same transaction (alert channels sync there); a receiver
    raising CatalogError rolls the whole sync back.
    """
    report = SyncReport()
    by_slug: dict[str, Provider] = {}
    for entry in catalog.providers:
        values = {
            "name": entry.name,
            "url": entry.url,
            "category": entry.category,
            "capabilities": list(entry.capabilities),
            "notes": entry.notes,
        }
        provider = Provider.objects.filter(slug=entry.slug).first()
        if provider is None:
            provider = Provider.objects.create(slug=entry.slug, **values)
            report.created.append(entry.slug)
        else:
            changed = [name for name, value in values.items() if getattr(provider, name) != value]
            if changed:
                for name in changed:
                    setattr(provider, name, values[name])
                provider.save(update_fields=[*changed, "updated_at"])
                report.updated.append(entry.slug)
            else:
                report.unchanged.append(entry.slug)
        by_slug[entry.slug] = provider
        for source_entry in entry.sources:
            _sync_source(provider, source_entry, report)
    for entry in catalog.providers:
        wanted = [by_slug[slug] for slug in entry.upstreams]
        provider = by_slug[entry.slug]
        current = set(provider.upstreams.values_list("pk", flat=True))
        missing = [upstream for upstream in wanted if upstream.pk not in current]
        if missing:
            provider.upstreams.add(*missing)
    signals.catalog_synced.send(sender=Catalog, catalog=catalog, report=report)
    return report


def _sync_source(provider: Provider, entry: SourceEntry, report: SyncReport) -> None:
    values: dict[str, Any] = {
        "kind": entry.kind,
        "interval_seconds": entry.interval_seconds,
        "filters": entry.filters,
        "enabled": entry.enabled,
        **entry.probe,
    }
    source = Source.objects.filter(provider=provider, url=entry.url).first()
    if source is None:
        Source.objects.create(provider=provider, url=entry.url, **values)
        report.sources_created += 1
        return
    changed = [name for name, value in values.items() if getattr(source, name) != value]
    if changed:
        if "kind" in changed:
            # A different format means what was detected before no longer applies.
            source.detected_format = ""
            changed.append("detected_format")
        for name in changed:
            if name in values:
                setattr(source, name, values[name])
        source.save(update_fields=changed)
        report.sources_updated += 1
