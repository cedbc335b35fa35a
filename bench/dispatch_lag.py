"""Benchmark: how late polls start, with many sources due every minute, as deployed.

    python bench/dispatch_lag.py [--quick] [--sources 1000] [--minutes 5]

Runs the shipped beat and worker (Procfile) against N generated pages whose due times are
spread over the minute, a fifth of them changing each minute (bench/harness/pages.py,
`minutely`), for a few minutes, after a first round that reads every page once. Samples
every source's last poll and next due time twice a second (after one interval of warm-up) and
prints, last, the lag from due to polled (p50, p99) against the beat tick (the baseline: the
most a tick-driven dispatcher must add), and how many polls ran at all against how many were
due.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.stack import (
    bench_environment,
    page_server,
    percentile,
    print_ratios,
    processes,
    procfile_command,
    quick_or_full,
    require_readable_sources,
    set_page_mode,
    wait_for,
    wait_for_worker,
    worker_command,
)
from bench.poll_round import HEAD_START, INTERVAL, SPREAD, create_sources


def sample_lags(minutes: int) -> tuple[list[float], int, int]:
    """Watch polls for `minutes`; return (lag of each poll in seconds, polls seen, polls due)."""
    from django.utils import timezone

    from probes.models import Source

    # Setting a due time per source takes a while: the first is due once that is done. The
    # due times spread over what is left of one interval from now: a next poll time further
    # ahead than an interval, with no poll before it, is the clock going back, and the
    # dispatcher rightly claims it at once.
    start = timezone.now() + timedelta(seconds=HEAD_START)
    ids = list(Source.objects.order_by("pk").values_list("pk", flat=True))
    due: dict[int, datetime] = {}
    for position, pk in enumerate(ids):
        due[pk] = start + timedelta(seconds=SPREAD * position / len(ids))
        Source.objects.filter(pk=pk).update(
            next_poll_at=due[pk], last_polled_at=None, claimed_at=None
        )
    seen: dict[int, datetime | None] = dict.fromkeys(ids)
    lags: list[float] = []
    due_count = 0
    # The first round's last claims may still be queued when the due times are set: a source
    # due again then is polled by both messages. So the first interval only warms up: a poll
    # counts when the due time it answers lies a whole interval after the start.
    counted_from = start + timedelta(seconds=INTERVAL)
    end = time.monotonic() + (minutes * 60 + INTERVAL)
    while time.monotonic() < end:
        for pk, polled, next_due, claimed in Source.objects.values_list(
            "pk", "last_polled_at", "next_poll_at", "claimed_at"
        ):
            # A poll with no claim was claimed before the due times above were set (the
            # claim is what they cleared): a poll of the first round, not of these minutes.
            if polled is not None and polled != seen[pk] and claimed is not None:
                if due[pk] >= counted_from:
                    lags.append(max(0.0, (polled - due[pk]).total_seconds()))
                seen[pk] = polled
                due[pk] = next_due
        time.sleep(0.5)
    # Polls due in the last two ticks may still be on their way: count only earlier ones.
    from django.conf import settings

    horizon = timezone.now() - timedelta(seconds=2 * settings.AIWATCH_DISPATCH_SECONDS)
    for position in range(len(ids)):
        first = counted_from + timedelta(seconds=SPREAD * position / len(ids))
        if first <= horizon:
            due_count += int((horizon - first).total_seconds() // INTERVAL) + 1
    return lags, len(lags), due_count


def first_round_done() -> bool:
    from probes.models import Source

    return not Source.objects.filter(last_success_at__isnull=True).exists()


def wait_for_beat() -> None:
    """Until beat's first tick reached the dispatcher (its heartbeat is in Redis)."""
    from aiwatch.redis_client import redis_client
    from probes import health

    client = redis_client()
    wait_for(lambda: health.last_dispatch(client) is not None, what="celery beat", timeout=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 sources for 2 minutes")
    parser.add_argument("--sources", type=int)
    parser.add_argument("--minutes", type=int)
    args = parser.parse_args()
    count = args.sources or quick_or_full(args.quick, quick_value=200, full_value=1000)
    minutes = args.minutes or quick_or_full(args.quick, quick_value=2, full_value=5)

    with bench_environment("dispatch-lag") as workdir, page_server(count) as base_url:
        from django.conf import settings

        create_sources(base_url, count)
        set_page_mode(base_url, "minutely")
        beat = [*procfile_command("beat")]
        beat[beat.index("var/celerybeat-schedule")] = str(workdir / "celerybeat-schedule")
        with processes(worker_command(), beat, log=workdir / "processes.log"):
            wait_for_worker()
            wait_for_beat()
            # Every source's first poll reads its page for the first time (detection, every
            # component new): not the steady state this measures, so it is waited out.
            wait_for(first_round_done, what="the first round", timeout=1800, every=1)
            require_readable_sources()
            lags, polls, due = sample_lags(minutes)
        tick = float(settings.AIWATCH_DISPATCH_SECONDS)
        print(
            f"\n{count} sources due every {INTERVAL} s for {minutes} min: "
            f"{polls} polls of {due} due"
        )
        print_ratios(
            "dispatcher lag, due to polled (s) vs the beat tick",
            [
                ("p50", percentile(lags, 50), tick),
                ("p99", percentile(lags, 99), tick),
                ("polls run / polls due", float(polls), float(due)),
            ],
        )


if __name__ == "__main__":
    main()
