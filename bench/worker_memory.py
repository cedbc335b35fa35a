"""Benchmark: the shipped worker's resident memory over many polls of changing pages.

    python bench/worker_memory.py [--quick] [--polls 10000] [--sources 200]

Runs the Procfile's `celery worker` on generated pages that change at every poll, dispatching
rounds until the worker has done N polls, and samples the resident memory of the worker and
its pool children. Prints, last, the memory at the end and at its highest against the memory
after the first round (the baseline: a warmed-up worker).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.stack import (
    bench_environment,
    page_server,
    print_ratios,
    processes,
    quick_or_full,
    require_readable_sources,
    rss_bytes,
    set_page_mode,
    tree_pids,
    wait_for_worker,
    worker_command,
)
from bench.poll_round import create_sources, run_pipeline_round


def worker_rss(pid: int) -> tuple[int, int]:
    """(the worker and its pool children together, the largest one of them)."""
    sizes = [rss_bytes(each) for each in tree_pids(pid)]
    return sum(sizes), max(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 polls")
    parser.add_argument("--polls", type=int)
    parser.add_argument("--sources", type=int, default=200)
    args = parser.parse_args()
    polls = args.polls or quick_or_full(args.quick, quick_value=1000, full_value=10000)

    with bench_environment("worker-memory") as workdir, page_server(args.sources) as base_url:
        create_sources(base_url, args.sources)
        set_page_mode(base_url, "changed")
        with processes(worker_command(), log=workdir / "worker.log") as (worker,):
            wait_for_worker()
            run_pipeline_round(spread=False, timeout=1800)
            require_readable_sources()
            warmed = worker_rss(worker.pid)
            samples = [warmed]
            done = args.sources
            started = time.monotonic()
            while done < polls:
                run_pipeline_round(spread=False, timeout=1800)
                done += args.sources
                samples.append(worker_rss(worker.pid))
            elapsed = time.monotonic() - started
        print(f"\n{done} polls of {args.sources} changing pages in {elapsed:.0f} s")
        print(
            "  RSS by round, all processes (MB): " + " ".join(f"{t / 1e6:.0f}" for t, _ in samples)
        )
        print_ratios(
            "worker RSS (MB) vs after the first round",
            [
                ("all processes, at the end", samples[-1][0] / 1e6, warmed[0] / 1e6),
                ("all processes, highest", max(t for t, _ in samples) / 1e6, warmed[0] / 1e6),
                ("largest process, highest", max(p for _, p in samples) / 1e6, warmed[1] / 1e6),
            ],
        )


if __name__ == "__main__":
    main()
