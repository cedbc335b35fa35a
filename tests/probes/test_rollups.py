"""Daily uptime rollups: kept up to date by polls, equal to a rebuild, read without raw rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from probes.history import rollups
from probes.models import Incident, Provider, Source, UptimeDay
from probes.parsers.types import ParsedComponent, ParsedPage, Status
from probes.status.recording import record_poll

pytestmark = pytest.mark.django_db


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, minute, tzinfo=UTC)


def page(api: Status, chat: Status = Status.OPERATIONAL) -> ParsedPage:
    return ParsedPage(
        platform="statuspage",
        components=(
            ParsedComponent(external_id="api", name="API", status=api),
            ParsedComponent(external_id="chat", name="Chat", status=chat, position=1),
        ),
        has_component_states=True,
    )


@pytest.fixture
def source() -> Source:
    provider = Provider.objects.create(slug="example", name="Example")
    return Source.objects.create(provider=provider, url="https://status.example.com/s.json")


def rows(source: Source, name: str | None) -> dict[date, UptimeDay]:
    query = UptimeDay.objects.filter(provider=source.provider)
    query = query.filter(component=None) if name is None else query.filter(component__name=name)
    return {row.day: row for row in query}


def test_recorded_polls_keep_the_days_they_touch_up_to_date(source):
    record_poll(source, page(Status.OPERATIONAL), at=t(1, 0))
    record_poll(source, page(Status.MAJOR_OUTAGE), at=t(1, 10))
    record_poll(source, page(Status.OPERATIONAL), at=t(1, 12))
    api = rows(source, "API")[date(2025, 1, 1)]
    assert api.computed_until == t(1, 12)
    assert api.observed_seconds == 12 * 3600
    assert api.down_seconds == 2 * 3600
    assert api.tail_status == "operational"
    # The provider as a whole followed the worst component.
    assert rows(source, None)[date(2025, 1, 1)].down_seconds == 2 * 3600
    assert rows(source, "Chat")[date(2025, 1, 1)].down_seconds == 0


def test_a_change_days_later_fills_the_quiet_days_in_between(source):
    record_poll(source, page(Status.OPERATIONAL), at=t(1, 0))
    record_poll(source, page(Status.PARTIAL_OUTAGE), at=t(4, 6))
    api = rows(source, "API")
    assert sorted(api) == [date(2025, 1, d) for d in (1, 2, 3, 4)]
    assert api[date(2025, 1, 2)].observed_seconds == 86400
    assert api[date(2025, 1, 4)].observed_seconds == 6 * 3600


def test_an_unchanged_poll_writes_no_rollup(source, django_assert_num_queries):
    record_poll(source, page(Status.OPERATIONAL), at=t(1, 0))
    before = list(UptimeDay.objects.values_list("pk", "computed_until"))
    record_poll(source, page(Status.OPERATIONAL), at=t(1, 5))
    assert list(UptimeDay.objects.values_list("pk", "computed_until")) == before


def test_incremental_rows_equal_a_rebuild_from_raw_rows(source):
    for day, hour, status in [
        (1, 0, Status.OPERATIONAL),
        (1, 9, Status.MAJOR_OUTAGE),
        (2, 3, Status.PARTIAL_OUTAGE),
        (2, 4, Status.UNDER_MAINTENANCE),
        (3, 1, Status.OPERATIONAL),
    ]:
        record_poll(source, page(status), at=t(day, hour))
    fields = (
        "component_id",
        "day",
        "observed_seconds",
        "down_seconds",
        "maintenance_seconds",
        "tail_status",
    )
    incremental = sorted(UptimeDay.objects.values_list(*fields), key=str)
    rollups.rebuild(source.provider, now=t(3, 1))
    assert sorted(UptimeDay.objects.values_list(*fields), key=str) == incremental


def test_incident_days_without_status_data_get_no_uptime(source):
    incident = Incident.objects.create(
        provider=source.provider,
        external_id="x",
        title="Outage",
        impact="critical",
        status="resolved",
        started_at=t(5, 18, 40),
        resolved_at=t(6, 2, 20),
        provenance=Incident.Provenance.ARCHIVE,
    )
    rollups.refresh_incident_days([incident], now=t(20, 0))
    # Archived, never watched: listed, counted in reliability, but no day has an uptime.
    assert rows(source, None) == {}


def test_incident_days_we_watched_count_the_incident(source):
    record_poll(source, page(Status.OPERATIONAL), at=t(5, 0))
    incident = Incident.objects.create(
        provider=source.provider,
        external_id="x",
        title="Outage",
        impact="critical",
        status="resolved",
        started_at=t(5, 18, 40),
        resolved_at=t(6, 2, 20),
    )
    rollups.refresh_incident_days([incident], now=t(20, 0))
    provider_rows = rows(source, None)
    assert provider_rows[date(2025, 1, 5)].down_seconds == 5 * 3600 + 20 * 60
    assert provider_rows[date(2025, 1, 5)].observed_seconds == 86400


def test_reading_days_is_one_query_and_no_data_stays_none(source, django_assert_num_queries):
    record_poll(source, page(Status.OPERATIONAL), at=t(3, 0))
    with django_assert_num_queries(1):
        window, by_subject = rollups.read_days(source.provider, 5, now=t(4, 12))
    assert window[0] == date(2024, 12, 31)
    provider_days = by_subject[None]
    assert [d.uptime for d in provider_days[:3]] == [None, None, None]
    assert provider_days[3].uptime == 1.0
    assert provider_days[4].observed_seconds == 12 * 3600


def test_the_hourly_task_gives_quiet_days_their_rows(source):
    from probes.tasks import roll_uptime_days_task

    record_poll(source, page(Status.OPERATIONAL), at=t(1, 0))
    with time_machine.travel(t(3, 6), tick=False):
        roll_uptime_days_task()
    api = rows(source, "API")
    assert sorted(api) == [date(2025, 1, d) for d in (1, 2, 3)]
    assert api[date(2025, 1, 3)].computed_until == t(3, 6)
