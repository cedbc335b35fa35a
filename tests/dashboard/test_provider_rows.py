"""A provider page's shared rows: what comes as columns of a read is what its own read gives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.provider_rows import (
    ProviderRows,
    incident_parts_columns,
    provider_first_watched_columns,
)
from probes.models import Provider
from probes.stack.provider_facts import incident_parts
from tests.factories import NOW, make_component, make_incident, make_provider

pytestmark = pytest.mark.django_db


def test_the_components_incidents_touch_come_with_the_incidents_as_their_own_read_has_them():
    provider = make_provider("example", status="major_outage")
    chat, api, idle = (make_component(provider, name) for name in ("Chat", "API", "Idle"))
    both = make_incident(provider, "Chat and API down", started_at=NOW - timedelta(hours=1))
    both.components.add(chat, api)
    past = make_incident(
        provider,
        "API errors",
        started_at=NOW - timedelta(days=20),
        resolved_at=NOW - timedelta(days=20) + timedelta(hours=1),
        status="resolved",
    )
    past.components.add(api)
    untouched = make_incident(provider, "Slow", started_at=NOW - timedelta(minutes=5))
    other = make_provider("other", status="major_outage")
    elsewhere = make_incident(other, "Other down", started_at=NOW - timedelta(minutes=10))
    elsewhere.components.add(make_component(other, "Images"))

    providers = list(
        Provider.objects.for_dashboard(incident_columns=incident_parts_columns()).annotate(
            **provider_first_watched_columns()
        )
    )
    page = next(p for p in providers if p.pk == provider.pk)
    open_incidents = [i for p in providers for i in p.open_incidents]  # type: ignore[attr-defined]
    rows = ProviderRows(page, now=NOW, page=True, open_incidents=open_incidents)

    open_ids = [both.pk, untouched.pk, elsewhere.pk]
    assert rows.incident_parts(open_ids) == incident_parts(open_ids)
    assert set(rows.incident_parts(open_ids)) == {both.pk, elsewhere.pk}
    assert rows.component_names[both.pk] == ["Chat", "API"]  # by component, as made
    assert rows.component_names[past.pk] == ["API"]
    assert untouched.pk not in rows.component_names
    assert idle.name not in {name for names in rows.component_names.values() for name in names}
