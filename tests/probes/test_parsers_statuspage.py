"""Statuspage API v2 and incident.io's compatible copy, against fixtures in their real shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from probes.parsers import PARSERS, ParseError, detect_format
from probes.parsers.statuspage import parse_incidentio, parse_statuspage
from probes.parsers.types import Impact, IncidentStatus, Status
from tests.conftest import load_fixture


def test_it_reads_an_operational_page_with_groups():
    page = parse_statuspage(load_fixture("statuspage/summary_operational.json"), {})
    assert page.platform == "statuspage"
    assert page.indicator == Status.OPERATIONAL
    assert page.has_component_states
    assert page.lists_all_open_incidents
    by_id = {c.external_id: c for c in page.components}
    assert by_id["grp0api00001"].is_group
    assert by_id["cmp0api00002"].group_id == "grp0api00001"
    assert by_id["cmp0api00002"].description == "Model inference endpoints"
    assert {c.status for c in page.components} == {Status.OPERATIONAL}
    assert page.incidents == ()


def test_it_reads_an_open_incident_with_its_updates_oldest_first():
    page = parse_statuspage(load_fixture("statuspage/summary_major_outage.json"), {})
    assert page.indicator == Status.MAJOR_OUTAGE
    (incident,) = page.incidents
    assert incident.external_id == "k2v9x8w7q1rt"
    assert incident.impact == Impact.CRITICAL
    assert incident.status == IncidentStatus.IDENTIFIED
    assert incident.started_at == datetime(2026, 11, 20, 9, 58, tzinfo=UTC)
    assert incident.resolved_at is None
    assert incident.is_open
    assert incident.url == "https://stspg.io/xk2v9"
    assert [u.key for u in incident.updates] == ["upd0000001aa", "upd0000002bb", "upd0000003cc"]
    # Affected components come from the incident and from each update's affected_components.
    assert set(incident.component_ids) == {"cmp0api00002", "cmp0chat0004"}


def test_it_reads_a_maintenance_in_progress_with_local_offsets():
    page = parse_statuspage(load_fixture("statuspage/summary_maintenance.json"), {})
    assert page.indicator == Status.UNDER_MAINTENANCE
    (maintenance,) = page.incidents
    assert maintenance.is_maintenance
    assert maintenance.impact == Impact.MAINTENANCE
    assert maintenance.status == IncidentStatus.IN_PROGRESS
    # -08:00 offsets become UTC.
    assert maintenance.scheduled_for == datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    assert maintenance.scheduled_until == datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
    assert maintenance.started_at == maintenance.scheduled_for
    assert [u.status for u in maintenance.updates] == ["scheduled", "in_progress"]


def test_a_history_list_does_not_claim_to_list_every_open_incident():
    page = parse_statuspage(load_fixture("statuspage/incidents.json"), {})
    assert not page.lists_all_open_incidents
    assert not page.has_component_states
    (incident,) = page.incidents
    assert incident.resolved_at == datetime(2026, 11, 2, 9, 40, tzinfo=UTC)
    assert not incident.is_open


def test_it_reads_incidentio_with_offsets_and_markdown():
    page = parse_incidentio(load_fixture("incidentio/summary_degraded.json"), {})
    assert page.platform == "incidentio"
    assert page.indicator == Status.DEGRADED_PERFORMANCE
    assert [c.name for c in page.components] == ["Realtime", "ChatGPT", "Sora"]
    assert all(not c.is_group and c.group_id is None for c in page.components)
    (incident,) = page.incidents
    assert incident.url == "https://status.openai.com/incidents/01M3Q4RK1SM4EMK445GGPG7C0N"
    assert incident.started_at == datetime(2026, 11, 19, 18, 20, 3, tzinfo=UTC)
    # 19:05+01:00 is 18:05 UTC: earlier than the first post, so it sorts first.
    assert [u.at for u in incident.updates] == [
        datetime(2026, 11, 19, 18, 5, tzinfo=UTC),
        datetime(2026, 11, 19, 18, 20, 3, tzinfo=UTC),
    ]
    assert "[support](mailto:" in incident.updates[0].body


def test_incidentio_null_incidents_is_an_empty_list():
    page = parse_incidentio(load_fixture("incidentio/summary_operational_null_incidents.json"), {})
    assert page.incidents == ()
    assert page.lists_all_open_incidents


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("statuspage/summary_operational.json", "statuspage"),
        ("statuspage/summary_major_outage.json", "statuspage"),
        ("statuspage/summary_maintenance.json", "statuspage"),
        ("statuspage/incidents.json", "statuspage"),
        ("incidentio/summary_degraded.json", "incidentio"),
        ("incidentio/summary_operational_null_incidents.json", "incidentio"),
    ],
)
def test_detection_picks_the_right_format_and_the_other_refuses(fixture, expected):
    content = load_fixture(fixture)
    kind, _ = detect_format(content)
    assert kind == expected
    other = "incidentio" if expected == "statuspage" else "statuspage"
    with pytest.raises(ParseError):
        PARSERS[other](content, {})


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   ",
        b"{",
        b"[]",
        b"null",
        b'{"page": {}}',
        b'{"page": {"id": "x", "time_zone": "UTC"}}',
        b'{"page": {"id": "x", "time_zone": "UTC"}, "components": {}}',
        b'{"page": {"id": "x", "time_zone": "UTC"}, "components": [{"id": 1}]}',
        b'{"page": {"id": "x", "time_zone": "UTC"}, "incidents": [{"id": "a", "name": "n",'
        b' "status": "investigating", "created_at": "2026-01-01T00:00:00"}]}',
        b'{"page": {"id": "x", "time_zone": "UTC"}, "components": [], "x": NaN}',
        load_fixture("challenge_page.html"),
        b"<html><body>Status</body></html>",
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_it_refuses_what_it_does_not_recognise(content):
    for parser in (parse_statuspage, parse_incidentio):
        with pytest.raises(ParseError):
            parser(content, {})


def test_an_unknown_component_status_is_unknown_never_operational():
    document = json.loads(load_fixture("statuspage/summary_operational.json"))
    document["components"][1]["status"] = "on_fire"
    page = parse_statuspage(json.dumps(document).encode(), {})
    assert page.components[1].status == Status.UNKNOWN


def test_an_unknown_incident_status_keeps_the_incident_open():
    document = json.loads(load_fixture("statuspage/summary_major_outage.json"))
    document["incidents"][0]["status"] = "escalated"
    page = parse_statuspage(json.dumps(document).encode(), {})
    assert page.incidents[0].is_open
    assert any("escalated" in note for note in page.notes)


def test_a_component_filter_keeps_only_those_components_and_their_incidents():
    page = parse_statuspage(
        load_fixture("statuspage/summary_major_outage.json"), {"components": ["cmp0chat0004"]}
    )
    assert [c.external_id for c in page.components] == ["cmp0chat0004"]
    assert len(page.incidents) == 1
    # The headline speaks for the whole page, so it is dropped.
    assert page.indicator is None


def test_a_group_filter_keeps_the_groups_children():
    page = parse_statuspage(
        load_fixture("statuspage/summary_operational.json"), {"components": ["grp0api00001"]}
    )
    assert {c.external_id for c in page.components} == {
        "grp0api00001",
        "cmp0api00002",
        "cmp0con00003",
    }


def test_javascript_links_from_a_payload_are_dropped():
    document = json.loads(load_fixture("statuspage/summary_major_outage.json"))
    document["incidents"][0]["shortlink"] = "javascript:alert(1)"
    document["page"]["url"] = "javascript:alert(2)"
    page = parse_statuspage(json.dumps(document).encode(), {})
    assert page.incidents[0].url == ""
