"""The status model (probes.status.headline_rules): its table of cases and its invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probes.parsers.types import SEVERITY, Status
from probes.status.headline_rules import (
    TROUBLE,
    ObservedReading,
    OfficialReading,
    Provenance,
    Readability,
    bridged_since,
    decide_headline,
)

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OK = Status.OPERATIONAL
DEGRADED = Status.DEGRADED_PERFORMANCE
PARTIAL = Status.PARTIAL_OUTAGE
MAJOR = Status.MAJOR_OUTAGE
MAINT = Status.UNDER_MAINTENANCE
UNKNOWN = Status.UNKNOWN
R, U, S, N = (
    Readability.READABLE,
    Readability.UNREADABLE,
    Readability.STALE,
    Readability.NOT_READ,
)


def page(readability: Readability, *statuses: Status, url: str = "summary") -> OfficialReading:
    reason = "" if readability == R else f"{url} broke"
    since = None if readability in (R, N) else T0
    return OfficialReading(url, readability, tuple(statuses), reason, since)


def seen(status: Status, *, fresh: bool = True) -> ObservedReading:
    return ObservedReading(status, fresh, T0 - timedelta(minutes=5))


# (name, official sources, observed, expected status, provenance, official, partly unreadable)
CASES = [
    ("all quiet", [page(R, OK), page(R)], None, OK, "official", OK, False),
    ("summary says major", [page(R, MAJOR, OK), page(R)], None, MAJOR, "official", MAJOR, False),
    # The issue's first bug: the feed breaks while summary.json says major outage.
    ("feed breaks", [page(R, MAJOR), page(U, url="feed")], None, MAJOR, "official", MAJOR, True),
    # The page that reported the outage breaks: its last word stands until someone calls it over.
    ("summary breaks", [page(U, MAJOR), page(R, url="feed")], None, MAJOR, "official", MAJOR, True),
    ("one stale", [page(R, OK), page(S, DEGRADED)], None, DEGRADED, "official", DEGRADED, True),
    ("one never read", [page(R, PARTIAL), page(N)], None, PARTIAL, "official", PARTIAL, False),
    ("all unreadable", [page(U, MAJOR), page(U)], None, UNKNOWN, "none", UNKNOWN, False),
    ("nothing read yet", [page(N), page(N)], None, UNKNOWN, "none", UNKNOWN, False),
    ("no source, no probe", [], None, UNKNOWN, "none", UNKNOWN, False),
    # Probe-only providers (a local model server, Midjourney, watsonx, Copilot).
    ("probe-only up", [], seen(OK), OK, "observed", UNKNOWN, False),
    ("probe-only down", [], seen(MAJOR), MAJOR, "observed", UNKNOWN, False),
    ("probe-only stale", [], seen(MAJOR, fresh=False), UNKNOWN, "none", UNKNOWN, False),
    ("probe-only not run", [], seen(UNKNOWN), UNKNOWN, "none", UNKNOWN, False),
    # Observed raises, never lowers; the official word stays apart.
    ("probes see outage", [page(R, OK)], seen(MAJOR), MAJOR, "observed", OK, False),
    ("probes see slowness", [page(R, OK)], seen(DEGRADED), DEGRADED, "observed", OK, False),
    ("probes fine, page down", [page(R, MAJOR)], seen(OK), MAJOR, "official", MAJOR, False),
    ("probes agree", [page(R, MAJOR)], seen(MAJOR), MAJOR, "official", MAJOR, False),
    ("stale probes", [page(R, OK)], seen(MAJOR, fresh=False), OK, "official", OK, False),
    ("probes beat maintenance", [page(R, MAINT)], seen(PARTIAL), PARTIAL, "observed", MAINT, False),
    ("maintenance", [page(R, MAINT, OK)], seen(OK), MAINT, "official", MAINT, False),
    ("pages unreadable, probes up", [page(U, MAJOR)], seen(OK), OK, "observed", UNKNOWN, False),
]


@pytest.mark.parametrize(
    ("sources", "observed", "status", "provenance", "official", "partly"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_table_of_cases(sources, observed, status, provenance, official, partly):
    headline = decide_headline(sources, observed)
    assert headline.status == status
    assert headline.provenance == provenance
    assert headline.official == official
    assert headline.partly_unreadable is partly


def test_an_unreadable_source_is_named_with_its_reason_and_since():
    headline = decide_headline([page(R, MAJOR), page(U, url="history.atom")], None)
    [issue] = headline.issues
    assert (issue.kind, issue.url, issue.reason, issue.since) == (
        U,
        "history.atom",
        "history.atom broke",
        T0,
    )


def test_since_is_the_recorded_start_while_the_recorded_status_holds():
    began = T0 - timedelta(hours=1)
    sources = [page(R, MAJOR), page(U, url="feed")]
    assert decide_headline(sources, None, recorded=(MAJOR, began)).since == began
    # A status the record does not hold yet has no since of its own to show.
    assert decide_headline(sources, None, recorded=(OK, began)).since is None
    observed = decide_headline([page(R, OK)], seen(MAJOR), recorded=(OK, began))
    assert observed.since == T0 - timedelta(minutes=5)


def test_archived_or_orphan_incidents_count_while_a_page_is_readable():
    assert decide_headline([page(R, OK)], None, unattributed=[PARTIAL]).status == PARTIAL
    assert decide_headline([page(U, OK)], None, unattributed=[PARTIAL]).status == UNKNOWN


def test_team_reports_warn_but_never_change_the_word():
    headline = decide_headline([page(R, OK)], None, team_burst=True)
    assert (headline.status, headline.team_warning) == (OK, True)


def test_since_looks_through_unknown_gaps_only():
    history = [
        (OK, T0),
        (MAJOR, T0 + timedelta(minutes=1)),
        (UNKNOWN, T0 + timedelta(minutes=5)),
        (MAJOR, T0 + timedelta(minutes=7)),
        (UNKNOWN, T0 + timedelta(minutes=9)),
    ]
    later = T0 + timedelta(minutes=12)
    assert bridged_since(MAJOR, later, history) == T0 + timedelta(minutes=1)
    assert bridged_since(PARTIAL, later, history) == later
    assert bridged_since(OK, later, history) == later
    assert bridged_since(MAJOR, later, []) == later


# Property tests over random combinations of source states.

statuses = st.sampled_from(list(Status))
readings = st.builds(
    OfficialReading,
    url=st.sampled_from(["summary.json", "history.atom", "incidents.json", "rss"]),
    readability=st.sampled_from(list(Readability)),
    statuses=st.lists(statuses, max_size=4).map(tuple),
    reason=st.just("it broke"),
    since=st.just(T0),
)
observations = st.none() | st.builds(
    ObservedReading, status=statuses, fresh=st.booleans(), since=st.just(T0)
)
PROPERTIES = settings(max_examples=200, deadline=None)


def readable_trouble(sources):
    return [
        status
        for source in sources
        if source.readability == R
        for status in source.statuses
        if status in TROUBLE
    ]


@PROPERTIES
@given(st.lists(readings, max_size=5), observations, st.booleans())
def test_never_operational_or_unknown_while_a_readable_source_reports_trouble(
    sources, observed, burst
):
    headline = decide_headline(sources, observed, team_burst=burst)
    trouble = readable_trouble(sources)
    if trouble:
        assert headline.status not in (OK, UNKNOWN)
        assert SEVERITY[headline.status] >= max(SEVERITY[status] for status in trouble)
        assert headline.official in TROUBLE


@PROPERTIES
@given(st.lists(readings, max_size=5), observations)
def test_never_operational_while_fresh_probes_confirm_trouble(sources, observed):
    headline = decide_headline(sources, observed)
    if observed is not None and observed.fresh and observed.status in TROUBLE:
        assert headline.status in TROUBLE
        assert SEVERITY[headline.status] >= SEVERITY[observed.status]


@PROPERTIES
@given(st.lists(readings, min_size=2, max_size=5), observations, st.data())
def test_one_source_breaking_changes_nothing_while_another_still_speaks(sources, observed, data):
    index = data.draw(st.integers(0, len(sources) - 1))
    others_readable = any(s.readability == R for i, s in enumerate(sources) if i != index)
    broken = list(sources)
    broken[index] = OfficialReading(sources[index].url, U, sources[index].statuses, "HTTP 500", T0)
    before = decide_headline(sources, observed, recorded=(MAJOR, T0))
    after = decide_headline(broken, observed, recorded=(MAJOR, T0))
    if others_readable:
        assert (after.status, after.official, after.since) == (
            before.status,
            before.official,
            before.since,
        )
        assert after.partly_unreadable
        assert any(issue.reason == "HTTP 500" for issue in after.issues)


@PROPERTIES
@given(st.lists(readings, max_size=5), observations, st.booleans())
def test_probes_and_reports_never_touch_the_official_word(sources, observed, burst):
    alone = decide_headline(sources, None)
    together = decide_headline(sources, observed, team_burst=burst)
    assert together.official == alone.official
    # They may raise the headline, never lower it below a known official status.
    if alone.status != UNKNOWN:
        assert SEVERITY[together.status] >= SEVERITY[alone.status]
    if not burst:
        assert not together.team_warning


@PROPERTIES
@given(st.lists(readings, max_size=5), observations)
def test_unknown_only_when_nothing_can_speak(sources, observed):
    headline = decide_headline(sources, observed)
    nothing_readable = not any(source.readability == R for source in sources)
    no_fresh_probe = observed is None or not observed.fresh or observed.status == UNKNOWN
    if headline.status == UNKNOWN and headline.provenance == Provenance.NONE:
        assert nothing_readable
        assert no_fresh_probe
    if not nothing_readable:
        assert headline.official != UNKNOWN or not readable_trouble(sources)
    assert headline.partly_unreadable == (
        not nothing_readable and any(source.readability in (U, S) for source in sources)
    )


@PROPERTIES
@given(observations)
def test_a_probe_only_provider_shows_its_fresh_observed_status(observed):
    headline = decide_headline([], observed)
    assert headline.observed_only
    if observed is not None and observed.fresh:
        assert headline.status == observed.status
    else:
        assert headline.status == UNKNOWN


transitions = st.lists(st.tuples(statuses, st.integers(0, 10_000)), max_size=8).map(
    lambda items: [
        (status, T0 + timedelta(minutes=offset))
        for status, offset in sorted(items, key=lambda item: item[1])
    ]
)


@PROPERTIES
@given(transitions, statuses, st.lists(st.integers(0, 8), max_size=4))
def test_unknown_gaps_never_restart_the_since_clock(history, new, gaps):
    later = T0 + timedelta(days=30)
    gapped = list(history)
    for position in sorted(gaps, reverse=True):
        index = min(position, len(gapped))
        moment = gapped[index - 1][1] if index else T0
        gapped.insert(index, (UNKNOWN, moment))
    if new != UNKNOWN:
        assert bridged_since(new, later, gapped) == bridged_since(new, later, history)
    assert bridged_since(new, later, history) <= later
