"""A claim keeps each source's phase: after a stall, overdue sources stay spread over their
interval instead of polling in lock-step from the tick that claimed them all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from probes.models import Source
from probes.status import scheduling
from tests.factories import make_provider, make_source

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MINUTE = timedelta(seconds=60)


@given(
    overdue=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    interval_seconds=st.integers(min_value=10, max_value=86_400),
)
def test_a_shift_is_whole_intervals_to_at_least_half_an_interval_ahead(overdue, interval_seconds):
    interval = timedelta(seconds=interval_seconds)
    due = NOON - overdue
    shift = scheduling.phase_shift(due, interval=interval, now=NOON)
    assert shift % interval == timedelta(0)
    assert interval / 2 <= due + shift - NOON < interval * 3 / 2
    # Never further ahead than the clock-back rule lets a claim set.
    assert not scheduling.is_ahead_of_the_clock(
        due + shift, interval=interval, last_polled_at=None, now=NOON
    )


@pytest.mark.parametrize(
    ("overdue", "next_after_now"),
    [
        (timedelta(seconds=2), timedelta(seconds=58)),  # on time: one interval after due
        (timedelta(seconds=29), timedelta(seconds=31)),
        (timedelta(seconds=31), timedelta(seconds=89)),  # not polled again 29 s from now
        (timedelta(minutes=10, seconds=5), timedelta(seconds=55)),
    ],
)
def test_the_next_poll_time_keeps_the_due_times_phase(overdue, next_after_now):
    shift = scheduling.phase_shift(NOON - overdue, interval=MINUTE, now=NOON)
    assert NOON - overdue + shift == NOON + next_after_now


@pytest.mark.django_db
def test_sources_overdue_after_a_stall_keep_their_spread():
    # Ten sources due every 6 s over a minute, and the workers down for ten minutes.
    sources = [make_source(make_provider(f"p{index}"), interval_seconds=60) for index in range(10)]
    for index, source in enumerate(sources):
        Source.objects.filter(pk=source.pk).update(next_poll_at=NOON + index * timedelta(seconds=6))
    with time_machine.travel(NOON + timedelta(minutes=10, seconds=55), tick=False):
        now = timezone.now()
        with CaptureQueriesContext(connection) as captured:
            claimed = scheduling.claim_due_sources(now)
    assert sorted(claimed) == sorted(source.pk for source in sources)
    offsets = sorted(
        (next_poll_at - now).total_seconds()
        for next_poll_at in Source.objects.values_list("next_poll_at", flat=True)
    )
    # Each in its own phase (none within half an interval of now), not all at now + 60 s.
    assert offsets == [35.0, 41.0, 47.0, 53.0, 59.0, 65.0, 71.0, 77.0, 83.0, 89.0]
    # A read, one UPDATE per shift (two here), the winners; plus the transaction's own.
    updates = [query for query in captured if query["sql"].startswith("UPDATE")]
    assert len(updates) == 2


@pytest.mark.django_db
def test_a_source_claimed_late_in_its_phase_is_not_claimed_again_by_the_next_tick():
    source = make_source(make_provider("acme"), interval_seconds=60)
    Source.objects.filter(pk=source.pk).update(next_poll_at=NOON)
    with time_machine.travel(NOON + timedelta(seconds=50), tick=False) as traveller:
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]
        Source.objects.filter(pk=source.pk).update(last_polled_at=timezone.now())
        traveller.shift(timedelta(seconds=15))  # past the phase's next time (NOON + 60 s)
        assert scheduling.claim_due_sources(timezone.now()) == []
        source.refresh_from_db()
        assert source.next_poll_at == NOON + 2 * MINUTE
        traveller.move_to(NOON + 2 * MINUTE)
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]
