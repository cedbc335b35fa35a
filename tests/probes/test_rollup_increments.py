"""Uptime rows carried on poll by poll are exactly the rows a recompute from raw rows writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.history import increments, rollups
from probes.models import Provider, Source, UptimeDay
from probes.parsers.types import (
    Impact,
    IncidentStatus,
    ParsedComponent,
    ParsedIncident,
    ParsedPage,
    Status,
)
from probes.status.recording import record_poll

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 1, 22, 0, tzinfo=UTC)
COMPONENTS = ("api", "chat", "files")
STATUSES = [
    Status.OPERATIONAL,
    Status.DEGRADED_PERFORMANCE,
    Status.PARTIAL_OUTAGE,
    Status.MAJOR_OUTAGE,
    Status.UNDER_MAINTENANCE,
]
IMPACTS = [Impact.MINOR, Impact.MAJOR, Impact.CRITICAL]

# One poll: how long after the previous one (microseconds count: a poll lands anywhere), the
# status of each component, and an incident (or none) with its impact, components, how far its
# start lies before the poll (0: it started now) and whether it is over.
poll = st.tuples(
    st.integers(min_value=1, max_value=6 * 3600 * 10**6),
    st.tuples(*(st.sampled_from(STATUSES) for _ in COMPONENTS)),
    st.one_of(
        st.none(),
        st.tuples(
            st.integers(min_value=0, max_value=2),
            st.sampled_from(IMPACTS),
            st.sets(st.sampled_from(COMPONENTS), max_size=2),
            st.sampled_from([0, 0, 0, 90, 20 * 3600]),
            st.booleans(),
        ),
    ),
)

FIELDS = (
    "component_id",
    "day",
    "observed_seconds",
    "down_seconds",
    "major_seconds",
    "partial_seconds",
    "degraded_seconds",
    "maintenance_seconds",
    "computed_until",
    "tail_status",
    "running",
)


def stored(provider: Provider) -> list[tuple[object, ...]]:
    return sorted(UptimeDay.objects.filter(provider=provider).values_list(*FIELDS), key=repr)


IncidentDraw = tuple[int, Impact, set[str], int, bool]


def page_for(
    statuses: tuple[Status, ...], incident: IncidentDraw | None, at: datetime
) -> ParsedPage:
    incidents: tuple[ParsedIncident, ...] = ()
    if incident is not None:
        number, impact, components, seconds_before, over = incident
        started = at - timedelta(seconds=seconds_before)
        incidents = (
            ParsedIncident(
                external_id=f"inc-{number}",
                title=f"Incident {number}",
                impact=impact,
                status=IncidentStatus.RESOLVED if over else IncidentStatus.INVESTIGATING,
                started_at=started,
                resolved_at=at if over else None,
                url="",
                component_ids=tuple(sorted(components)),
            ),
        )
    return ParsedPage(
        platform="statuspage",
        components=tuple(
            ParsedComponent(external_id=name, name=name.title(), status=status, position=index)
            for index, (name, status) in enumerate(zip(COMPONENTS, statuses, strict=True))
        ),
        incidents=incidents,
        has_component_states=True,
        lists_all_open_incidents=True,
    )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(polls=st.lists(poll, min_size=2, max_size=12))
def test_rows_carried_on_equal_a_recompute_over_random_transitions(polls, monkeypatch):
    carried = []
    real_advance = increments.advance

    def counting_advance(*args, **kwargs):
        written = real_advance(*args, **kwargs)
        carried.append(written is not None)
        return written

    monkeypatch.setattr(increments, "advance", counting_advance)
    with transaction.atomic():
        provider = Provider.objects.create(slug="random", name="Random")
        source = Source.objects.create(provider=provider, url="https://status.example.com/a.json")
        times = [START]
        for gap, _, _ in polls:
            times.append(times[-1] + timedelta(microseconds=gap))
        for index, (_, statuses, incident) in enumerate(polls):
            at = times[index]
            record_poll(source, page_for(statuses, incident, at), at=at)
            # Between two polls the hourly task carries quiet rows on too.
            rollups.catch_up(provider, now=at + (times[index + 1] - at) / 2)
        end = times[-1]
        rollups.catch_up(provider, now=end)
        incremental = stored(provider)
        rollups.rebuild(provider, now=end)
        assert stored(provider) == incremental
        transaction.set_rollback(True)
    assert any(carried), "every update was a recompute: nothing carried on"


def test_a_poll_that_only_moves_time_on_is_carried_on_not_recomputed(monkeypatch):
    provider = Provider.objects.create(slug="steady", name="Steady")
    source = Source.objects.create(provider=provider, url="https://status.example.com/b.json")
    statuses = (Status.OPERATIONAL, Status.OPERATIONAL, Status.OPERATIONAL)
    record_poll(source, page_for(statuses, None, START), at=START)
    recomputed = []
    real_update = rollups.update_rollups
    monkeypatch.setattr(
        rollups, "update_rollups", lambda *a, **k: recomputed.append(1) or real_update(*a, **k)
    )
    later = START + timedelta(minutes=5)
    degraded = (Status.DEGRADED_PERFORMANCE, Status.OPERATIONAL, Status.OPERATIONAL)
    record_poll(source, page_for(degraded, None, later), at=later)
    assert recomputed == []
    api = UptimeDay.objects.get(component__external_id="api", day=START.date())
    assert api.computed_until == later
    assert api.tail_status == Status.DEGRADED_PERFORMANCE
    assert api.observed_seconds == 300


def test_an_incident_that_started_before_the_rows_stopped_is_recomputed(monkeypatch):
    provider = Provider.objects.create(slug="late", name="Late")
    source = Source.objects.create(provider=provider, url="https://status.example.com/c.json")
    statuses = (Status.OPERATIONAL, Status.OPERATIONAL, Status.OPERATIONAL)
    record_poll(source, page_for(statuses, None, START), at=START)
    later = START + timedelta(minutes=30)
    # Opened now, but the provider says it started 20 minutes ago: the rows' last stretch moves.
    record_poll(
        source, page_for(statuses, (1, Impact.CRITICAL, {"api"}, 1200, False), later), at=later
    )
    provider_row = UptimeDay.objects.get(provider=provider, component=None, day=START.date())
    assert provider_row.down_seconds == 1200
    api = UptimeDay.objects.get(component__external_id="api", day=START.date())
    assert api.down_seconds == 1200
