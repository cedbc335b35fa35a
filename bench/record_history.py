"""Benchmark: recording a large incident history list, first time and again (the idempotent path).

    python bench/record_history.py [--incidents 2000] [--aliased 200]

Builds a throwaway SQLite database, records a history page of N incidents (a backfill-sized
payload, some incidents known by aliases), then records the same page again. The second pass
writes nothing; it should cost about what reading the rows back costs. Prints both times, and
their ratio to a baseline in the same run: a plain read of every incident with its updates.
No assertion: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--aliased", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="200 incidents, 20 aliased")
    args = parser.parse_args()
    if args.quick:
        args.incidents, args.aliased = 200, 20

    workdir = tempfile.mkdtemp(prefix="aiw-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiwatch.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    from probes.models import Incident, Provider, Source
    from probes.parsers.types import (
        Impact,
        IncidentStatus,
        ParsedIncident,
        ParsedPage,
        ParsedUpdate,
    )
    from probes.status import recording

    call_command("migrate", verbosity=0)
    provider = Provider.objects.create(slug="bench", name="Bench")
    source = Source.objects.create(provider=provider, url="https://status.example.test/x.json")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    # Incidents an archive knows under another id: the page calls them by their alias.
    for number in range(args.aliased):
        Incident.objects.create(
            provider=provider,
            external_id=f"archived{number:06d}",
            aliases=[f"inc{number:06d}"],
            title="archived",
            impact="major",
            status="resolved",
            started_at=start,
            resolved_at=start,
            provenance=Incident.Provenance.ARCHIVE,
        )
    incidents = []
    for number in range(args.incidents):
        began = start + timedelta(hours=number)
        updates = tuple(
            ParsedUpdate(
                key=f"u{number}-{step}",
                status=status,
                body=f"update {step}",
                at=began + timedelta(minutes=10 * step),
            )
            for step, status in enumerate(
                (IncidentStatus.INVESTIGATING, IncidentStatus.MONITORING, IncidentStatus.RESOLVED)
            )
        )
        incidents.append(
            ParsedIncident(
                external_id=f"inc{number:06d}",
                title=f"Incident {number}",
                impact=Impact.MINOR,
                status=IncidentStatus.RESOLVED,
                started_at=began,
                resolved_at=began + timedelta(minutes=20),
                url="",
                updates=updates,
            )
        )
    page = ParsedPage(platform="statuspage", incidents=tuple(incidents))
    at = datetime(2026, 1, 1, tzinfo=UTC)

    def timed(action) -> float:
        began = time.perf_counter()
        action()
        return time.perf_counter() - began

    first = timed(lambda: recording.record_poll(source, page, at=at))
    again = timed(lambda: recording.record_poll(source, page, at=at))
    baseline = timed(
        lambda: [len(i.updates.all()) for i in Incident.objects.prefetch_related("updates")]
    )
    count = Incident.objects.count()
    print(f"{args.incidents} incidents ({args.aliased} by alias), {count} stored")
    for label, seconds in (
        ("baseline: read every incident with its updates", baseline),
        ("first record", first),
        ("same page again (writes nothing)", again),
    ):
        print(f"{label:<48} {seconds:8.3f} s  {seconds / baseline:6.1f}x")


if __name__ == "__main__":
    main()
