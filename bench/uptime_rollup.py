"""Benchmark: updating uptime rollups incrementally vs recomputing them from raw rows.

    python bench/uptime_rollup.py [--changes 5000] [--components 10] [--days 365]

Builds a throwaway SQLite database with N StatusChange rows spread over the window, then times
what a poll does when one more change arrives (recompute today's rows:
probes.history.rollups.catch_up) against recomputing every row from the raw history
(probes.history.rollups.rebuild). Prints both and their ratio. No assertion: the numbers
are for reading.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=5000)
    parser.add_argument("--components", type=int, default=10)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="500 changes, 2 repetitions")
    args = parser.parse_args()
    if args.quick:
        args.changes, args.repeat = 500, 2

    workdir = tempfile.mkdtemp(prefix="aiw-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiwatch.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    from probes.history import rollups
    from probes.models import Component, Provider, StatusChange
    from probes.parsers.types import Status

    call_command("migrate", verbosity=0)
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    start = now - timedelta(days=args.days)
    provider = Provider.objects.create(slug="bench", name="Bench")
    components = [
        Component.objects.create(provider=provider, external_id=f"c{i}", name=f"Component {i}")
        for i in range(args.components)
    ]
    statuses = [
        Status.OPERATIONAL,
        Status.DEGRADED_PERFORMANCE,
        Status.PARTIAL_OUTAGE,
        Status.MAJOR_OUTAGE,
        Status.UNDER_MAINTENANCE,
    ]
    rng = random.Random(42)
    moments = sorted(
        start + timedelta(seconds=rng.uniform(0, (now - start).total_seconds()))
        for _ in range(args.changes)
    )
    last: dict[int, str] = {}
    rows = []
    for at in moments:
        component = rng.choice(components)
        new = rng.choice(statuses).value
        rows.append(
            StatusChange(
                provider=provider,
                component=component,
                old_status=last.get(component.pk, "unknown"),
                new_status=new,
                at=at,
            )
        )
        last[component.pk] = new
    StatusChange.objects.bulk_create(rows, batch_size=1000)
    rollups.rebuild(provider, now=now)

    def timed(function) -> float:
        best = float("inf")
        for _ in range(args.repeat):
            began = time.perf_counter()
            function()
            best = min(best, time.perf_counter() - began)
        return best

    incremental = timed(lambda: rollups.catch_up(provider, now=now))
    full = timed(lambda: rollups.rebuild(provider, now=now))
    print(f"{args.changes} changes, {args.components} components, {args.days} days")
    print(f"incremental update (one poll's change): {incremental * 1000:8.1f} ms")
    print(f"recompute from raw rows:                {full * 1000:8.1f} ms")
    print(f"ratio (recompute / incremental):        {full / incremental:8.1f}x")


if __name__ == "__main__":
    main()
