"""Benchmark: bytes of database per provider per year, after rollups and retention.

    python bench/storage.py [--quick] [--providers 10] [--days 365]

Writes N providers' history over the span (bench/harness/history.py: incidents with updates,
status changes, a probe result a minute within retention and rollups beyond, uptime rows),
then runs the nightly prune as deployed and measures the database's size. Prints, last, the
bytes per provider-year against the same database with the providers but no history (the
baseline: the schema and catalog rows that every install has).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.stack import bench_environment, print_ratios, quick_or_full


def database_bytes() -> int:
    """Bytes the database holds now (SQLite: pages in use; PostgreSQL: pg_database_size)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return int(pages * cursor.fetchone()[0])
        cursor.execute("VACUUM")
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 providers")
    parser.add_argument("--providers", type=int)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    providers = args.providers or quick_or_full(args.quick, quick_value=3, full_value=10)

    with bench_environment("storage"):
        from bench.harness.history import bench_now, generate
        from probes.observe import rollups as probe_rollups

        now = bench_now()
        generate(providers, 0, now=now)
        empty = database_bytes()
        generate(providers, args.days, now=now)
        probe_rollups.prune(now=now)
        full = database_bytes()
        years = args.days / 365
        per_provider_year = (full - empty) / providers / years
        print(f"\n{providers} providers x {args.days} days: {full / 1e6:.1f} MB in all")
        print_ratios(
            "storage: MB per provider-year vs the 5 MB target",
            [
                ("history per provider-year (MB)", per_provider_year / 1e6, 5.0),
                ("database with history vs without (MB)", full / 1e6, empty / 1e6),
            ],
        )


if __name__ == "__main__":
    main()
