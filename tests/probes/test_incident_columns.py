"""An incident read with its components as one column: the same components as its links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probes.models import Component, Incident
from probes.models.incidents import TouchedComponent, touched_components
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def test_an_incidents_components_come_with_its_row_in_one_read():
    provider = make_provider(slug="columns")
    api = Component.objects.create(provider=provider, external_id="api", name="API")
    chat = Component.objects.create(provider=provider, external_id="chat", name="Chat")
    started = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    both = Incident.objects.create(
        provider=provider,
        external_id="i1",
        title="Both",
        status="investigating",
        started_at=started,
    )
    both.components.add(chat, api)
    alone = Incident.objects.create(
        provider=provider,
        external_id="i2",
        title="None",
        status="investigating",
        started_at=started,
    )
    with CaptureQueriesContext(connection) as captured:
        read = Incident.objects.with_components().in_bulk([both.pk, alone.pk])
        parts = {pk: touched_components(incident) for pk, incident in read.items()}
    assert len(captured.captured_queries) == 1
    assert parts[both.pk] == [
        TouchedComponent(api.pk, "api", "API"),
        TouchedComponent(chat.pk, "chat", "Chat"),
    ]
    assert parts[alone.pk] == []
