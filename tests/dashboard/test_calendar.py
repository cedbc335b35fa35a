"""/feeds/maintenance.ics: announced maintenance as calendar events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from probes.models import Incident, IncidentUpdate, Provider

pytestmark = pytest.mark.django_db


def utc(day: int, hour: int) -> datetime:
    return datetime(2099, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def windows():
    openai = Provider.objects.create(slug="openai", name="OpenAI")
    azure = Provider.objects.create(slug="azure", name="Azure")
    planned = Incident.objects.create(
        provider=openai,
        external_id="m1",
        title="Database upgrade",
        impact="maintenance",
        status="scheduled",
        is_maintenance=True,
        started_at=utc(10, 2),
        scheduled_for=utc(10, 2),
        scheduled_until=utc(10, 4),
        url="https://status.openai.com/incidents/m1",
    )
    IncidentUpdate.objects.create(
        incident=planned, key="u1", status="scheduled", body="Brief API pauses.", at=utc(1, 0)
    )
    Incident.objects.create(
        provider=azure,
        external_id="m2",
        title="Network work",
        impact="maintenance",
        status="scheduled",
        is_maintenance=True,
        started_at=utc(12, 0),
    )
    Incident.objects.create(
        provider=openai,
        external_id="i1",
        title="Not maintenance",
        impact="major",
        status="investigating",
        started_at=utc(11, 0),
    )


def events(client, **params):
    response = client.get("/feeds/maintenance.ics", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return {str(e["summary"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_every_announced_maintenance_is_an_event_with_its_window(client, windows):
    found = events(client)

    assert set(found) == {"OpenAI: Database upgrade", "Azure: Network work"}
    upgrade = found["OpenAI: Database upgrade"]
    assert upgrade.decoded("dtstart") == utc(10, 2)
    assert upgrade.decoded("dtend") == utc(10, 4)
    assert str(upgrade["uid"]) == "openai-m1@aiwatch"
    assert "Brief API pauses." in str(upgrade["description"])
    # No announced end: an hour.
    assert found["Azure: Network work"].decoded("dtend") == utc(12, 1)


def test_the_calendar_narrows_to_a_provider(client, windows):
    assert set(events(client, provider="azure")) == {"Azure: Network work"}
    assert client.get("/feeds/maintenance.ics", {"provider": "nobody"}).status_code == 404
