"""Recording writes only what changed, in statements that do not grow with the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probes.models import Component, Provider, Source, StatusChange, UptimeDay
from probes.parsers.types import ParsedComponent, ParsedPage, Status
from probes.status.recording import record_poll

pytestmark = pytest.mark.django_db

AT = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def page(count: int, status: Status, *, groups: bool = False) -> ParsedPage:
    components = [
        ParsedComponent(
            external_id=f"c{n}",
            name=f"Component {n}",
            status=status,
            position=n,
            group_id="g" if groups and n else "",
        )
        for n in range(count)
    ]
    if groups:
        components.append(
            ParsedComponent(external_id="g", name="Group", status=status, is_group=True)
        )
    return ParsedPage(
        platform="statuspage", components=tuple(components), has_component_states=True
    )


def source_named(slug: str) -> Source:
    provider = Provider.objects.create(slug=slug, name=slug.title())
    return Source.objects.create(provider=provider, url=f"https://{slug}.example.com/s.json")


def statements(source: Source, parsed: ParsedPage, at: datetime) -> int:
    with CaptureQueriesContext(connection) as captured:
        record_poll(source, parsed, at=at)
    return len(captured.captured_queries)


@pytest.mark.parametrize("groups", [False, True])
def test_a_changed_poll_costs_the_same_statements_for_5_or_60_components(groups):
    small, large = source_named("small"), source_named("large")
    for source, count in ((small, 5), (large, 60)):
        record_poll(source, page(count, Status.OPERATIONAL, groups=groups), at=AT)
    later = AT + timedelta(minutes=1)
    assert statements(small, page(5, Status.MAJOR_OUTAGE, groups=groups), later) == statements(
        large, page(60, Status.MAJOR_OUTAGE, groups=groups), later
    )
    assert StatusChange.objects.filter(
        provider=large.provider, new_status="major_outage", component__isnull=False
    ).count() == 60 + int(groups)
    assert set(
        Component.objects.filter(provider=large.provider).values_list("status", flat=True)
    ) == {"major_outage"}


def test_first_sightings_cost_the_same_statements_for_5_or_60_components():
    small, large = source_named("small"), source_named("large")
    assert statements(small, page(5, Status.OPERATIONAL, groups=True), AT) == statements(
        large, page(60, Status.OPERATIONAL, groups=True), AT
    )
    group = Component.objects.get(provider=large.provider, external_id="g")
    assert Component.objects.filter(provider=large.provider, group=group).count() == 59
    assert UptimeDay.objects.filter(provider=large.provider).count() == 61  # 60 and the provider


def test_an_unchanged_component_is_not_written():
    source = source_named("steady")
    record_poll(source, page(10, Status.OPERATIONAL), at=AT)
    with CaptureQueriesContext(connection) as captured:
        record_poll(source, page(10, Status.OPERATIONAL), at=AT + timedelta(minutes=1))
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [sql for sql in writes if "probes_component" in sql]


def test_a_changed_poll_reads_the_providers_headline_rows_once_for_its_status_and_its_alert():
    source = source_named("once")
    record_poll(source, page(5, Status.OPERATIONAL), at=AT)
    with CaptureQueriesContext(connection) as captured:
        outcome = record_poll(source, page(5, Status.MAJOR_OUTAGE), at=AT + timedelta(minutes=1))
    assert outcome.provider_change is not None  # so the alert outbox wrote an event
    from alerts.models import Event

    assert Event.objects.filter(provider=source.provider).exists()

    def reads(table: str) -> int:
        # Not the row lock (the locked source's read, on PostgreSQL): reads of data.
        return sum(
            1
            for query in captured.captured_queries
            if query["sql"].startswith("SELECT")
            and f'FROM "{table}"' in query["sql"]
            and "FOR UPDATE" not in query["sql"]
        )

    # The status refresh and the event share one read of the headline's rows: the event
    # reads neither the provider, nor its sources, nor its components again.
    # The status the refresh compares with is the one read with the locked source (a join).
    assert reads("probes_provider") == 0
    # The enabled sources, read once for the incident matching and the headline, and the
    # locked source (its read is a FOR UPDATE, left out above, where the database has row
    # locks).
    locked = 0 if connection.features.has_select_for_update else 1
    assert reads("probes_source") == 1 + locked
    # The recording's own, which the headline and the rollup's subjects take as written.
    assert reads("probes_component") == 1
    # One row lock: the locked source's join locks its provider, which the rollup then
    # need not lock again.
    locks = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == (1 if connection.features.has_select_for_update else 0)
    assert outcome.rows is not None
    assert outcome.rows.provider.status == Status.MAJOR_OUTAGE


def test_the_headline_rows_a_poll_keeps_are_the_rows_the_database_holds_after_it():
    """The headline takes the sources and components as the recording wrote them, without
    reading them again: they must be what a fresh read gives (new, changed, gone, groups)."""
    source = source_named("written")
    other = Source.objects.create(
        provider=source.provider, url="https://written.example.com/other.json"
    )
    record_poll(source, page(4, Status.OPERATIONAL, groups=True), at=AT)
    later = page(6, Status.OPERATIONAL, groups=True)
    # c1 degrades, c3 leaves the page, c4 and c5 are new.
    parsed = [
        component
        if component.external_id != "c1"
        else ParsedComponent(
            external_id="c1", name="Component 1", status=Status.DEGRADED_PERFORMANCE, position=1
        )
        for component in later.components
        if component.external_id != "c3"
    ]
    moved = ParsedPage(platform="statuspage", components=tuple(parsed), has_component_states=True)
    outcome = record_poll(source, moved, at=AT + timedelta(minutes=1))

    assert outcome.rows is not None
    fresh = Component.objects.filter(provider=source.provider, is_active=True, is_group=False)
    kept = [(c.pk, c.external_id, c.status, c.is_active) for c in outcome.rows.components]
    assert kept == [(c.pk, c.external_id, c.status, c.is_active) for c in fresh]
    assert "c3" not in {c.external_id for c in outcome.rows.components}
    fields = ("pk", "last_polled_at", "last_success_at", "body_hash", "last_error")
    enabled = Source.objects.filter(provider=source.provider, enabled=True).order_by("pk")
    assert sorted(
        (tuple(getattr(s, name) for name in fields) for s in outcome.rows.sources),
        key=lambda row: row[0],
    ) == [tuple(getattr(s, name) for name in fields) for s in enabled]
    assert {s.pk for s in outcome.rows.sources} == {source.pk, other.pk}
