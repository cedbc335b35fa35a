"""Benchmark: page times with a year of history, against /healthz on the same server.

    python bench/pages.py [--quick] [--providers 50] [--days 365] [--clients 4]

Writes N providers' history (bench/harness/history.py), counts SQL queries per page at 30
days of history and again at the full span (in this process, with Django's test client), then
serves the site with the shipped gunicorn command (Procfile `web`, DEBUG=False) and has a few
concurrent clients fetch every page. Prints, last, each page's p50 and p95 against /healthz's
p95 from the same server in the same run, its size, and its queries at both history sizes.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
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
        "/incidents/",
        "/api/v1/incidents/",
        "/api/v1/providers/",
        f"/api/v1/providers/bench-0/uptime/?days={days}",
    ]


def count_queries(paths: list[str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for path in paths:
        client.get(path)  # warm caches, as a visitor after the first would find them
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        counts[path] = len(captured)
    return counts


def timed_gets(base: str, path: str, *, clients: int, each: int) -> tuple[list[float], int]:
    """Seconds per request from `clients` threads fetching `path` `each` times; body size."""
    import httpx

    times: list[float] = []
    sizes: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(each):
                started = time.perf_counter()
                response = client.get(path, headers={"Accept-Encoding": "gzip"})
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                with lock:
                    times.append(elapsed)
                    sizes.append(len(response.content))

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, max(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 providers, fewer requests")
    parser.add_argument("--providers", type=int)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, help="requests per client per page")
    args = parser.parse_args()
    providers = args.providers or quick_or_full(args.quick, quick_value=10, full_value=50)
    each = args.requests or quick_or_full(args.quick, quick_value=5, full_value=20)

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

        import httpx

        port = 8765
        web = procfile_command("web")
        web[web.index("$AIWATCH_HOST:$AIWATCH_PORT")] = f"127.0.0.1:{port}"
        base = f"http://127.0.0.1:{port}"
        with processes(web, log=workdir / "web.log"):

            def up() -> bool:
                try:
                    return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_for(up, what="gunicorn", timeout=60, every=0.5)
            health, _ = timed_gets(base, "/healthz", clients=args.clients, each=each * 2)
            health_p95 = percentile(health, 95)
            rows = []
            lines = []
            for path in paths:
                times, size = timed_gets(base, path, clients=args.clients, each=each)
                rows.append((f"{path} p50", percentile(times, 50), health_p95))
                rows.append((f"{path} p95", percentile(times, 95), health_p95))
                lines.append(
                    f"  {path}: {size / 1024:.0f} KB, queries {at_short[path]} at {short} d, "
                    f"{at_full[path]} at {args.days} d"
                )
        print(
            f"\n{providers} providers x {args.days} days, {args.clients} clients, "
            f"gunicorn {' '.join(web[1:])}"
        )
        print("\n".join(lines))
        print_ratios("pages: seconds against /healthz p95 on the same server", rows)


if __name__ == "__main__":
    main()
