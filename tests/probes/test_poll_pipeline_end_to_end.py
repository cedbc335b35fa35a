"""End to end through the real HTTP seam: a locally served page flips and flips back."""

from __future__ import annotations

import pytest

from probes.models import Component, Incident, IncidentUpdate, Provider, StatusChange
from probes.status.polling import poll_source
from tests.conftest import load_fixture
from tests.factories import make_source

pytestmark = pytest.mark.django_db


def test_it_follows_a_page_from_operational_to_major_outage_and_back(status_server):
    source = make_source(url=status_server.url("/api/v2/summary.json"))
    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_operational.json"))
    assert poll_source(source).state == "ok"
    source.refresh_from_db()
    assert source.detected_format == "statuspage"
    assert Provider.objects.get().status == "operational"

    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_major_outage.json"))
    assert poll_source(source).state == "ok"
    assert Provider.objects.get().status == "major_outage"
    incident = Incident.objects.get()
    assert [u.status for u in incident.updates.all()] == [
        "investigating",
        "investigating",
        "identified",
    ]

    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_operational.json"))
    assert poll_source(source).state == "ok"
    assert Provider.objects.get().status == "operational"
    incident.refresh_from_db()
    assert incident.resolved_at is not None


def test_the_same_payload_polled_a_hundred_times_adds_no_rows(status_server):
    source = make_source(url=status_server.url("/s.json"))
    status_server.set("/s.json", load_fixture("statuspage/summary_major_outage.json"))
    poll_source(source)
    counts = (
        StatusChange.objects.count(),
        Incident.objects.count(),
        IncidentUpdate.objects.count(),
        Component.objects.count(),
    )
    for _ in range(100):
        source.refresh_from_db()
        # Clear the body digest so every poll really parses and records.
        source.body_hash = ""
        assert poll_source(source).state == "ok"
    assert counts == (
        StatusChange.objects.count(),
        Incident.objects.count(),
        IncidentUpdate.objects.count(),
        Component.objects.count(),
    )
