"""Exposure arithmetic (probes.history.exposure): minutes equal to the recorded intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.history.exposure import (
    AFFECTING,
    DOWN,
    Timeline,
    feature_exposure,
    intersect,
    union,
)
from probes.parsers.types import Status

T0 = datetime(2025, 1, 1, tzinfo=UTC)
OK, DEG, PART, MAJ, MAINT, UNK = (
    Status.OPERATIONAL,
    Status.DEGRADED_PERFORMANCE,
    Status.PARTIAL_OUTAGE,
    Status.MAJOR_OUTAGE,
    Status.UNDER_MAINTENANCE,
    Status.UNKNOWN,
)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def timeline(*changes: tuple[int, Status], before: Status | None = None) -> Timeline:
    return Timeline(changes=tuple((at(m), status) for m, status in changes), before=before)


def test_degraded_and_down_count_unknown_and_operational_do_not():
    assert {DEG, PART, MAJ, MAINT} == AFFECTING
    assert {MAJ} == DOWN


def test_one_provider_counts_its_affected_minutes():
    timelines = {"openai": timeline((0, OK), (10, MAJ), (40, DEG), (50, OK), (70, UNK), (90, OK))}
    result = feature_exposure(["openai"], timelines, upstreams={}, start=at(0), end=at(120))
    assert result.total.affected_minutes == 40
    assert result.total.down_minutes == 30
    assert result.by_provider["openai"].affected_minutes == 40


def test_overlapping_providers_count_shared_minutes_once():
    timelines = {
        "openai": timeline((0, OK), (10, MAJ), (40, OK)),
        "anthropic": timeline((0, OK), (30, PART), (60, OK)),
    }
    result = feature_exposure(
        ["openai", "anthropic"], timelines, upstreams={}, start=at(0), end=at(120)
    )
    # 10..40 and 30..60: 50 minutes, not 60.
    assert result.total.affected_minutes == 50
    assert result.total.down_minutes == 30
    assert result.by_provider["openai"].affected_minutes == 30
    assert result.by_provider["anthropic"].affected_minutes == 30
    assert result.spans == ((at(10), at(60)),)


def test_the_window_clips_an_outage_that_started_before_it_and_one_still_running():
    timelines = {"openai": timeline((5, OK), (50, MAJ), before=MAJ)}
    result = feature_exposure(["openai"], timelines, upstreams={}, start=at(0), end=at(60))
    # Down from before the window to 5, then from 50 to the window's end.
    assert result.total.affected_minutes == 15


def test_changes_before_the_window_only_set_the_starting_status():
    timelines = {"openai": timeline((-600, MAJ), (-300, OK), (-100, DEG))}
    result = feature_exposure(["openai"], timelines, upstreams={}, start=at(0), end=at(60))
    assert result.total.affected_minutes == 60


def test_time_before_we_watched_counts_for_nothing():
    result = feature_exposure(
        ["openai", "never-watched"],
        {"openai": timeline((30, MAJ))},
        upstreams={},
        start=at(0),
        end=at(60),
    )
    assert result.total.affected_minutes == 30
    assert result.by_provider["never-watched"].affected_minutes == 0


def test_by_upstream_is_the_feature_time_while_the_cloud_was_in_trouble():
    timelines = {
        "openai": timeline((0, OK), (10, MAJ), (40, OK)),
        # Azure in trouble 20..100: only 20..40 hurt the feature.
        "azure": timeline((0, OK), (20, PART), (100, OK)),
    }
    result = feature_exposure(
        ["openai"], timelines, upstreams={"openai": ["azure"]}, start=at(0), end=at(120)
    )
    assert result.by_upstream["azure"].affected_minutes == 20
    assert result.by_upstream["azure"].down_minutes == 20
    assert "azure" not in result.by_provider


def test_seconds_round_down_to_whole_minutes():
    timelines = {"openai": Timeline(changes=((at(0) + timedelta(seconds=30), MAJ),), before=OK)}
    result = feature_exposure(["openai"], timelines, upstreams={}, start=at(0), end=at(2))
    assert result.total.affected == timedelta(seconds=90)
    assert result.total.affected_minutes == 1


def test_intersect_and_union_of_spans():
    a = [(at(0), at(10)), (at(20), at(30))]
    b = [(at(5), at(25))]
    assert intersect(a, b) == [(at(5), at(10)), (at(20), at(25))]
    assert union(a, b) == [(at(0), at(30))]


statuses = st.sampled_from(list(Status))
changes = st.lists(st.tuples(st.integers(-200, 400), statuses), max_size=12).map(
    lambda items: sorted(items, key=lambda item: item[0])
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "cloud"]),
        st.tuples(changes, st.one_of(st.none(), statuses)),
        max_size=4,
    ),
    st.integers(0, 300),
    st.integers(0, 300),
)
def test_minutes_never_exceed_the_window_and_the_union_never_exceeds_the_sum(raw, first, length):
    timelines = {slug: timeline(*items, before=before) for slug, (items, before) in raw.items()}
    start, end = at(first), at(first + length)
    result = feature_exposure(
        ["a", "b", "c"], timelines, upstreams={"a": ["cloud"], "b": ["cloud"]}, start=start, end=end
    )
    window = end - start
    assert result.total.down <= result.total.affected <= window
    assert result.total.affected <= sum(
        (minutes.affected for minutes in result.by_provider.values()), timedelta()
    )
    for minutes in [*result.by_provider.values(), *result.by_upstream.values()]:
        assert minutes.down <= minutes.affected <= result.total.affected
    assert 0 <= result.share <= 1
    assert all(start <= a < b <= end for a, b in result.spans)
