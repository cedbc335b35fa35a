"""Benchmark: one poll round of many status sources, the real pipeline against a bare fetch.

    python bench/poll_round.py [--quick] [--sources 1000] [--concurrency 2] [--rounds same]

Serves N generated pages (Statuspage, incident.io and Atom, 5-200 KB each; bench/harness/
pages.py) from a local process, and measures in the same run:

- bare: one async httpx client fetching every URL once (20 connections), bodies read;
- pipeline: the shipped `celery worker` (Procfile concurrency) on a Redis of its own, fed by
  the real dispatcher (`probes.dispatch_due_polls`, ticking every AIWATCH_DISPATCH_SECONDS as
  beat would), until every source has been polled once.

Rounds: every page changed / unchanged answered 304 / unchanged answered 200, first with
every source due at once, then with due times spread over the interval as deployed (there the
round's own length is the interval, so the figure is the lag from due to polled, and how many
sources were not polled within one interval: a poll that expired in the queue never runs).
Prints the ratios last. With DATABASE_URL naming PostgreSQL it runs there (bench/harness).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.stack import (
    bench_environment,
    page_server,
    percentile,
    print_ratios,
    processes,
    quick_or_full,
    require_readable_sources,
    set_page_mode,
    wait_for,
    wait_for_worker,
    worker_command,
)

INTERVAL = 60
# A spread round's first source is due this long after the round is set up.
HEAD_START = 5
SPREAD = INTERVAL - HEAD_START


def bare_round(base_url: str, count: int, etags: dict[int, str]) -> float:
    """Seconds for one async client to fetch every page once (with the ETags it has seen)."""
    import httpx

    async def fetch_all() -> None:
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            semaphore = asyncio.Semaphore(20)

            async def one(index: int) -> None:
                headers = {"If-None-Match": etags[index]} if index in etags else {}
                async with semaphore:
                    response = await client.get(f"{base_url}/s/{index}", headers=headers)
                    await response.aread()
                    if "etag" in response.headers:
                        etags[index] = response.headers["etag"]

            await asyncio.gather(*(one(index) for index in range(count)))

    started = time.perf_counter()
    asyncio.run(fetch_all())
    return time.perf_counter() - started


def create_sources(base_url: str, count: int) -> None:
    from bench.harness.pages import source_kind
    from probes.models import Provider, Source

    providers = Provider.objects.bulk_create(
        Provider(slug=f"bench-{index}", name=f"Bench {index}") for index in range(count)
    )
    Source.objects.bulk_create(
        Source(
            provider=provider,
            kind=source_kind(index),
            url=f"{base_url}/s/{index}",
            interval_seconds=INTERVAL,
        )
        for index, provider in enumerate(providers)
    )


def run_pipeline_round(*, spread: bool, timeout: float) -> tuple[float, list[float], int]:
    """Make every source due (at once, or spread over the interval) and dispatch as beat would.

    Returns (seconds until every source was polled, lag of each poll after its due time,
    sources not polled within one interval of their due time).
    """
    from django.conf import settings
    from django.utils import timezone

    from probes.models import Source
    from probes.status.scheduling import not_under_way
    from probes.tasks import dispatch_due_polls

    # Polls the last round queued again (sources due anew while it ran behind) run first:
    # left in the queue, they would record during this round and count as its polls.
    wait_for(
        lambda: not Source.objects.exclude(not_under_way(timezone.now())).exists(),
        what="the polls queued by the last round",
        timeout=settings.AIWATCH_POLL_LEASE_SECONDS + 60,
        every=0.5,
    )
    # Spread: setting a due time per source takes a while; the round starts once it is done.
    # Spread over what is left of one interval from now: a next poll time further ahead than
    # an interval, with no poll before it, is the clock going back (claimed at once).
    start = timezone.now() + (timedelta(seconds=HEAD_START) if spread else timedelta(0))
    ids = list(Source.objects.order_by("pk").values_list("pk", flat=True))
    due: dict[int, object] = {}
    for position, pk in enumerate(ids):
        offset = timedelta(seconds=SPREAD * position / len(ids)) if spread else timedelta(0)
        due[pk] = start + offset
    # A new round: no poll of the last one is under way any more (its claims are dropped).
    Source.objects.update(next_poll_at=start, last_polled_at=None, claimed_at=None)
    if spread:
        for pk, at in due.items():
            Source.objects.filter(pk=pk).update(next_poll_at=at)
    tick = settings.AIWATCH_DISPATCH_SECONDS
    begun = time.perf_counter()
    next_tick = begun
    deadline = begun + timeout
    # Each source's first poll of the round: a source polled again later (claimed anew once
    # its interval passed, before the round's last source was polled) keeps its first time.
    polled: dict[int, object] = {}
    done = Source.objects.filter(last_polled_at__isnull=False)
    next_read = begun
    elapsed = 0.0
    while time.perf_counter() < deadline:
        if time.perf_counter() >= next_tick:
            dispatch_due_polls()
            next_tick += tick
        # The end is a count (cheap, and fine enough not to add to a round of a second or
        # two); the polls' own times are read once a second, which loses none: a source is
        # polled again no sooner than its interval, and the time read is the one recorded.
        finished = done.count() == len(ids)
        elapsed = time.perf_counter() - begun
        if finished or time.perf_counter() >= next_read:
            for pk, at in done.exclude(pk__in=list(polled)).values_list("pk", "last_polled_at"):
                polled[pk] = at
            next_read = time.perf_counter() + 1
        if finished:
            break
        time.sleep(0.05)
    lags = [
        (polled[pk] - at).total_seconds()  # type: ignore[operator]
        for pk, at in due.items()
        if polled.get(pk) is not None
    ]
    missed = [
        (pk, polled.get(pk) and (polled[pk] - at).total_seconds())  # type: ignore[operator]
        for pk, at in due.items()
        if polled.get(pk) is None or (polled[pk] - at).total_seconds() > INTERVAL  # type: ignore[operator]
    ]
    if missed:
        print(f"  not polled within {INTERVAL} s of due (id, lag): {missed[:10]}")
    return elapsed, lags, len(missed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 sources, one repetition")
    parser.add_argument("--sources", type=int)
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--concurrency", type=int, help="override the Procfile's concurrency")
    parser.add_argument(
        "--rounds",
        default="changed,etag,same",
        help="which rounds, comma-separated: changed, etag (unchanged 304), same (unchanged 200)",
    )
    args = parser.parse_args()
    count = args.sources or quick_or_full(args.quick, quick_value=200, full_value=1000)
    repeat = args.repeat or quick_or_full(args.quick, quick_value=1, full_value=3)

    with bench_environment("poll-round") as workdir, page_server(count) as base_url:
        create_sources(base_url, count)
        extra = ["--concurrency", str(args.concurrency)] if args.concurrency else []
        log = Path(workdir) / "worker.log"
        with processes(worker_command(*extra), log=log):
            wait_for_worker()
            # A first round reads every page once (detection, components): not measured.
            set_page_mode(base_url, "same")
            run_pipeline_round(spread=False, timeout=1800)
            require_readable_sources()
            rows: list[tuple[str, float, float]] = []
            lag_rows: list[str] = []
            labels = {"changed": "changed", "etag": "unchanged 304", "same": "unchanged 200"}
            for mode in args.rounds.split(","):
                label = labels[mode]
                set_page_mode(base_url, mode)
                pipeline_times, bare_times = [], []
                etags: dict[int, str] = {}
                if mode == "etag":
                    bare_round(base_url, count, etags)  # learn the validators, as polls do
                    run_pipeline_round(spread=False, timeout=1800)
                for _ in range(repeat):
                    bare_times.append(bare_round(base_url, count, etags))
                    elapsed, _lags, _missed = run_pipeline_round(spread=False, timeout=1800)
                    pipeline_times.append(elapsed)
                bare = sorted(bare_times)[len(bare_times) // 2]
                rows.append(
                    (
                        f"{label}, all due at once (s)",
                        sorted(pipeline_times)[len(pipeline_times) // 2],
                        bare,
                    )
                )
                elapsed, lags, missed = run_pipeline_round(spread=True, timeout=INTERVAL * 4)
                lag_rows.append(
                    f"  {label}, spread as deployed: lag p50 {percentile(lags, 50):.1f} s, "
                    f"p99 {percentile(lags, 99):.1f} s, "
                    f"not polled within {INTERVAL} s: {missed}/{count}"
                )
        print(f"\n{count} sources, worker {' '.join(worker_command(*extra)[1:])}")
        print("\n".join(lag_rows))
        print_ratios("poll round: pipeline vs bare async fetch (median)", rows)


if __name__ == "__main__":
    main()
