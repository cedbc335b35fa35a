"""A real Celery worker, a real Redis, a real receiver: killed workers and a Redis restart.

The receiver gets every event; the one whose worker was killed after posting it (the receiver
was still answering) arrives twice with the same idempotency key and byte-identical signed body,
so a receiver that keeps the keys it has seen processes each event exactly once. That is the
guarantee alerts.delivery states: at least once, with a key that makes it once.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from alerts.models import Channel, Delivery, Event
from alerts.transports import verify_signature
from probes.models import Provider, Source
from probes.status.polling import poll_source
from tests import workers
from tests.alerts.pages import summary
from tests.fakeserver import Answer

SECRET = "worker-test-signing-key"


def start(redis_url: str, log: Path) -> subprocess.Popen[bytes]:
    return workers.start_worker(
        redis_url,
        log=log,
        AIWATCH_ALERT_CLAIM_SECONDS="2",
        # Long enough that the worker is still waiting for the slow receiver when it is killed.
        AIWATCH_HTTP_READ_TIMEOUT="60",
        AIWATCH_HTTP_TOTAL_TIMEOUT="60",
        AIWATCH_SECRET_TEST_HOOK=SECRET,
    )


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and its pool children: no cleanup, no result recorded."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def tick(redis_url: str) -> None:
    """What beat does every few seconds: ask for pending deliveries to be delivered."""
    workers.client_app(redis_url).send_task("alerts.deliver_pending")


def walk(status_server, source: Source, *states: str) -> None:
    for state in states:
        status_server.set("/example/summary.json", summary({"api": state, "chat": state}))
        source.refresh_from_db()
        assert poll_source(source).state == "ok"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_each_event_reaches_the_receiver_despite_a_killed_worker_and_a_redis_restart(
    status_server, receiver, restartable_redis, tmp_path, monkeypatch
):
    redis_server = restartable_redis
    monkeypatch.setenv("AIWATCH_SECRET_TEST_HOOK", SECRET)
    provider = Provider.objects.create(slug="example", name="Example AI", capabilities=["chat"])
    source = Source.objects.create(
        provider=provider, url=status_server.url("/example/summary.json"), kind="statuspage"
    )
    Channel.objects.create(
        name="hook",
        kind="webhook",
        url=receiver.url("/hook"),
        secret_env="AIWATCH_SECRET_TEST_HOOK",
    )
    # The first post hangs (the receiver is slow to answer); every later one is accepted.
    receiver.set_sequence("/hook", [Answer(body=b"{}", delay=30), Answer(body=b"{}")])
    walk(status_server, source, "operational", "major_outage", "operational")
    assert Event.objects.count() == 2
    log = tmp_path / "worker.log"

    first = start(redis_server.celery_url, log)
    try:
        tick(redis_server.celery_url)
        workers.wait_for(
            lambda: len(receiver.requests) >= 1, timeout=20, what="the first post to arrive"
        )
        killed = Delivery.objects.get(state="sending")
    finally:
        kill(first)  # SIGKILL mid-delivery: no result is ever recorded for that attempt

    redis_server.stop()
    # The transitions go on while Redis is down; the outbox keeps them.
    walk(
        status_server,
        source,
        "partial_outage",
        "operational",
        "degraded_performance",
        "major_outage",
        "partial_outage",
        "operational",
        "major_outage",
        "operational",
    )
    redis_server.start()
    # The recovery the killed worker never reached, and the eight new transitions.
    assert Delivery.objects.filter(state="pending").count() == 9

    second = start(redis_server.celery_url, log)
    try:
        workers.wait_for(
            lambda: Delivery.objects.exclude(state="sent").count() == 0,
            timeout=25,
            what="every delivery sent",
            every=1.0,
            between=lambda: tick(redis_server.celery_url),
        )
    finally:
        kill(second)

    deliveries = list(Delivery.objects.select_related("event"))
    assert len(deliveries) == Event.objects.count() == 10
    seen = Counter(request.headers["X-AIWatch-Delivery"] for request in receiver.requests)
    assert set(seen) == {delivery.key for delivery in deliveries}
    # The killed attempt may have reached the receiver; its retry carries the same key.
    assert seen[killed.key] == 2
    assert all(count == 1 for key, count in seen.items() if key != killed.key)
    bodies: dict[str, set[bytes]] = {}
    for request in receiver.requests:
        assert verify_signature(SECRET, request.body, request.headers["X-AIWatch-Signature"])
        bodies.setdefault(request.headers["Idempotency-Key"], set()).add(request.body)
    assert all(len(versions) == 1 for versions in bodies.values())
    # Deduplicated by key, the receiver processed each event exactly once.
    assert len(bodies) == len(deliveries)
