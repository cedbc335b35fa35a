"""Valid pages that cannot stand for what we follow: shown as source problems, never green."""

from __future__ import annotations

import json

import pytest

from probes.models import Component, Incident, Provider, Source
from probes.parsers import ParseError, detect_format
from probes.parsers.payload import MAX_ITEMS
from probes.parsers.statuspage import parse_statuspage
from probes.status.polling import poll_source
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

PATH = "/api/v2/summary.json"


def make_source(status_server, filters: dict | None = None) -> Source:
    provider = Provider.objects.create(slug="example", name="Example AI")
    return Source.objects.create(
        provider=provider, url=status_server.url(PATH), kind="statuspage", filters=filters or {}
    )


def poll(status_server, source: Source, body: bytes):
    status_server.set(PATH, body)
    source.refresh_from_db()
    return poll_source(source)


def assert_outage_kept(source: Source, reason: str) -> None:
    source.refresh_from_db()
    assert source.last_error.startswith(reason)
    assert Provider.objects.get().status != "operational"
    api = Component.objects.get(external_id="cmp0api00002")
    assert api.is_active
    assert api.status == "major_outage"
    assert Incident.objects.get(external_id="k2v9x8w7q1rt").is_open


def test_a_page_that_drops_every_component_is_a_problem_not_an_all_clear(status_server):
    source = make_source(status_server)
    poll(status_server, source, load_fixture("statuspage/summary_major_outage.json"))
    result = poll(status_server, source, load_fixture("statuspage/summary_no_components.json"))
    assert result.state == "error"
    assert "the page lists no components (it listed 3 before)" in result.message
    assert_outage_kept(source, "components missing")
    # Polling the same page again changes nothing but the count of failures.
    poll(status_server, source, load_fixture("statuspage/summary_no_components.json"))
    assert_outage_kept(source, "components missing")


def test_a_filtered_component_that_was_renamed_is_a_problem_not_an_all_clear(status_server):
    source = make_source(status_server, filters={"components": ["cmp0api00002"]})
    poll(status_server, source, load_fixture("statuspage/summary_major_outage.json"))
    assert Provider.objects.get().status == "major_outage"
    result = poll(status_server, source, load_fixture("statuspage/summary_api_renamed.json"))
    assert result.state == "error"
    assert "no longer lists cmp0api00002" in result.message
    assert_outage_kept(source, "components missing")


def test_a_filter_that_still_matches_records_as_usual(status_server):
    source = make_source(status_server, filters={"components": ["cmp0chat0004"]})
    poll(status_server, source, load_fixture("statuspage/summary_major_outage.json"))
    assert (
        poll(status_server, source, load_fixture("statuspage/summary_api_renamed.json")).state
        == "ok"
    )
    assert Provider.objects.get().status == "operational"


def test_a_page_that_never_listed_components_is_not_a_problem(status_server):
    source = make_source(status_server)
    result = poll(status_server, source, load_fixture("statuspage/summary_no_components.json"))
    assert result.state == "ok"


def _with_open_incidents(count: int) -> bytes:
    """The outage page with `count` filler incidents listed before the real one."""
    document = json.loads(load_fixture("statuspage/summary_major_outage.json"))
    real = document["incidents"][0]
    filler = {
        "status": "investigating",
        "impact": "minor",
        "created_at": "2026-11-20T10:01:00.000Z",
        "updated_at": "2026-11-20T10:01:00.000Z",
        "incident_updates": [],
        "components": [],
    }
    document["incidents"] = [
        {**filler, "id": f"fill{index:08d}", "name": f"Filler {index}"} for index in range(count)
    ] + [real]
    return json.dumps(document, separators=(",", ":")).encode()


def test_a_list_longer_than_the_cap_is_refused_not_cut(status_server):
    with pytest.raises(ParseError, match=f"more than the {MAX_ITEMS}"):
        parse_statuspage(_with_open_incidents(MAX_ITEMS), {})
    source = make_source(status_server)
    poll(status_server, source, load_fixture("statuspage/summary_major_outage.json"))
    result = poll(status_server, source, _with_open_incidents(MAX_ITEMS))
    assert result.state == "error"
    assert f"incidents has {MAX_ITEMS + 1} items" in result.message
    # The real incident, past the cap, is not read as resolved.
    assert_outage_kept(source, "unreadable")
    assert Incident.objects.count() == 1


def test_a_list_at_the_cap_is_read_whole():
    page = parse_statuspage(_with_open_incidents(MAX_ITEMS - 1), {})
    assert len(page.incidents) == MAX_ITEMS
    assert page.incidents[-1].external_id == "k2v9x8w7q1rt"


def test_detection_stops_at_the_first_parser_that_finds_a_list_past_the_cap():
    # Unreadable in every format: the other parsers are not asked to decode it again.
    with pytest.raises(ParseError) as error:
        detect_format(_with_open_incidents(MAX_ITEMS))
    assert str(error.value).startswith(f"statuspage: incidents has {MAX_ITEMS + 1} items")
