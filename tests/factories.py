"""Small explicit builders for dashboard tests: rows as the pipeline would leave them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from probes.models import Component, Incident, IncidentUpdate, Provider, Source

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


def make_provider(slug: str = "example", *, status: str = "operational", **kwargs: Any) -> Provider:
    kwargs.setdefault("name", slug.replace("-", " ").title())
    kwargs.setdefault("url", f"https://status.{slug}.example")
    return Provider.objects.create(slug=slug, status=status, **kwargs)


def make_source(provider: Provider, *, at: datetime = NOW, **kwargs: Any) -> Source:
    """A source that was read successfully at `at` unless told otherwise."""
    kwargs.setdefault("url", f"https://status.{provider.slug}.example/api/v2/summary.json")
    kwargs.setdefault("kind", Source.Kind.STATUSPAGE)
    kwargs.setdefault("last_success_at", at)
    kwargs.setdefault("last_polled_at", at)
    return Source.objects.create(provider=provider, **kwargs)


def make_component(
    provider: Provider, name: str, *, status: str = "operational", **kwargs: Any
) -> Component:
    kwargs.setdefault("external_id", name.lower().replace(" ", "-"))
    return Component.objects.create(provider=provider, name=name, status=status, **kwargs)


def make_incident(
    provider: Provider,
    title: str,
    *,
    started_at: datetime = NOW,
    updates: list[tuple[str, str, datetime]] = (),  # type: ignore[assignment]
    **kwargs: Any,
) -> Incident:
    kwargs.setdefault("external_id", f"inc-{Incident.objects.count() + 1}")
    kwargs.setdefault("impact", "major")
    kwargs.setdefault("status", "investigating")
    kwargs.setdefault(
        "url", f"https://status.{provider.slug}.example/incidents/{kwargs['external_id']}"
    )
    incident = Incident.objects.create(
        provider=provider, title=title, started_at=started_at, **kwargs
    )
    for index, (status, body, at) in enumerate(updates):
        IncidentUpdate.objects.create(
            incident=incident, key=f"u{index}", status=status, body=body, at=at
        )
    return incident
