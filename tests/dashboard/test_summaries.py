"""What a provider's card says: status, source problems, component groups. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.summaries import (
    find_source_problem,
    group_components,
    status_sources,
    summarise_provider,
)
from probes.models import Component, Provider, Source
from probes.parsers.types import Status

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


def source(**kwargs) -> Source:
    kwargs.setdefault("url", "https://status.example.com/api/v2/summary.json")
    kwargs.setdefault("last_success_at", NOW)
    kwargs.setdefault("interval_seconds", 60)
    return Source(**kwargs)


def test_healthy_fresh_sources_have_no_problem():
    assert find_source_problem([source(), source()], now=NOW + timedelta(minutes=3)) is None


def test_a_failing_source_is_unreadable_with_its_reason_and_since():
    failing = source(last_error="HTTP 502", error_since=NOW - timedelta(hours=1))

    problem = find_source_problem([source(), failing], now=NOW)

    assert problem is not None
    assert (problem.kind, problem.reason, problem.since) == (
        "unreadable",
        "HTTP 502",
        NOW - timedelta(hours=1),
    )


def test_no_sources_or_unread_sources_are_problems():
    unconfigured = find_source_problem([], now=NOW)
    unread = find_source_problem([source(last_success_at=None)], now=NOW)

    assert unconfigured is not None
    assert unconfigured.kind == "unconfigured"
    assert unread is not None
    assert unread.kind == "not_read"


def test_data_goes_stale_after_five_intervals_but_never_sooner_than_fifteen_minutes():
    fast = source(interval_seconds=60)
    slow = source(interval_seconds=600)

    assert find_source_problem([fast], now=NOW + timedelta(minutes=15)) is None
    stale = find_source_problem([fast], now=NOW + timedelta(minutes=16))
    assert stale is not None
    assert stale.kind == "stale"
    assert find_source_problem([slow], now=NOW + timedelta(minutes=50)) is None
    assert find_source_problem([slow], now=NOW + timedelta(minutes=51)) is not None


def test_only_enabled_status_sources_count():
    provider = Provider(slug="x", name="X")
    provider.enabled_sources = [source(kind="statuspage")]  # type: ignore[attr-defined]

    assert len(status_sources(provider)) == 1


def component(pk: int, name: str, status: str = "operational", **kwargs) -> Component:
    return Component(pk=pk, name=name, status=status, external_id=str(pk), **kwargs)


def test_groups_roll_up_their_worst_child_and_keep_page_order():
    api_group = component(1, "APIs", is_group=True)
    apps_group = component(2, "Apps", "major_outage", is_group=True)
    chat = component(3, "Chat", "partial_outage", group_id=1)
    embeddings = component(4, "Embeddings", group_id=1)
    website = component(5, "Website")
    orphan = component(6, "Orphan", "degraded_performance", group_id=99)

    groups = group_components([api_group, apps_group, chat, embeddings, website, orphan])

    assert [(g.name, [c.name for c in g.children]) for g in groups] == [
        ("", ["Website", "Orphan"]),
        ("APIs", ["Chat", "Embeddings"]),
        ("Apps", []),
    ]
    assert groups[1].status == Status.PARTIAL_OUTAGE
    # A group with no children listed keeps the status the page gave it.
    assert groups[2].status == Status.MAJOR_OUTAGE


def test_a_status_value_this_version_does_not_know_counts_as_unknown():
    group = component(1, "APIs", is_group=True)
    odd = component(2, "Odd", "on_fire", group_id=1)

    assert group_components([group, odd])[0].status == Status.UNKNOWN


def test_a_provider_not_loaded_for_the_dashboard_is_summarised_the_same(db):
    from probes.models import Incident, IncidentUpdate

    provider = Provider.objects.create(slug="p", name="P", status="major_outage")
    Source.objects.create(provider=provider, url="https://e.example/s.json", last_success_at=NOW)
    incident = Incident.objects.create(
        provider=provider, external_id="i", title="Down", status="investigating", started_at=NOW
    )
    IncidentUpdate.objects.create(incident=incident, key="a", status="investigating", at=NOW)
    IncidentUpdate.objects.create(
        incident=incident, key="b", status="identified", at=NOW + timedelta(minutes=5)
    )
    plain = Provider.objects.get(pk=provider.pk)
    prefetched = Provider.objects.for_dashboard().get(pk=provider.pk)

    for loaded in (plain, prefetched):
        summary = summarise_provider(loaded, now=NOW + timedelta(minutes=6))
        assert summary.status == Status.MAJOR_OUTAGE
        assert [item.incident.title for item in summary.open_incidents] == ["Down"]
        latest = summary.open_incidents[0].latest_update
        assert latest is not None
        assert latest.key == "b"


def test_a_second_source_not_read_yet_is_no_problem_while_the_first_speaks(db):
    provider = Provider.objects.create(slug="two", name="Two", status="partial_outage")
    Source.objects.create(provider=provider, url="https://e.example/s.json", last_success_at=NOW)
    Source.objects.create(provider=provider, url="https://e.example/history.atom", kind="feed")

    summary = summarise_provider(provider, now=NOW + timedelta(minutes=1))

    assert summary.status == Status.PARTIAL_OUTAGE
    assert summary.problem is None
    assert not summary.partly_unreadable


def test_a_failing_source_beside_a_readable_one_is_named_not_unknown(db):
    provider = Provider.objects.create(slug="two", name="Two", status="major_outage")
    Source.objects.create(provider=provider, url="https://e.example/s.json", last_success_at=NOW)
    Source.objects.create(
        provider=provider,
        url="https://e.example/history.atom",
        kind="feed",
        last_error="HTTP 503",
        error_since=NOW,
    )
    Source.objects.create(provider=provider, url="https://e.example/new.rss", kind="feed")

    summary = summarise_provider(provider, now=NOW + timedelta(minutes=1))

    assert summary.status == Status.MAJOR_OUTAGE
    assert summary.problem is not None
    assert (summary.problem.kind, summary.problem.reason) == ("partly_unreadable", "HTTP 503")
    assert summary.category == "problem"
