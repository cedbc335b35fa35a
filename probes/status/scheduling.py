"""Which sources are due, claimed atomically so two dispatchers never poll one source twice.

A claim keeps each source's phase: the next poll time is the due time plus whole intervals.
Moved to now + interval instead, every source claimed in one tick after a stall (workers down,
a backlog) would share that tick's phase and poll in lock-step from then on.

The clock is not trusted to move forwards. A step back (an NTP correction, a restored VM) would
otherwise leave every next poll time far ahead of "now" and stop polling until the clock caught
up. So a next poll time further ahead than any claim sets (an interval and a half) is capped at
now + interval - unless it was set on purpose, by a Retry-After measured from the source's last
poll - and a poll never records its time before the newest transition already recorded for its
provider.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q

from probes.models import Source, StatusChange

# A whole round of a large catalog due at once (1,000 sources in bench/poll_round.py) in one
# tick; beyond it the rest waits for the next tick. The claim reads four columns a row.
MAX_CLAIMS_PER_TICK = 2000
# Hosts' clocks disagree a little; a time this far ahead of ours means ours went back.
CLOCK_SLACK = timedelta(seconds=60)
# A worker on another host stamps its poll with its own clock: one a little behind the
# dispatcher's must not make its poll look older than the claim that sent it (far less than
# the shortest interval, so last round's poll never passes for this one).
WORKER_CLOCK_SKEW = timedelta(seconds=5)


def claim_due_sources(now: datetime, *, limit: int = MAX_CLAIMS_PER_TICK) -> list[int]:
    """Claim every due source and move its next poll time on; return the claimed ids.

    Due: the next poll time has come, or it lies further ahead than any claim sets it without
    a Retry-After to explain it (the clock went back). The cost is flat in the number of
    sources: one read, one UPDATE per distinct shift of the due sources' next poll times (one
    per interval when they are on time), one read of the winners. Each UPDATE is conditional
    on the source still being due, so a source another dispatcher claimed in between (its next
    poll time moved past `now`) is skipped, and the winners are the rows stamped with this
    claim's time.
    """
    shortest = timedelta(seconds=settings.AIWATCH_MIN_INTERVAL_SECONDS)
    rows = (
        Source.objects.filter(enabled=True, provider__enabled=True)
        .filter(Q(next_poll_at__lte=now) | Q(next_poll_at__gt=now + shortest))
        .filter(not_under_way(now))
        .order_by("next_poll_at")
        .values_list("pk", "next_poll_at", "interval_seconds", "last_polled_at")
    )
    shifted: dict[timedelta, list[int]] = defaultdict(list)
    ahead: list[tuple[int, datetime, int]] = []
    candidates: list[int] = []
    for pk, next_poll_at, interval_seconds, last_polled_at in rows:
        interval = timedelta(seconds=interval_seconds)
        if next_poll_at <= now:
            shifted[phase_shift(next_poll_at, interval=interval, now=now)].append(pk)
        elif is_ahead_of_the_clock(
            next_poll_at, interval=interval, last_polled_at=last_polled_at, now=now
        ):
            ahead.append((pk, next_poll_at, interval_seconds))
        else:
            continue
        candidates.append(pk)
        if len(candidates) >= limit:
            break
    with transaction.atomic():
        for shift, pks in shifted.items():
            Source.objects.filter(pk__in=pks, next_poll_at__lte=now).update(
                next_poll_at=F("next_poll_at") + shift, claimed_at=now
            )
        # Rare (the clock went back, so the phase means nothing): conditional on the exact next
        # poll time we read.
        for pk, next_poll_at, interval_seconds in ahead:
            Source.objects.filter(pk=pk, next_poll_at=next_poll_at).update(
                next_poll_at=now + timedelta(seconds=interval_seconds), claimed_at=now
            )
        won = set(
            Source.objects.filter(pk__in=candidates, claimed_at=now).values_list("pk", flat=True)
        )
    return [pk for pk in candidates if pk in won]


def phase_shift(due: datetime, *, interval: timedelta, now: datetime) -> timedelta:
    """How far a claim at `now` moves the next poll time of a source due at `due`: whole
    intervals, to the first time in the source's phase at least half an interval after `now`.

    Half an interval, so that a source overdue by almost a whole interval is not polled again
    a moment after this poll, and a second dispatcher never finds it due again at once.
    """
    steps = (now - due) // interval + 1
    if due + steps * interval - now < interval / 2:
        steps += 1
    return steps * interval


def not_under_way(now: datetime) -> Q:
    """Sources with no claimed poll still waiting to run.

    When the workers fall behind (every page changing at once), a source claimed again at each
    interval would be queued again and again; its older messages expire unrun, and a source
    whose turn always lands deep in the queue is never polled at all. So a claim waits for the
    poll it enqueued: until the poll has recorded (`last_polled_at` reaches the claim), or
    the lease has passed (the message was lost with its worker, or the poll failed before it
    could record anything). A claim stamped in the future is the clock going back, not a poll
    under way.
    """
    lease = timedelta(seconds=settings.AIWATCH_POLL_LEASE_SECONDS)
    return (
        Q(claimed_at__isnull=True)
        | Q(last_polled_at__gte=F("claimed_at") - WORKER_CLOCK_SKEW)
        | Q(claimed_at__lt=now - lease)
        | Q(claimed_at__gt=now + CLOCK_SLACK)
    )


def is_ahead_of_the_clock(
    next_poll_at: datetime, *, interval: timedelta, last_polled_at: datetime | None, now: datetime
) -> bool:
    """True when `next_poll_at` is further ahead than a claim at `now` could have set it.

    A claim sets less than an interval and a half ahead (`phase_shift`). Only a server's
    Retry-After sets more, and it is measured from the poll that got it: a next poll time more
    than an interval after a last poll that lies in the past is such a postponement, and
    stands.
    """
    if next_poll_at <= now + interval * 3 / 2:
        return False
    postponed = (
        last_polled_at is not None
        and last_polled_at <= now + CLOCK_SLACK
        and next_poll_at > last_polled_at + interval
    )
    return not postponed


def is_fresh(moment: datetime | None, now: datetime, *, within: timedelta) -> bool:
    """Whether `moment` lies within `within` before `now`. A moment in the future (beyond the
    slack between hosts' clocks) is not fresh: the clock went back, and its age is unknown.
    For every freshness check (the pipeline banner, /readyz, a source's last good read)."""
    return moment is not None and now - within <= moment <= now + CLOCK_SLACK


def poll_time(source: Source, now: datetime) -> datetime:
    """The time a poll at `now` records: `now`, or just after the newest transition already
    recorded for the source's provider when the clock has gone back behind it, so transitions
    stay in the order they happened."""
    newest = StatusChange.objects.filter(provider_id=source.provider_id).aggregate(
        newest=Max("at")
    )["newest"]
    if newest is not None and newest >= now:
        return newest + timedelta(microseconds=1)
    return now


def poll_times(sources: Sequence[Source], now: datetime) -> dict[int, datetime]:
    """`poll_time` for many sources at once, by source pk: one query for the whole batch."""
    newest = dict(
        StatusChange.objects.filter(provider_id__in={source.provider_id for source in sources})
        .values("provider_id")
        .annotate(newest=Max("at"))
        .values_list("provider_id", "newest")
    )
    times = {}
    for source in sources:
        latest = newest.get(source.provider_id)
        times[source.pk] = latest + timedelta(microseconds=1) if latest and latest >= now else now
    return times
