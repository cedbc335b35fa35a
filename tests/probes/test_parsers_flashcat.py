"""Flashcat status pages (summary/active)."""

from __future__ import annotations

import pytest

from probes.models import Component
from probes.parsers.flashcat import parse_flashcat
from probes.parsers.types import Impact, IncidentStatus, ParseError, Status
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll

API = "01KZ0000000000000000000API"
CHAT = "01KZ000000000000000000CHAT"
UPLOAD = "01KZ00000000000000000UPLD"
SECTION = "01KZ00000000000000000SECT1"


def parse(name: str):
    return parse_flashcat(load_fixture(f"flashcat/{name}.json"), {})


def statuses(page):
    return {c.external_id: c.status for c in page.components if not c.is_group}


def test_no_active_change_means_every_component_is_operational():
    page = parse("healthy")
    assert page.has_component_states
    assert page.lists_all_open_incidents
    assert set(statuses(page).values()) == {Status.OPERATIONAL}
    by_id = {c.external_id: c for c in page.components}
    assert by_id[SECTION].is_group
    assert by_id[CHAT].group_id == SECTION
    assert by_id[API].group_id is None


def test_changes_set_the_components_they_name():
    assert statuses(parse("degraded"))[API] == Status.DEGRADED_PERFORMANCE
    page = parse("incident")
    assert statuses(page) == {
        API: Status.MAJOR_OUTAGE,
        CHAT: Status.PARTIAL_OUTAGE,
        UPLOAD: Status.OPERATIONAL,
    }
    (incident,) = page.incidents
    assert incident.impact == Impact.CRITICAL
    assert incident.status == IncidentStatus.IDENTIFIED
    assert len(incident.updates) == 2


def test_resolved_and_maintenance_changes():
    (resolved,) = parse("resolved").incidents
    assert resolved.status == IncidentStatus.RESOLVED
    assert not resolved.is_open
    page = parse("maintenance")
    assert page.incidents[0].is_maintenance
    assert statuses(page)[UPLOAD] == Status.UNDER_MAINTENANCE
    assert parse("empty").components == ()


def test_a_change_naming_no_components_makes_them_all_unknown():
    page = parse("unreadable_change")
    assert set(statuses(page).values()) == {Status.UNKNOWN}
    assert page.incidents[0].is_open


@pytest.mark.parametrize(
    "fixture", ["flashcat/changed.json", "datadog/healthy.json", "checkly/uptime_healthy.json"]
)
def test_it_refuses_other_shapes(fixture):
    with pytest.raises(ParseError):
        parse_flashcat(load_fixture(fixture), {})


@pytest.mark.django_db
def test_a_served_flashcat_page_flips_and_recovers(status_server):
    source = make_source(url=status_server.url("/api/status-page/7410630422001/summary/active"))
    assert serve_and_poll(status_server, source, "flashcat/healthy.json").state == "ok"
    assert provider_status(source) == "operational"
    assert serve_and_poll(status_server, source, "flashcat/incident.json").state == "ok"
    assert provider_status(source) == "major_outage"
    assert Component.objects.get(external_id=API).status == "major_outage"
    assert serve_and_poll(status_server, source, "flashcat/healthy.json").state == "ok"
    assert provider_status(source) == "operational"
