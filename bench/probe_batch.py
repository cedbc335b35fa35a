"""How much one async batch saves over probing one endpoint after another.

Runs N probes against a local server that answers after a short delay, first sequentially
through `probes.outbound.fetch`, then concurrently on one async client through
`probes.observe.probing.run_specs`, and prints both times and their ratio. No database is touched.

    .venv/bin/python bench/probe_batch.py [N] [DELAY_SECONDS]
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiwatch.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

from probes import outbound  # noqa: E402
from probes.observe.probing import ProbeSpec, probe_limits, run_specs  # noqa: E402
from tests.fakeserver import FakeServer  # noqa: E402


def main() -> None:
    words = [word for word in sys.argv[1:] if word != "--quick"]
    count = int(words[0]) if words else (20 if "--quick" in sys.argv else 60)
    delay = float(words[1]) if len(words) > 1 else 0.05
    # The local server is a private address: allow it for this run only.
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    with FakeServer() as server:
        server.set("/v1/models", b'{"error": "no key"}', status=401, delay=delay)
        url = server.url("/v1/models")
        limits = probe_limits(10.0)

        started = time.perf_counter()
        for _ in range(count):
            outbound.fetch(url, limits=limits)
        sequential = time.perf_counter() - started

        specs = [
            ProbeSpec(
                source_id=i, kind="http_probe", url=url, method="GET", expected=(), timeout=10.0
            )
            for i in range(count)
        ]
        started = time.perf_counter()
        outcomes = asyncio.run(run_specs(specs, concurrency=settings.AIWATCH_PROBE_CONCURRENCY))
        batched = time.perf_counter() - started
        assert all(outcome.verdict == "up" for outcome, _ in outcomes)

    print(f"{count} probes, server delay {delay * 1000:.0f} ms")
    print(f"  sequential (fetch, one after another): {sequential:.2f} s")
    print(
        f"  one async batch (concurrency {settings.AIWATCH_PROBE_CONCURRENCY}):   {batched:.2f} s"
    )
    print(f"  ratio sequential / batch: {sequential / batched:.1f}x")


if __name__ == "__main__":
    main()
