"""Benchmark: page times with a year of history, against /healthz on the same server.

    python bench/pages.py [--quick] [--providers 50] [--days 365] [--clients 4]

Writes N providers' history (bench/harness/history.py), counts SQL queries per page at 30
days of history and again at the full span (in this process, with Django's test client),
EXPLAINs every query the pages run and lists the tables any of them reads by a full scan,
then serves the site with the shipped gunicorn command (Procfile `web`, DEBUG=False), lets
every worker load the site once (untimed), has a few concurrent clients fetch every page, and
fetches plotly.js as a browser would. Prints, last, each page's p50 and p95 against /healthz's
p95 from the same server (after one request that fills the page's cache, timed and shown
apart), its size, and its queries at both history sizes.

Each page is timed against /healthz in ten alternating blocks: all clients fetch the page 25
times (at the full size), then /healthz 25 times, then /healthz first, and so on; every block
holds one path, so /healthz never queues behind a page, and both meet the same moments of the
machine (another process, a frequency change). Timed in one block each, one before the other,
the same page read 1.7x in one run and 4.3x in the next on a shared 2-core machine. The p95 is
of 1,000 requests of each (4 clients x 250), so that a handful of slow ones does not decide it.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.stack import (
    bench_environment,
    percentile,
    print_ratios,
    processes,
    procfile_command,
    quick_or_full,
    wait_for,
)


def page_paths(days: int) -> list[str]:
    from datetime import UTC, datetime, timedelta

    since = (datetime.now(UTC) - timedelta(days=days)).date().isoformat()
    return [
        "/",
        "/providers/bench-0/",
        "/history/",
        f"/history/?since={since}",
        "/history/?range=all",
        "/incidents/",
        "/api/v1/incidents/",
        "/api/v1/providers/",
        f"/api/v1/providers/bench-0/uptime/?days={days}",
    ]


def count_queries(paths: list[str]) -> dict[str, tuple[int, int]]:
    """Per page: (queries of a first request, which fills the caches; of the next one, which
    finds them as every visitor after the first does)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    cache.clear()
    for path in paths:
        found = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            found.append(len(captured))
        counts[path] = (found[0], found[1])
    return counts


def in_trouble(count: int, *, now: datetime) -> None:
    """Put `count` providers in a major outage (an open incident with an update, a component
    down) and give every provider a shared capability, so the overview looks for alternatives."""
    from datetime import timedelta

    from probes.models import Component, Incident, IncidentUpdate, Provider, Source

    Provider.objects.filter(slug__startswith="bench-").update(capabilities=["chat"])
    # Every status page read just now, so the headline speaks from them.
    Source.objects.filter(provider__slug__startswith="bench-", kind="statuspage").update(
        last_success_at=now, last_polled_at=now
    )
    for number in range(count):
        provider = Provider.objects.get(slug=f"bench-{number}")
        Provider.objects.filter(pk=provider.pk).update(status="major_outage")
        Component.objects.filter(provider=provider, position=0).update(status="major_outage")
        incident = Incident.objects.create(
            provider=provider,
            external_id=f"trouble-{number}",
            title="Elevated errors now",
            impact="major",
            status="investigating",
            started_at=now - timedelta(minutes=30),
        )
        IncidentUpdate.objects.create(
            incident=incident, key="u", status="investigating", body="Look.", at=incident.started_at
        )


def put_right() -> None:
    from probes.models import Component, Incident, Provider

    Incident.objects.filter(external_id__startswith="trouble-").delete()
    Provider.objects.filter(slug__startswith="bench-").update(status="operational", capabilities=[])
    Component.objects.filter(provider__slug__startswith="bench-").update(status="operational")


# Tables smaller than this may be scanned whole: an index would not be faster.
SCAN_ROWS = 2000


