"""What an event about a poll lists: the components it changed and the incidents it touched,
each as messages show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, Subquery

from alerts.models import Event
from probes.models import Component, Incident, IncidentUpdate, StatusChange
from probes.models.incidents import touched_components
from probes.parsers.types import Status
from probes.status.resolution import PENDING_KEY


def component_changes(
    changes: list[StatusChange], known: Sequence[Component]
) -> list[dict[str, Any]]:
    """The changed components as messages list them. `known`: components already read (the
    headline's rows); only the others (groups, inactive ones) are read here."""
    components = {c.pk: c for c in known}
    ids = [c.component_id for c in changes if c.component_id and c.component_id not in components]
    if ids:
        components.update((c.pk, c) for c in Component.objects.filter(pk__in=ids))
    entries = []
    for change in changes:
        component = components.get(change.component_id or 0)
        if component is None or component.is_group:
            continue
        if change.old_status == Status.UNKNOWN and change.new_status == Status.OPERATIONAL:
            continue  # first sighting of a healthy component: nothing happened
        entries.append(
            {
                "name": component.name,
                "external_id": component.external_id,
                "old": change.old_status,
                "new": change.new_status,
            }
        )
    entries.sort(key=lambda entry: (-Status(entry["new"]).severity, entry["name"]))
    return entries


def incident_entries(listed: Sequence[tuple[Incident, str]]) -> list[dict[str, Any]]:
    """Each (incident, change) as messages list it, with the incident's newest post and the
    components it touches: one read for all of them, after the poll's writes."""
    newest = IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by("-at", "-pk")
    read = (
        Incident.objects.filter(pk__in={incident.pk for incident, _change in listed})
        .with_components()
        .annotate(latest_body=Subquery(newest.values("body")[:1]))
        .in_bulk()
    )
    return [_entry(incident, change, read[incident.pk]) for incident, change in listed]


def _entry(incident: Incident, change: str, read: Incident) -> dict[str, Any]:
    latest = read.latest_body  # type: ignore[attr-defined]
    awaiting_words = change == "resolved" and bool(
        (incident.details.get(PENDING_KEY) or {}).get("pending")
    )
    if awaiting_words:
        # The page dropped the incident before we read its closing words: the last text we
        # hold is from before the fix ("we are failing over"), and must not read as the end.
        latest = ""
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": incident.status,
        "impact": incident.impact,
        "url": incident.url,
        "change": change,
        "latest_update": (latest or "")[:500],
        "closing_words_pending": awaiting_words,
        "components": sorted(part.name for part in touched_components(read)),
    }


def maintenance_announced(incident: Incident) -> bool:
    for payload in Event.objects.filter(
        provider_id=incident.provider_id, at__gte=incident.started_at
    ).values_list("payload", flat=True):
        for entry in payload.get("incidents", []):
            if entry.get("id") == incident.pk and entry.get("change") == "maintenance_started":
                return True
    return False
