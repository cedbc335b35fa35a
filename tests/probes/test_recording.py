"""Recording parsed pages: idempotent upserts and exactly-once transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from probes.models import Component, Incident, IncidentUpdate, Provider, Source, StatusChange
from probes.parsers.statuspage import parse_incidentio, parse_statuspage
from probes.parsers.types import (
    Impact,
    IncidentStatus,
    ParsedIncident,
    ParsedPage,
    ParsedUpdate,
    Status,
)
from probes.status import headline, recording
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def source() -> Source:
    provider = Provider.objects.create(slug="example", name="Example AI")
    return Source.objects.create(provider=provider, url="https://status.example-ai.test/s.json")


def page(name: str):
    return parse_statuspage(load_fixture(f"statuspage/{name}.json"), {})


def provider_status(source: Source) -> str:
    return Provider.objects.get(pk=source.provider_id).status


def test_the_first_poll_creates_components_and_starts_their_timelines(source):
    recording.record_poll(source, page("summary_operational"), at=T0)
    assert Component.objects.count() == 4
    api = Component.objects.get(external_id="cmp0api00002")
    assert api.group.external_id == "grp0api00001"
    # One start-of-timeline change per component, one for the provider (unknown → operational).
    assert StatusChange.objects.filter(component__isnull=False).count() == 4
    provider_changes = StatusChange.objects.filter(component__isnull=True)
    assert [(c.old_status, c.new_status) for c in provider_changes] == [("unknown", "operational")]


def test_recording_the_same_page_twice_writes_nothing_new(source):
    first = recording.record_poll(source, page("summary_major_outage"), at=T0)
    assert first.changed
    rows = (StatusChange.objects.count(), Incident.objects.count(), IncidentUpdate.objects.count())
    updated_at = Incident.objects.get().updated_at
    second = recording.record_poll(
        source, page("summary_major_outage"), at=T0 + timedelta(minutes=1)
    )
    assert not second.changed
    assert rows == (
        StatusChange.objects.count(),
        Incident.objects.count(),
        IncidentUpdate.objects.count(),
    )
    assert Incident.objects.get().updated_at == updated_at


def test_each_status_transition_is_recorded_once(source):
    recording.record_poll(source, page("summary_operational"), at=T0)
    outcome = recording.record_poll(
        source, page("summary_major_outage"), at=T0 + timedelta(minutes=5)
    )
    api_changes = StatusChange.objects.filter(component__external_id="cmp0api00002")
    assert [(c.old_status, c.new_status) for c in api_changes] == [
        ("unknown", "operational"),
        ("operational", "major_outage"),
    ]
    assert outcome.provider_change is not None
    assert (outcome.provider_change.old_status, outcome.provider_change.new_status) == (
        "operational",
        "major_outage",
    )
    assert [i.external_id for i in outcome.incidents_opened] == ["k2v9x8w7q1rt"]
    incident = Incident.objects.get()
    assert set(incident.components.values_list("external_id", flat=True)) == {
        "cmp0api00002",
        "cmp0chat0004",
    }


def test_group_containers_do_not_count_on_their_own(source):
    parsed = page("summary_operational")
    containers_only_down = ParsedPage(
        platform=parsed.platform,
        components=tuple(
            c if not c.is_group else type(c)(**{**_fields(c), "status": Status.MAJOR_OUTAGE})
            for c in parsed.components
        ),
        indicator=None,
        has_component_states=True,
        lists_all_open_incidents=True,
    )
    recording.record_poll(source, containers_only_down, at=T0)
    assert provider_status(source) == "operational"


def _fields(component):
    return {name: getattr(component, name) for name in component.__slots__}


def test_an_open_incident_counts_even_when_the_headline_says_none(source):
    recording.record_poll(source, page("summary_incident_indicator_none"), at=T0)
    # impact "major" → partial outage, although every component and the indicator are green.
    assert provider_status(source) == "partial_outage"


def test_maintenance_in_progress_shows_as_maintenance(source):
    recording.record_poll(source, page("summary_maintenance"), at=T0)
    assert provider_status(source) == "under_maintenance"
    assert Incident.objects.get().is_maintenance


def test_an_incident_that_vanishes_from_the_unresolved_list_is_closed(source):
    recording.record_poll(source, page("summary_major_outage"), at=T0)
    later = T0 + timedelta(hours=1)
    outcome = recording.record_poll(source, page("summary_operational"), at=later)
    incident = Incident.objects.get()
    assert incident.status == "resolved"
    assert incident.resolved_at == later
    assert outcome.incidents_resolved == [incident]
    assert provider_status(source) == "operational"


def test_a_history_list_never_closes_open_incidents(source):
    recording.record_poll(source, page("summary_major_outage"), at=T0)
    recording.record_poll(source, page("incidents"), at=T0 + timedelta(minutes=1))
    assert Incident.objects.get(external_id="k2v9x8w7q1rt").is_open
    assert not Incident.objects.get(external_id="r1s2t3u4v5w6").is_open


def test_a_failure_keeps_all_earlier_data_and_the_provider_shows_unknown(source):
    recording.record_poll(source, page("summary_major_outage"), at=T0)
    before = list(Component.objects.values_list("external_id", "status").order_by("pk"))
    outcome = recording.record_failure(
        source, "unreadable: got an HTML page", at=T0 + timedelta(minutes=1)
    )
    assert outcome.source_became_unreadable
    assert list(Component.objects.values_list("external_id", "status").order_by("pk")) == before
    assert Incident.objects.get().is_open
    source.refresh_from_db()
    assert source.last_error == "unreadable: got an HTML page"
    assert source.error_since == T0 + timedelta(minutes=1)
    assert source.consecutive_failures == 1
    assert provider_status(source) == "unknown"

    again = recording.record_failure(source, "unreadable: still HTML", at=T0 + timedelta(minutes=2))
    assert not again.source_became_unreadable
    source.refresh_from_db()
    assert source.error_since == T0 + timedelta(minutes=1)
    assert source.consecutive_failures == 2
    # Still unknown: the second failure is not a new transition.
    assert StatusChange.objects.filter(component__isnull=True, new_status="unknown").count() == 1

    back = recording.record_poll(source, page("summary_major_outage"), at=T0 + timedelta(minutes=3))
    assert back.source_recovered
    assert provider_status(source) == "major_outage"
    source.refresh_from_db()
    assert (source.last_error, source.error_since, source.consecutive_failures) == ("", None, 0)


def test_a_provider_never_polled_successfully_is_unknown(source):
    assert headline.compute_provider_status(source.provider) == Status.UNKNOWN


def test_an_update_is_stored_once_even_if_repeated_in_a_payload(source):
    update = ParsedUpdate(key="u1", status=IncidentStatus.INVESTIGATING, body="b", at=T0)
    incident = ParsedIncident(
        external_id="i1",
        title="t",
        impact=Impact.MINOR,
        status=IncidentStatus.INVESTIGATING,
        started_at=T0,
        resolved_at=None,
        url="",
        updates=(update, update),
    )
    recording.record_poll(source, ParsedPage(platform="statuspage", incidents=(incident,)), at=T0)
    assert IncidentUpdate.objects.count() == 1


def test_an_archived_incident_keeps_its_curated_facts_when_a_poll_meets_it(source):
    archived = Incident.objects.create(
        provider=source.provider,
        external_id="k2v9x8w7q1rt",
        title="Curated title",
        impact="critical",
        status="resolved",
        started_at=T0 - timedelta(minutes=30),
        resolved_at=T0 + timedelta(hours=2),
        provenance=Incident.Provenance.ARCHIVE,
    )
    recording.record_poll(source, page("summary_major_outage"), at=T0)
    archived.refresh_from_db()
    assert Incident.objects.count() == 1
    assert archived.title == "Curated title"
    assert archived.provenance == "archive"
    assert archived.updates.count() == 3


def test_an_incident_known_by_an_alias_is_not_duplicated(source):
    Incident.objects.create(
        provider=source.provider,
        external_id="01M3Q4RK1SM4EMK445GGPG7C0N",
        aliases=["6bwlxnvdncnm"],
        title="t",
        impact="minor",
        status="resolved",
        started_at=T0,
        resolved_at=T0,
    )
    parsed = ParsedIncident(
        external_id="6bwlxnvdncnm",
        title="t",
        impact=Impact.MINOR,
        status=IncidentStatus.RESOLVED,
        started_at=T0,
        resolved_at=T0,
        url="",
    )
    recording.record_poll(source, ParsedPage(platform="statuspage", incidents=(parsed,)), at=T0)
    assert Incident.objects.count() == 1


def test_a_stale_provider_status_does_not_record_a_second_transition(source):
    recording.record_poll(source, page("summary_operational"), at=T0)
    provider = Provider.objects.get()
    # Another worker moved the status on in the meantime.
    Provider.objects.filter(pk=provider.pk).update(status="major_outage")
    assert headline.refresh_provider_status(provider, at=T0) is not None  # it differs: operational
    assert headline.refresh_provider_status(provider, at=T0) is None  # now it is the same


def test_components_the_page_stops_listing_stop_counting(source):
    recording.record_poll(source, page("summary_major_outage"), at=T0)
    trimmed = parse_incidentio(
        load_fixture("incidentio/summary_operational_null_incidents.json"), {}
    )
    recording.record_poll(source, trimmed, at=T0 + timedelta(minutes=1))
    assert not Component.objects.get(external_id="cmp0api00002").is_active
    assert provider_status(source) == "operational"