def full_scans(paths: list[str]) -> dict[str, set[str]]:
    """Per page, the tables of at least SCAN_ROWS rows that one of its queries scans whole,
    by the database's own plan (PostgreSQL: EXPLAIN, after ANALYZE; SQLite: EXPLAIN QUERY PLAN).
    """
    import json

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # Statistics first, so the planner knows how large each table is (both databases).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sizes = table_rows()
    client = Client()
    found: dict[str, set[str]] = {}
    for path in paths:
        # A request that finds nothing cached runs every read the page has.
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        scanned: set[str] = set()
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                    plan = cursor.fetchone()[0]  # psycopg decodes JSON; older drivers do not
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                    scanned |= _seq_scans(plan[0]["Plan"])
                else:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql)
                    for *_ids, detail in cursor.fetchall():
                        words = str(detail).split()
                        if words[:1] == ["SCAN"] and "USING" not in words:
                            scanned.add(words[1])
        found[path] = {table for table in scanned if sizes.get(table, 0) >= SCAN_ROWS}
    return found


def _seq_scans(plan: dict) -> set[str]:
    tables = {plan["Relation Name"]} if plan.get("Node Type") == "Seq Scan" else set()
    for child in plan.get("Plans", []):
        tables |= _seq_scans(child)
    return tables


def table_rows() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        sizes = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            sizes[table] = int(cursor.fetchone()[0])
    return sizes


def plotly_on_the_wire(base: str) -> str:
    """How plotly.js reaches a browser: its URL, encoding, cache lifetime and bytes sent."""
    import httpx
    from django.contrib.staticfiles.storage import staticfiles_storage

    url = staticfiles_storage.url("plotly/plotly.min.js")
    response = httpx.get(base + url, headers={"Accept-Encoding": "br, gzip"}, timeout=30)
    response.raise_for_status()
    return (
        f"  plotly.js: {url}, {response.headers.get('content-encoding', 'uncompressed')}, "
        f"{response.headers.get('cache-control', 'no cache-control')}, "
        f"{response.num_bytes_downloaded / 1e6:.2f} MB sent for "
        f"{len(response.content) / 1e6:.2f} MB"
    )


def timed_gets(base: str, path: str, *, clients: int, each: int) -> tuple[list[float], int]:
    """Seconds per request from `clients` threads fetching `path` `each` times; body size."""
    times, size = timed_in_blocks(base, [path], clients=clients, each=each, blocks=1)
    return times[path], size


