"""A Redis restart while polls are in flight, with the worker as shipped (--concurrency 2).

The worker must survive (no "Unrecoverable error", no AttributeError), reconnect by itself and
go on polling. The polls cut off are terminated unacknowledged: the dispatcher claims their
sources again once the claim's lease has passed (a dispatched poll expires with it, before Redis
would redeliver it), and no transition is recorded twice.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from probes.models import Provider, Source
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.fakeserver import Answer, FakeServer
from tests.probes.test_faults import assert_recorded_once, transitions
from tests.workers import (
    BIN,
    client_app,
    log_end,
    process_env,
    stop,
    wait_for,
    wait_for_log,
)

OUTAGE = "statuspage/summary_major_outage.json"
PATH = "/api/v2/summary.json"
# The concurrency the Procfile, the Makefile and the README ship.
SHIPPED_CONCURRENCY = 2


def shipped_worker_command() -> list[str]:
    """The worker line of the Procfile, as `make run` starts it."""
    line = next(
        line
        for line in (settings.BASE_DIR / "Procfile").read_text().splitlines()
        if line.startswith("worker:")
    )
    words = shlex.split(line.split(":", 1)[1])
    assert words[0] == "celery"
    return [str(BIN / "celery"), *words[1:]]


def start_shipped_worker(broker_url: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        shipped_worker_command(),
        cwd=settings.BASE_DIR,
        env=process_env(broker_url),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("restarts", "down"), [(1, 1.0), (3, 0.3)])
def test_the_shipped_worker_survives_redis_restarting_mid_poll(
    restartable_redis, tmp_path, restarts, down
):
    redis_server = restartable_redis
    log = tmp_path / "worker.log"
    with FakeServer() as server:
        slow = [make_source(f"slow{n}", url=server.url(f"/slow{n}{PATH}")) for n in range(2)]
        later = make_source("later", url=server.url(f"/later{PATH}"))
        for n in range(2):
            # Both pool processes are inside a poll when Redis goes away.
            server.set_sequence(
                f"/slow{n}{PATH}",
                [Answer(body=load_fixture(OUTAGE), delay=4), Answer(body=load_fixture(OUTAGE))],
            )
        server.set(f"/later{PATH}", load_fixture(OUTAGE))
        worker = start_shipped_worker(redis_server.celery_url, log)
        try:
            app = client_app(redis_server.celery_url)
            for source in slow:
                app.send_task("probes.poll_source", args=[source.pk])
            app.close()
            wait_for(
                lambda: sum(1 for r in server.requests if r.path.startswith("/slow")) >= 2,
                timeout=30,
                what="both polls in flight",
            )
            for _ in range(restarts):
                mark = log_end(log)
                redis_server.stop()
                # Down until the worker has noticed, and at least `down` seconds.
                wait_for_log(log, "consumer: Connection to broker lost", after=mark)
                time.sleep(down)
                redis_server.start()
                wait_for_log(log, "Connected to redis", after=mark)
            assert worker.poll() is None, log.read_text()
            app = client_app(redis_server.celery_url)
            app.send_task("probes.poll_source", args=[later.pk])
            app.close()
            wait_for(
                lambda: Source.objects.get(pk=later.pk).last_success_at is not None,
                timeout=40,
                what="a poll sent after the restart",
            )
            assert worker.poll() is None, log.read_text()
        finally:
            stop(worker)
    text = log.read_text()
    assert "Unrecoverable error" not in text, text
    assert "AttributeError" not in text, text
    for source in [*slow, later]:
        provider = Provider.objects.get(pk=source.provider_id)
        assert transitions(provider) in ([], [("unknown", "major_outage")])
        assert_recorded_once(provider)


def test_every_shipped_worker_command_leaves_out_the_broadcast_consumers():
    # Gossip, mingle and heartbeat consume broadcast messages over Redis pub/sub; when Redis
    # restarts, celery's restart of those steps fails with an AttributeError inside kombu.
    flags = {"--without-gossip", "--without-mingle", "--without-heartbeat"}
    base = Path(settings.BASE_DIR)
    commands = [
        line
        for name in ("Procfile", "Makefile", "docker-compose.yml")
        for line in (base / name).read_text().splitlines()
        if "aiwatch worker" in line
    ]
    assert len(commands) == 3
    for command in commands:
        assert flags <= set(command.split()), command
    assert f"--concurrency {SHIPPED_CONCURRENCY}" in shlex.join(shipped_worker_command())
