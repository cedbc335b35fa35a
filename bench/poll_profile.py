"""Benchmark: what one poll costs in the worker, in SQL statements and time, by kind of round.

    python bench/poll_profile.py [--quick] [--polls 20] [--profile]

One Statuspage source (30 components, one incident gaining an update each version; bench/
harness/pages.py) on the local page server, polled in this process through the real
`probes.status.polling.poll_source` (fetch, parse, record, rollups, the alert outbox):

- changed: every poll sees a new version of the page (a component flips, the incident gains
  an update);
- unchanged 304 and unchanged 200: the same page again, with and without an ETag.

Prints SQL statements per poll (counted with Django's query capture, so exact) and the median
time per poll against a bare fetch of the same URL with httpx in the same run (the baseline).
`--profile` also prints the top of a cProfile of the changed polls, sorted by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.stack import (
    bench_environment,
    page_server,
    print_ratios,
    quick_or_full,
    set_page_mode,
)


def measure(polls: int, profile: cProfile.Profile | None = None) -> tuple[float, float, str]:
    """(median statements per poll, median seconds per poll, the last poll's state)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from probes.models import Source
    from probes.status.polling import poll_source

    counts: list[int] = []
    times: list[float] = []
    state = ""
    for _ in range(polls):
        source = Source.objects.select_related("provider").get()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            if profile is not None:
                profile.enable()
            result = poll_source(source)
            if profile is not None:
                profile.disable()
            times.append(time.perf_counter() - started)
        counts.append(len(captured.captured_queries))
        state = result.state
    return statistics.median(counts), statistics.median(times), state


def bare_fetch(url: str, polls: int) -> float:
    import httpx

    times = []
    with httpx.Client(timeout=30) as client:
        for _ in range(polls):
            started = time.perf_counter()
            client.get(url).read()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 polls of each kind")
    parser.add_argument("--polls", type=int)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the changed")
    args = parser.parse_args()
    polls = args.polls or quick_or_full(args.quick, quick_value=5, full_value=20)

    with bench_environment("poll-profile"), page_server(1) as base_url:
        from probes.models import Provider, Source

        provider = Provider.objects.create(slug="bench", name="Bench")
        url = f"{base_url}/s/0"
        Source.objects.create(provider=provider, kind="statuspage", url=url, interval_seconds=60)
        set_page_mode(base_url, "changed")
        measure(2)  # the first sighting of every component is not a typical poll
        profile = cProfile.Profile() if args.profile else None
        rows: list[tuple[str, float, float]] = []
        statements: list[str] = []
        kinds = (("changed", "changed"), ("etag", "unchanged 304"), ("same", "unchanged 200"))
        for mode, label in kinds:
            set_page_mode(base_url, mode)
            if mode == "etag":
                measure(1)  # learn the ETag
            count, seconds, state = measure(polls, profile if mode == "changed" else None)
            statements.append(f"  {label}: {count:.0f} SQL statements per poll ({state})")
            rows.append((f"{label}, seconds per poll", seconds, bare_fetch(url, polls)))
        if profile is not None:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
            print(out.getvalue())
        print(f"\none Statuspage source (30 components, one incident), {polls} polls each")
        print("\n".join(statements))
        print_ratios("one poll in the worker vs a bare fetch of the same URL (median)", rows)


if __name__ == "__main__":
    main()
