"""Benchmark: the exposure page's figures (every feature over 30/90/365 days) and the monthly
report, from a year of recorded status changes.

    python bench/exposure.py [--providers 20] [--changes 500] [--features 30]

Builds a throwaway SQLite database with `--changes` provider-wide StatusChange rows per
provider over 365 days and `--features` features riding on two or three providers each (one
upstream cloud under half of them), then times probes.stack.exposure.exposure_windows and
monthly_report and counts their queries. No assertion: the numbers are for reading.
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
    parser.add_argument("--providers", type=int, default=20)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="5 providers, 200 changes each")
    args = parser.parse_args()
    if args.quick:
        args.providers, args.changes, args.features, args.repeat = 5, 200, 5, 2

    workdir = tempfile.mkdtemp(prefix="aiw-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiwatch.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from probes.models import Feature, Provider, StatusChange
    from probes.stack.exposure import exposure_windows, monthly_report, previous_month

    call_command("migrate", verbosity=0)
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    rng = random.Random(7)
    cloud = Provider.objects.create(slug="cloud", name="Cloud")
    providers = [
        Provider.objects.create(slug=f"p{i}", name=f"Provider {i}") for i in range(args.providers)
    ]
    for provider in providers[::2]:
        provider.upstreams.add(cloud)
    statuses = ["operational", "degraded_performance", "partial_outage", "major_outage"]
    rows = []
    for provider in [cloud, *providers]:
        moments = sorted(
            now - timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(args.changes)
        )
        old = "operational"
        for at in moments:
            new = rng.choice([s for s in statuses if s != old])
            rows.append(StatusChange(provider=provider, at=at, old_status=old, new_status=new))
            old = new
    StatusChange.objects.bulk_create(rows, batch_size=5000)
    for index in range(args.features):
        chosen = rng.sample(providers, k=min(len(providers), rng.choice([2, 3])))
        Feature.objects.create(
            slug=f"f{index}",
            name=f"Feature {index}",
            depends_on=[{"provider": p.slug} for p in chosen],
        )

    def timed(label: str, work) -> None:  # type: ignore[no-untyped-def]
        best = float("inf")
        queries = 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                work()
                best = min(best, time.perf_counter() - started)
            queries = len(captured)
        print(f"{label:<40} {best * 1000:8.1f} ms  {queries} queries")

    print(
        f"{args.providers + 1} providers x {args.changes} changes, {args.features} features "
        f"({len(rows)} StatusChange rows)"
    )
    timed("exposure_windows (30/90/365 days)", lambda: exposure_windows(now=now))
    timed("monthly_report (last month)", lambda: monthly_report(previous_month(now), now=now))


if __name__ == "__main__":
    main()
