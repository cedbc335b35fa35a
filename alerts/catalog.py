"""Channels declared in the catalog file as [[channel]] tables, synced by name.

probes.catalog reads the providers; this module reads its own [[channel]] tables from the same
parsed file (`Catalog.raw`, shape only) and writes Channel rows when probes.signals.catalog_synced
fires, inside the catalog's transaction, so a mistake rolls the whole sync back. The rules on
values are the model's (`Channel.full_clean()`), the same the admin form applies. URLs keep
their ${VAR} placeholders: secrets are read from the environment at send time and never stored.
Channels made in the admin are never deleted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from alerts import transports
from alerts.events import parse_severity
from alerts.models import Channel
from probes import audit
from probes.catalog import Catalog, CatalogError, SyncReport, required_text, text_list
from probes.models import Feature, Provider
from probes.validation import describe_invalid


@dataclass(frozen=True, slots=True)
class ChannelEntry:
    name: str
    # Kept with its ${VAR} placeholders: resolved from the environment only when sending.
    url: str
    kind: str = ""
    secret_env: str = ""
    providers: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    # Slugs of [[feature]] tables: events that hit them come here too.
    features: tuple[str, ...] = ()
    min_severity: str = ""
    events: tuple[str, ...] = ()
    repeat_minutes: int = 0
    enabled: bool = True
    drills: bool = False


def on_catalog_synced(
    sender: object, *, catalog: Catalog, report: SyncReport, **kwargs: object
) -> None:
    sync_channels(read_channels(catalog), report)


def read_channels(catalog: Catalog) -> tuple[ChannelEntry, ...]:
    """The file's [[channel]] tables, shape checked. Raises CatalogError naming the mistake."""
    channels = tuple(
        _read_channel(raw, f"channel #{index + 1}")
        for index, raw in enumerate(catalog.raw.get("channel", []))
    )
    names = [channel.name for channel in channels]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise CatalogError(f"channel {twice[0]!r} appears twice")
    return channels


def _read_channel(raw: Any, where: str) -> ChannelEntry:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} is not a table")
    name = required_text(raw, "name", where)
    where = f"channel {name!r}"
    repeat = raw.get("repeat_minutes", 0)
    if not isinstance(repeat, int) or isinstance(repeat, bool):
        raise CatalogError(f"{where}: repeat_minutes must be a whole number")
    for key in ("kind", "secret_env", "min_severity"):
        if not isinstance(raw.get(key, ""), str):
            raise CatalogError(f"{where}: {key} must be text")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise CatalogError(f"{where}: enabled must be true or false")
    drills = raw.get("drills", False)
    if not isinstance(drills, bool):
        raise CatalogError(f"{where}: drills must be true or false")
    return ChannelEntry(
        name=name,
        url=required_text(raw, "url", where),
        kind=str(raw.get("kind", "")).strip(),
        secret_env=str(raw.get("secret_env", "")).strip(),
        providers=tuple(text_list(raw, "providers", where)),
        components=tuple(text_list(raw, "components", where)),
        features=tuple(text_list(raw, "features", where)),
        min_severity=str(raw.get("min_severity", "")).strip(),
        events=tuple(text_list(raw, "events", where)),
        repeat_minutes=repeat,
        enabled=enabled,
        drills=drills,
    )


def channel_values(entry: ChannelEntry) -> dict[str, Any]:
    """Field values for a channel entry (checked by the model when synced)."""
    try:
        # The catalog may name a severity as people say it ("major"); stored as a Status.
        severity = parse_severity(entry.min_severity or "all")
    except ValueError:
        raise CatalogError(
            f"channel {entry.name!r}: min_severity {entry.min_severity!r} is not a severity"
        ) from None
    return {
        "kind": entry.kind or transports.kind_for_url(entry.url),
        "url": entry.url,
        "secret_env": entry.secret_env,
        "components": list(entry.components),
        "min_severity": severity.value,
        "events": list(entry.events),
        "repeat_minutes": entry.repeat_minutes,
        "enabled": entry.enabled,
        "drills": entry.drills,
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
        # Features are synced before channels (probes' receiver runs first), so they exist.
        features = list(Feature.objects.filter(slug__in=entry.features))
        missing = sorted(set(entry.features) - {f.slug for f in features})
        if missing:
            raise CatalogError(f"channel {entry.name!r}: unknown features {missing}")
        channel = Channel.objects.filter(name=entry.name).first()
        is_new = channel is None
        changed: list[str] = []
        if channel is None:
            channel = Channel(name=entry.name, **values)
            _full_clean(channel, entry)
            channel.save()
        else:
            changed = [name for name, value in values.items() if getattr(channel, name) != value]
            if changed:
                for name in changed:
                    setattr(channel, name, values[name])
                _full_clean(channel, entry)
                channel.save(update_fields=[*changed, "updated_at"])
        if {p.pk for p in channel.providers.all()} != {p.pk for p in providers}:
            channel.providers.set(providers)
            changed.append("providers")
        if {f.pk for f in channel.features.all()} != {f.pk for f in features}:
            channel.features.set(features)
            changed.append("features")
        created += is_new
        updated += bool(changed) and not is_new
        if is_new or changed:
            audit.log_catalog_write(channel, added=is_new, fields=changed)
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


def _full_clean(channel: Channel, entry: ChannelEntry) -> None:
    try:
        channel.full_clean()
    except ValidationError as error:
        raise CatalogError(describe_invalid(error, channel, f"channel {entry.name!r}")) from None
