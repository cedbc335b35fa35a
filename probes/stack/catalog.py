"""[[feature]] and [[model]] tables of the catalog file, synced after the providers.

Read from the same parsed file (`Catalog.raw`) when probes.signals.catalog_synced fires, inside
the catalog's transaction: a mistake rolls the whole sync back. As for providers, every row is
checked with `full_clean()` and a ValidationError becomes a CatalogError naming the file, the
entry and the field; a field changed in the admin keeps the edit (`apply_catalog_values`).

Shapes accepted for a feature's lists (the short forms stand for the long ones):

    depends_on = ["openai"]
    depends_on = ["openai", {provider = "azure-openai", models = ["gpt-4o"], regions = ["East US"]}]
    [[feature.depends_on]]            # the same as a table of its own
    provider = "openai"
    components = ["API"]
    fallbacks = ["anthropic", {provider = "local-ollama", label = "Our Llama"}]
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from probes import audit
from probes.catalog import (
    Catalog,
    CatalogError,
    SyncReport,
    apply_catalog_values,
    required_text,
    text_list,
)
from probes.models import Feature, Provider, ServedModel
from probes.validation import describe_invalid


def on_catalog_synced(
    sender: object, *, catalog: Catalog, report: SyncReport, **kwargs: object
) -> None:
    sync_models(catalog, report)
    sync_features(catalog, report)


def _in_file(catalog: Catalog, message: str) -> str:
    return f"{catalog.path}: {message}" if catalog.path else message


def _tables(catalog: Catalog, key: str) -> list[tuple[str, dict[str, Any]]]:
    tables = catalog.raw.get(key, [])
    if not isinstance(tables, list):
        raise CatalogError(_in_file(catalog, f"{key} must be a list of [[{key}]] tables"))
    found = []
    for index, raw in enumerate(tables):
        if not isinstance(raw, dict):
            raise CatalogError(_in_file(catalog, f"{key} #{index + 1} is not a table"))
        found.append((f"{key} #{index + 1}", raw))
    return found


def _full_clean(catalog: Catalog, instance: models.Model, where: str) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise CatalogError(_in_file(catalog, describe_invalid(error, instance, where))) from None


def sync_models(catalog: Catalog, report: SyncReport) -> None:
    """[[model]] tables: provider, slug, name, aliases, family. Created or updated, never
    deleted."""
    count = 0
    for where, raw in _tables(catalog, "model"):
        try:
            provider_slug = required_text(raw, "provider", where)
            slug = required_text(raw, "slug", where)
            where = f"model {slug!r}"
            unknown = sorted(set(raw) - {"provider", "slug", "name", "aliases", "family"})
            if unknown:
                raise CatalogError(f"{where}: unknown keys {unknown}")
            name = str(raw.get("name", slug))
            aliases = text_list(raw, "aliases", where)
            family = raw.get("family", "")
            if not isinstance(family, str):
                raise CatalogError(f"{where}: family must be text")
        except CatalogError as error:
            raise CatalogError(_in_file(catalog, str(error))) from None
        provider = Provider.objects.filter(slug=provider_slug).first()
        if provider is None:
            raise CatalogError(_in_file(catalog, f"{where}: provider {provider_slug!r}: unknown"))
        row = ServedModel.objects.filter(provider=provider, slug=slug).first()
        row = row or ServedModel(provider=provider, slug=slug)
        row.name, row.aliases, row.family = name, aliases, family.strip()
        _full_clean(catalog, row, where)
        row.save()
        count += 1
    if count:
        report.notes.append(f"{count} models synced")


def read_feature(raw: dict[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    """(slug, Feature field values) of one [[feature]] table; CatalogError for a wrong shape."""
    slug = required_text(raw, "slug", where)
    where = f"feature {slug!r}"
    unknown = sorted(
        set(raw) - {"slug", "name", "owner", "criticality", "depends_on", "fallbacks", "plan_b"}
    )
    if unknown:
        raise CatalogError(f"{where}: unknown keys {unknown}")
    criticality = str(raw.get("criticality", "important")).strip().replace(" ", "_")
    for key in ("owner", "plan_b"):
        if not isinstance(raw.get(key, ""), str):
            raise CatalogError(f"{where}: {key} must be text")
    return slug, {
        "name": required_text(raw, "name", where),
        "owner": str(raw.get("owner", "")).strip(),
        "criticality": criticality,
        "depends_on": [
            _long_form(item, "depends_on", where) for item in _list(raw, "depends_on", where)
        ],
        "fallbacks": [
            _long_form(item, "fallbacks", where) for item in _list(raw, "fallbacks", where)
        ],
        "plan_b": str(raw.get("plan_b", "")).strip(),
    }


def _list(raw: dict[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise CatalogError(f"{where}: {key} must be a list of provider slugs or tables")
    return value


def _long_form(item: Any, key: str, where: str) -> dict[str, Any]:
    """A provider slug as the table it stands for; a table as it is (the model checks it)."""
    if isinstance(item, str):
        return {"provider": item.strip()}
    if isinstance(item, dict):
        return dict(item)
    raise CatalogError(f"{where}: {key}: each entry is a provider slug or a table")


def sync_features(catalog: Catalog, report: SyncReport) -> None:
    """Create or update features by slug; never deletes one (the admin may have added it)."""
    seen: set[str] = set()
    created = updated = 0
    for where, raw in _tables(catalog, "feature"):
        try:
            slug, values = read_feature(raw, where)
        except CatalogError as error:
            raise CatalogError(_in_file(catalog, str(error))) from None
        where = f"feature {slug!r}"
        if slug in seen:
            raise CatalogError(_in_file(catalog, f"{where} appears twice"))
        seen.add(slug)
        feature = Feature.objects.filter(slug=slug).first()
        if feature is None:
            feature = Feature(slug=slug, catalog_values=values, **values)
            _full_clean(catalog, feature, where)
            feature.save()
            audit.log_catalog_write(feature, added=True)
            created += 1
            continue
        changed, kept = apply_catalog_values(feature, values)
        _full_clean(catalog, feature, where)
        remembered = {**feature.catalog_values, **values}
        if changed or remembered != feature.catalog_values:
            feature.catalog_values = remembered
            feature.save()
            updated += bool(changed)
            if changed:
                audit.log_catalog_write(feature, added=False, fields=changed)
        if kept:
            report.notes.append(
                f"{where}: kept {', '.join(kept)} as changed in the admin "
                "(the catalog says otherwise)"
            )
    if seen:
        report.notes.append(f"{created} features created, {updated} updated")
