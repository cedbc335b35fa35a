"""Rows as the pipeline would leave them: the one place tests build providers, sources,
components and incidents.

Defaults are plain and visible here; pass explicitly anything an assertion depends on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from probes.models import Component, Incident, IncidentUpdate, Provider, Source

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


def make_provider(slug: str = "example", *, status: str = "operational", **fields: Any) -> Provider:
    """A provider whose status page has been read (operational unless told)."""
    fields.setdefault("name", slug.replace("-", " ").title())
    fields.setdefault("url", f"https://status.{slug}.example")
    return Provider.objects.create(slug=slug, status=status, **fields)


def configured_provider(slug: str = "example") -> Provider:
    """The provider `slug` as the catalog creates it, never polled (status unknown); made on
    first use, so several sources can share it."""
    provider, _ = Provider.objects.get_or_create(
        slug=slug, defaults={"name": f"{slug.replace('-', ' ').title()} AI"}
    )
    return provider


def make_source(provider: Provider | str = "example", **fields: Any) -> Source:
    """A source as configured and never polled (kind "auto" unless told).

    `provider` is a row, or a slug for `configured_provider(slug)`.
    """
    if isinstance(provider, str):
        provider = configured_provider(provider)
    fields.setdefault("url", f"https://status.{provider.slug}.example/api/v2/summary.json")
    return Source.objects.create(provider=provider, **fields)


def make_read_source(provider: Provider, *, at: datetime = NOW, **fields: Any) -> Source:
    """A status page read successfully at `at` (kind "statuspage" unless told)."""
    fields.setdefault("kind", Source.Kind.STATUSPAGE)
    fields.setdefault("last_success_at", at)
    fields.setdefault("last_polled_at", at)
    return make_source(provider, **fields)


def make_probe(provider: Provider | str = "example", *, url: str, **fields: Any) -> Source:
    """An HTTP probe of `url` with a short timeout, never run yet."""
    fields.setdefault("kind", Source.Kind.HTTP_PROBE)
    fields.setdefault("timeout_seconds", 0.5)
    return make_source(provider, url=url, **fields)


def make_component(
    provider: Provider, name: str, *, status: str = "operational", **fields: Any
) -> Component:
    fields.setdefault("external_id", name.lower().replace(" ", "-"))
    return Component.objects.create(provider=provider, name=name, status=status, **fields)


def make_incident(
    provider: Provider,
    title: str,
    *,
    started_at: datetime = NOW,
    updates: list[tuple[str, str, datetime]] = (),  # type: ignore[assignment]
    **fields: Any,
) -> Incident:
    """An incident (major, investigating unless told) with `updates` as (status, body, at)."""
    fields.setdefault("external_id", f"inc-{Incident.objects.count() + 1}")
    fields.setdefault("impact", "major")
    fields.setdefault("status", "investigating")
    fields.setdefault(
        "url", f"https://status.{provider.slug}.example/incidents/{fields['external_id']}"
    )
    incident = Incident.objects.create(
        provider=provider, title=title, started_at=started_at, **fields
    )
    for index, (status, body, at) in enumerate(updates):
        IncidentUpdate.objects.create(
            incident=incident, key=f"u{index}", status=status, body=body, at=at
        )
    return incident