def timed_in_blocks(
    base: str, paths: list[str], *, clients: int, each: int, blocks: int
) -> tuple[dict[str, list[float]], int]:
    """Seconds per request of each of `paths` from `clients` threads, in `blocks` rounds: in
    each, every client fetches the first path `each // blocks` times, then (once all are done)
    the next; every other round goes through `paths` the other way round. The largest body.

    Every block holds one path only, so a baseline's requests never queue behind a page's;
    the blocks alternate, so both meet the same moments of the machine."""
    import httpx

    times: dict[str, list[float]] = {path: [] for path in paths}
    sizes: list[int] = []
    lock = threading.Lock()
    # Every client starts a block together, none while another still fetches the last one.
    barrier = threading.Barrier(clients)
    errors: list[Exception] = []

    def fetch_blocks() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            for round_ in range(blocks):
                for path in paths if round_ % 2 == 0 else paths[::-1]:
                    barrier.wait()
                    for _ in range(max(1, each // blocks)):
                        started = time.perf_counter()
                        response = client.get(path, headers={"Accept-Encoding": "gzip"})
                        elapsed = time.perf_counter() - started
                        response.raise_for_status()
                        with lock:
                            times[path].append(elapsed)
                            sizes.append(len(response.content))

    def run() -> None:
        try:
            fetch_blocks()
        except threading.BrokenBarrierError:
            pass  # another client failed: its error is raised below
        except Exception as error:
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return times, max(sizes)


@contextmanager
def _server_log_on_failure(log: Path) -> Iterator[None]:
    """A page that fails prints the server's log (its traceback) before the error: the run's
    folder, and the log with it, is removed on the way out."""
    try:
        yield
    except Exception:
        text = log.read_text(errors="replace")
        lines = [line for line in text.splitlines() if '" 200 ' not in line]
        print("\n".join(["server log, without its 200s:", *lines[-80:]]), file=sys.stderr)
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 providers, fewer requests")
    parser.add_argument("--providers", type=int)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--requests", type=int, help="requests per client per page, and as many of /healthz"
    )
    args = parser.parse_args()
    providers = args.providers or quick_or_full(args.quick, quick_value=10, full_value=50)
    each = args.requests or quick_or_full(args.quick, quick_value=25, full_value=250)

    with bench_environment("pages") as workdir:
        from django.core.management import call_command

        from bench.harness.history import bench_now, generate

        # As `make run` does: DEBUG=False serves hashed static names from the manifest.
        call_command("collectstatic", "--noinput", verbosity=0)

        now = bench_now()
        short = 30
        generate(providers, short, now=now)
        paths = page_paths(args.days)
        at_short = count_queries(paths)
        from probes.models import Incident, StatusChange

        Incident.objects.all().delete()
        StatusChange.objects.all().delete()
        generate(providers, args.days, now=now)
        at_full = count_queries(paths)
        scans = full_scans(paths)
        troubled = min(10, providers // 2)
        in_trouble(troubled, now=now)
        with_trouble = count_queries(["/", "/providers/bench-0/"])
        put_right()

        import httpx

        port = 8765
        web = procfile_command("web")
        web[web.index("$AIWATCH_HOST:$AIWATCH_PORT")] = f"127.0.0.1:{port}"
        base = f"http://127.0.0.1:{port}"
        log = workdir / "web.log"
        with processes(web, log=log), _server_log_on_failure(log):

            def up() -> bool:
                try:
                    return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_for(up, what="gunicorn", timeout=60, every=0.5)
            plotly = plotly_on_the_wire(base)
            # Untimed: every worker loads the URL configuration, views and templates on its first
            # request (/healthz is answered before them), a cost of starting, not of any page.
            timed_gets(base, "/timezone/", clients=args.clients * 2, each=2)
            rows = []
            lines = []
            health_p95s = []
            for path in paths:
                # The first request renders what the page caches (as after a change, or once a
                # minute); it is shown on its own, the clients then time what visitors get.
                first, _ = timed_gets(base, path, clients=1, each=1)
                timed, size = timed_in_blocks(
                    base, [path, "/healthz"], clients=args.clients, each=each, blocks=10
                )
                times = timed[path]
                health_p95 = percentile(timed["/healthz"], 95)
                health_p95s.append(health_p95)
                rows.append((f"{path} p50", percentile(times, 50), health_p95))
                rows.append((f"{path} p95", percentile(times, 95), health_p95))
                lines.append(
                    f"  {path}: {size / 1024:.0f} KB, queries (first, cached) "
                    f"{at_short[path]} at {short} d, {at_full[path]} at {args.days} d, "
                    f"first request {first[0]:.2f} s, "
                    "full scans: " + (", ".join(sorted(scans[path])) or "none")
                )
        print(
            f"\n{providers} providers x {args.days} days, {args.clients} clients x {each} "
            f"requests a page, gunicorn {' '.join(web[1:])}"
        )
        print(
            f"  /healthz p95 beside each page: {min(health_p95s) * 1000:.1f} to "
            f"{max(health_p95s) * 1000:.1f} ms"
        )
        print("\n".join(lines))
        print(
            f"  with {troubled} providers in a major outage, queries (first, cached): "
            f"/ {with_trouble['/']}, /providers/bench-0/ {with_trouble['/providers/bench-0/']}"
        )
        print(plotly)
        print_ratios("pages: seconds against /healthz p95 on the same server", rows)


if __name__ == "__main__":
    main()
