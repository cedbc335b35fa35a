"""Start real Celery worker and beat processes against the test database and a real Redis."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from celery import Celery
from django.conf import settings
from django.db import connection

BIN = Path(sys.executable).parent


def test_database_url() -> str:
    """A DATABASE_URL naming the database this test run uses (the test copy, not the real one)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{db['NAME']}"


def process_env(broker_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": broker_url,
        "AIWATCH_OUTBOUND_ALLOW": ",".join(["127.0.0.1", *settings.AIWATCH_OUTBOUND_ALLOW]),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update(extra)
    return env


def start_worker(
    broker_url: str, *, log: Path, concurrency: int = 1, **extra: str
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "aiwatch",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=settings.BASE_DIR,
        env=process_env(broker_url, **extra),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes], *, timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def client_app(broker_url: str) -> Celery:
    """A Celery app for sending tasks from the test process to `broker_url`."""
    app = Celery("aiwatch-tests", broker=broker_url)
    app.conf.broker_connection_retry_on_startup = True
    return app


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float = 30,
    what: str = "condition",
    every: float = 0.1,
    between: Callable[[], object] | None = None,
) -> None:
    """Look at `condition` every `every` seconds until it holds; fail after `timeout`.

    `between` runs between looks (e.g. what beat would send meanwhile).
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        if between is not None:
            between()
        time.sleep(every)


def log_end(log: Path) -> int:
    """Where `log` ends now: pass it as `after` to count only what is written from here on."""
    return log.stat().st_size if log.exists() else 0


def log_count(log: Path, text: str | re.Pattern[str], *, after: int = 0) -> int:
    """How many times `text` (a string, or a compiled pattern) appears in `log` past `after`."""
    if not log.exists():
        return 0
    with log.open("rb") as file:
        file.seek(after)
        written = file.read().decode(errors="replace")
    if isinstance(text, re.Pattern):
        return len(text.findall(written))
    return written.count(text)


def wait_for_log(
    log: Path,
    text: str | re.Pattern[str],
    *,
    count: int = 1,
    after: int = 0,
    timeout: float = 30,
) -> None:
    """Wait until a process has written `text` to `log` `count` times past byte `after`."""
    wait_for(
        lambda: log_count(log, text, after=after) >= count,
        timeout=timeout,
        what=f"{getattr(text, 'pattern', text)!r} {count} time(s) in {log.name}",
    )
