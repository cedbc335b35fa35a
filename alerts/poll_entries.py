"""What an event about a poll lists: the components it changed and the incidents it touched,
each as messages show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alerts.models import Event
from probes.models import Component, Incident, StatusChange
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


def incident_entry(incident: Incident, change: str) -> dict[str, Any]:
    latest = incident.updates.order_by("-at", "-pk").values_list("body", flat=True).first()
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
        "components": sorted(incident.components.values_list("name", flat=True)),
    }


def maintenance_announced(incident: Incident) -> bool:
    for payload in Event.objects.filter(
        provider_id=incident.provider_id, at__gte=incident.started_at
    ).values_list("payload", flat=True):
        for entry in payload.get("incidents", []):
            if entry.get("id") == incident.pk and entry.get("change") == "maintenance_started":
                return True
    return False
