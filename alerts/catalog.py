"""Channels declared in the catalog file as [[channel]] tables, synced by name.

probes.catalog reads the tables (shape only); this module checks the alert vocabulary and writes
Channel rows when probes.signals.catalog_synced fires, inside the catalog's transaction, so a
mistake rolls the whole sync back. URLs keep their ${VAR} placeholders: secrets are read from the
environment at send time and never stored. Channels made in the admin are never deleted.
"""

from __future__ import annotations

import os
from typing import Any

from alerts import transports
from alerts.events import SUBSCRIBABLE, parse_severity
from alerts.models import Channel
from probes.catalog import Catalog, CatalogError, ChannelEntry, SyncReport
from probes.models import Provider


def on_catalog_synced(
    sender: object, *, catalog: Catalog, report: SyncReport, **kwargs: object
) -> None:
    sync_channels(catalog.channels, report)


def channel_values(entry: ChannelEntry) -> dict[str, Any]:
    """Validated field values for a channel entry. Raises CatalogError naming the mistake."""
    where = f"channel {entry.name!r}"
    kind = entry.kind or transports.kind_for_url(entry.url)
    if kind not in Channel.Kind.values:
        raise CatalogError(f"{where}: kind {kind!r} is not one of {sorted(Channel.Kind.values)}")
    problem = transports.check_url(kind, entry.url)
    if problem:
        raise CatalogError(f"{where}: url: {problem}")
    try:
        severity = parse_severity(entry.min_severity or "all")
    except ValueError:
        raise CatalogError(
            f"{where}: min_severity {entry.min_severity!r} is not a severity"
        ) from None
    unknown = sorted(set(entry.events) - set(SUBSCRIBABLE))
    if unknown:
        raise CatalogError(f"{where}: unknown events {unknown}; choose from {list(SUBSCRIBABLE)}")
    return {
        "kind": kind,
        "url": entry.url,
        "secret_env": entry.secret_env,
        "components": list(entry.components),
        "min_severity": severity.value,
        "events": list(entry.events),
        "repeat_minutes": entry.repeat_minutes,
        "enabled": entry.enabled,
        "from_catalog": True,
    }


def sync_channels(entries: tuple[ChannelEntry, ...], report: SyncReport) -> None:
    created = updated = 0
    for entry in entries:
        values = channel_values(entry)
        providers = list(Provider.objects.filter(slug__in=entry.providers))
        missing = sorted(set(entry.providers) - {p.slug for p in providers})
        if missing:
            raise CatalogError(f"channel {entry.name!r}: unknown providers {missing}")
        channel = Channel.objects.filter(name=entry.name).first()
        is_new = channel is None
        changed: list[str] = []
        if channel is None:
            channel = Channel.objects.create(name=entry.name, **values)
        else:
            changed = [name for name, value in values.items() if getattr(channel, name) != value]
            if changed:
                for name in changed:
                    setattr(channel, name, values[name])
                channel.save(update_fields=[*changed, "updated_at"])
        if {p.pk for p in channel.providers.all()} != {p.pk for p in providers}:
            channel.providers.set(providers)
            changed.append("providers")
        created += is_new
        updated += bool(changed) and not is_new
        unset = sorted(
            {name for name in transports.placeholders(entry.url) if not os.environ.get(name)}
            | (
                {entry.secret_env}
                if entry.secret_env and not os.environ.get(entry.secret_env)
                else set()
            )
        )
        if unset:
            report.notes.append(
                f"channel {entry.name!r}: {', '.join(unset)} not set in this environment; "
                "the worker that sends needs it"
            )
    if entries:
        report.notes.append(f"{created} channels created, {updated} updated")
