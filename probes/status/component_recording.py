"""A page's components recorded: new ones created, changed ones written, gone ones retired.

Part of a poll's recording (probes.status.recording.record_poll), in its transaction: the
provider's components are read once and brought in line with the page in a few statements
whatever their number, and each status that really changes becomes one StatusChange.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from probes.models import Component, Provider, Source, StatusChange
from probes.parsers.types import ParsedComponent, Status


def record_components(
    provider: Provider,
    source: Source,
    parsed_components: tuple[ParsedComponent, ...],
    at: datetime,
    existing: dict[str, Component],
) -> list[StatusChange]:
    """Bring the provider's components (`existing`, by external id, updated in place) in line
    with the page: new ones created, changed ones written, unchanged ones left alone, each in
    a few statements whatever the number of components."""
    changes: list[StatusChange] = []
    created: list[Component] = []
    # Rows needing the same new values share one UPDATE (most changes move many components
    # to the same status at the same time).
    updates: dict[tuple[tuple[str, object], ...], list[Component]] = defaultdict(list)
    seen: set[str] = set()
    for parsed in parsed_components:
        if parsed.external_id in seen:
            continue  # a page listing one id twice: the first wins
        seen.add(parsed.external_id)
        component = existing.get(parsed.external_id)
        if component is None:
            component = Component(
                provider=provider,
                source=source,
                external_id=parsed.external_id,
                name=parsed.name,
                is_group=parsed.is_group,
                position=parsed.position,
                description=parsed.description,
                status=parsed.status.value,
                status_changed_at=at,
            )
            existing[parsed.external_id] = component
            created.append(component)
            # The first sighting starts the component's timeline (uptime has data from here).
            changes.append(
                StatusChange(
                    provider=provider,
                    component=component,
                    old_status=Status.UNKNOWN.value,
                    new_status=parsed.status.value,
                    at=at,
                )
            )
            continue
        values: dict[str, object] = {}
        for name in ("name", "is_group", "position", "description"):
            if getattr(component, name) != getattr(parsed, name):
                values[name] = getattr(parsed, name)
        if not component.is_active:
            values["is_active"] = True
        if component.source_id != source.pk:
            values["source_id"] = source.pk
        if component.status != parsed.status.value:
            changes.append(
                StatusChange(
                    provider=provider,
                    component=component,
                    old_status=component.status,
                    new_status=parsed.status.value,
                    at=at,
                )
            )
            values["status"] = parsed.status.value
            values["status_changed_at"] = at
        if values:
            for name, value in values.items():
                setattr(component, name, value)
            updates[tuple(sorted(values.items()))].append(component)
    if created:
        Component.objects.bulk_create(created)

    # Groups point at their container by the page's id.
    parents: dict[int | None, list[Component]] = defaultdict(list)
    for parsed in parsed_components:
        component = existing[parsed.external_id]
        parent = existing.get(parsed.group_id) if parsed.group_id else None
        if component.group_id != (parent.pk if parent else None):
            component.group = parent
            parents[parent.pk if parent else None].append(component)

    for values_key, components in updates.items():
        Component.objects.filter(pk__in=[c.pk for c in components]).update(**dict(values_key))
    for parent_pk, components in parents.items():
        Component.objects.filter(pk__in=[c.pk for c in components]).update(group_id=parent_pk)
    if changes:
        StatusChange.objects.bulk_create(changes)

    # Components this source no longer lists stop counting, but keep their history.
    gone = [
        component
        for external_id, component in existing.items()
        if component.source_id == source.pk and component.is_active and external_id not in seen
    ]
    if gone:
        Component.objects.filter(pk__in=[c.pk for c in gone]).update(is_active=False)
        for component in gone:
            component.is_active = False
    return changes
