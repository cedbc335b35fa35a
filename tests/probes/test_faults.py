"""Fault scenarios: a misbehaving provider, the clock, the database, Redis, workers and beat.

After each: every status transition recorded exactly once, no duplicate incidents, and the
pipeline back to normal without anyone stepping in.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django import db
from django.db import connection
from django.utils import timezone

from probes.models import Component, Incident, Provider, Source, StatusChange
from probes.outbound import FetchError
from probes.status import scheduling
from probes.status.polling import poll_source
from probes.tasks import poll_source_task
from tests.conftest import load_fixture
from tests.factories import make_source
from tests.fakeserver import Answer, FakeServer
from tests.workers import (
    BIN,
    client_app,
    log_end,
    process_env,
    start_worker,
    stop,
    wait_for,
    wait_for_log,
)

OUTAGE = "statuspage/summary_major_outage.json"
ALL_CLEAR = "statuspage/summary_operational.json"
PATH = "/api/v2/summary.json"


def transitions(provider: Provider) -> list[tuple[str, str]]:
    return list(
        StatusChange.objects.filter(provider=provider, component__isnull=True)
        .order_by("at", "pk")
        .values_list("old_status", "new_status")
    )


def assert_recorded_once(provider: Provider) -> None:
    """No transition twice in a row, one first sighting per component, no duplicate incidents."""
    changes = transitions(provider)
    assert all(old != new for old, new in changes), changes
    assert all(a[1] == b[0] for a, b in itertools.pairwise(changes)), changes
    for component in Component.objects.filter(provider=provider):
        statuses = list(
            component.status_changes.order_by("at", "pk").values_list("old_status", "new_status")
        )
        assert all(old != new for old, new in statuses), statuses
        assert all(a[1] == b[0] for a, b in itertools.pairwise(statuses)), statuses
    ids = list(Incident.objects.filter(provider=provider).values_list("external_id", flat=True))
    assert len(ids) == len(set(ids))


# A provider misbehaving -----------------------------------------------------------------------


@pytest.fixture
def quick_timeouts(settings):
    settings.AIWATCH_HTTP_CONNECT_TIMEOUT = 1.0
    settings.AIWATCH_HTTP_READ_TIMEOUT = 0.5
    settings.AIWATCH_HTTP_TOTAL_TIMEOUT = 1.5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Answer(status=500, body=b"Internal Server Error"), "HTTP 500"),
        (Answer(status=503, body=b"", headers={"Retry-After": "30"}), "HTTP 503"),
        (Answer(status=429, body=b"slow down", headers={"Retry-After": "600"}), "HTTP 429"),
        (Answer(body=load_fixture(OUTAGE), delay=2.0), "timeout"),
        (Answer(body=load_fixture(OUTAGE), drip=200, drip_interval=0.2), "timeout"),
        (Answer(status=302, headers={"Location": PATH}), "redirects"),
    ],
    ids=["500", "503", "429-retry-after", "timeout", "slow-drip", "redirect-loop"],
)
def test_a_misbehaving_provider_is_an_error_then_recovers_by_itself(
    status_server, quick_timeouts, answer, reason
):
    source = make_source(url=status_server.url(PATH))
    status_server.set(PATH, load_fixture(OUTAGE))
    assert poll_source(source).state == "ok"
    provider = source.provider
    incidents_before = Incident.objects.count()

    status_server.set_sequence(PATH, [answer])
    at = timezone.now()
    result = poll_source(source, now=at)
    assert result.state == "error"
    assert reason in result.message
    source.refresh_from_db()
    provider.refresh_from_db()
    assert provider.status == "unknown"
    assert Incident.objects.count() == incidents_before
    if answer.status == 429:
        # The server's Retry-After pushes the next poll out at least that far.
        assert source.next_poll_at >= at + timedelta(seconds=600)

    status_server.set(PATH, load_fixture(OUTAGE))
    source.refresh_from_db()
    source.body_hash = ""
    assert poll_source(source).state == "ok"
    provider.refresh_from_db()
    assert provider.status == "major_outage"
    assert transitions(provider) == [
        ("unknown", "major_outage"),
        ("major_outage", "unknown"),
        ("unknown", "major_outage"),
    ]
    assert_recorded_once(provider)


@pytest.mark.django_db
def test_a_tls_failure_is_named_and_recorded(status_server, settings):
    # https to a plain-HTTP port: the handshake fails.
    settings.AIWATCH_HTTP_READ_TIMEOUT = 2.0
    source = make_source(url=f"https://127.0.0.1:{status_server.port}{PATH}")
    status_server.set(PATH, load_fixture(OUTAGE))
    result = poll_source(source)
    assert result.state == "error"
    assert "(tls)" in result.message
    source.provider.refresh_from_db()
    assert source.provider.status == "unknown"


@pytest.mark.django_db
def test_a_dns_failure_is_named_and_recorded():
    source = make_source(url="https://status.nothing-here.invalid/api/v2/summary.json")
    result = poll_source(source)
    assert result.state == "error"
    assert "(dns)" in result.message


# The clock ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clock_jump_forward_claims_each_source_once_and_records_nothing_twice(status_server):
    start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        source = make_source(url=status_server.url(PATH))
        status_server.set(PATH, load_fixture(OUTAGE))
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]
        poll_source_task(source.pk)
        # Three days pass in an instant (a suspended VM, an NTP correction).
        traveller.shift(timedelta(days=3))
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]
        assert scheduling.claim_due_sources(timezone.now()) == []
        source.refresh_from_db()
        assert source.next_poll_at == timezone.now() + source.interval
        Source.objects.filter(pk=source.pk).update(body_hash="")
        poll_source_task(source.pk)
        status_server.set(PATH, load_fixture(ALL_CLEAR))
        traveller.shift(timedelta(minutes=5))
        poll_source_task(source.pk)
    provider = source.provider
    provider.refresh_from_db()
    assert provider.status == "operational"
    assert transitions(provider) == [("unknown", "major_outage"), ("major_outage", "operational")]
    assert Incident.objects.filter(provider=provider).count() == 1
    assert_recorded_once(provider)


# The database ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_locked_or_dropped_database_fails_the_poll_and_the_next_poll_recovers(
    status_server, settings
):
    source = make_source(url=status_server.url(PATH))
    status_server.set(PATH, load_fixture(OUTAGE))
    vendor = connection.vendor
    if vendor == "sqlite":
        # Another process holds the write lock longer than we wait for it.
        connection.close()
        settings.DATABASES["default"]["OPTIONS"]["timeout"] = 0.5
        blocker = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=1)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(db.Error):
                poll_source_task(source.pk)
        finally:
            blocker.rollback()
            blocker.close()
            connection.close()
            settings.DATABASES["default"]["OPTIONS"]["timeout"] = 20
    elif vendor == "postgresql":
        # The server drops our connection (a restart, a failover): terminating our own
        # backend fails the statement that asks for it, and every use of the connection after.
        with pytest.raises(db.Error), connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        with pytest.raises(db.Error):
            poll_source_task(source.pk)
        # What Celery's Django fixup does around each task: drop unusable connections.
        connection.close()
    else:
        pytest.skip(f"no database fault to inject for {vendor}")
    # Nothing half-written.
    assert Incident.objects.count() == 0
    assert StatusChange.objects.count() == 0
    poll_source_task(source.pk)
    provider = Provider.objects.get(pk=source.provider_id)
    assert provider.status == "major_outage"
    assert transitions(provider) == [("unknown", "major_outage")]
    assert_recorded_once(provider)


# Workers, Redis and beat (real processes) ------------------------------------------------------

# Short limits for worker processes in these tests: visibility above the hard limit as in
# production, but seconds instead of minutes so redelivery happens within the test.
FAST_REDELIVERY = {
    "CELERY_TASK_SOFT_TIME_LIMIT": "4",
    "CELERY_TASK_TIME_LIMIT": "5",
    "CELERY_VISIBILITY_TIMEOUT": "6",
}


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_poll_has_its_poll_redelivered_and_recorded_once(
    redis_server, tmp_path
):
    with FakeServer() as server:
        server.set_sequence(
            PATH, [Answer(body=load_fixture(OUTAGE), delay=30), Answer(body=load_fixture(OUTAGE))]
        )
        source = make_source(url=server.url(PATH))
        log = tmp_path / "worker.log"
        first = start_worker(redis_server.celery_url, log=log, **FAST_REDELIVERY)
        try:
            client_app(redis_server.celery_url).send_task("probes.poll_source", args=[source.pk])
            wait_for(lambda: len(server.requests) >= 1, timeout=20, what="the poll to start")
            _kill_group(first)  # SIGKILL: no chance to acknowledge or clean up
        finally:
            stop(first)
        assert Source.objects.get(pk=source.pk).last_polled_at is None
        second = start_worker(redis_server.celery_url, log=log, **FAST_REDELIVERY)
        try:
            # Redis hands the message out again once its visibility timeout (6 s here) has
            # passed; the worker looks for such messages every 10 s.
            wait_for(
                lambda: Source.objects.get(pk=source.pk).last_success_at is not None,
                timeout=45,
                what="the redelivered poll",
            )
        finally:
            stop(second)
    provider = Provider.objects.get(pk=source.provider_id)
    assert provider.status == "major_outage"
    assert transitions(provider) == [("unknown", "major_outage")]
    assert Incident.objects.filter(provider=provider).count() == 1
    assert_recorded_once(provider)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_polls_queued_while_redis_restarts_are_all_run_once(restartable_redis, tmp_path):
    redis_server = restartable_redis
    with FakeServer() as server:
        sources = []
        for index in range(3):
            path = f"/{index}{PATH}"
            server.set(path, load_fixture(OUTAGE))
            sources.append(make_source(f"p{index}", url=server.url(path)))
        app = client_app(redis_server.celery_url)
        # Queued with no worker running, then Redis goes away and comes back (its
        # append-only file keeps the queue).
        for source in sources[:2]:
            app.send_task("probes.poll_source", args=[source.pk])
        app.close()
        redis_server.stop()
        log = tmp_path / "worker.log"
        worker = start_worker(redis_server.celery_url, log=log)
        try:
            # The worker starts while Redis is down and keeps retrying.
            wait_for_log(log, "consumer: Cannot connect to")
            redis_server.start()
            wait_for(
                lambda: (
                    Source.objects.filter(
                        pk__in=[s.pk for s in sources[:2]], last_success_at__isnull=False
                    ).count()
                    == 2
                ),
                timeout=25,
                what="the queued polls after Redis came back",
            )
            # And once more with the worker connected: it reconnects by itself.
            connected = log_end(log)
            redis_server.stop()
            wait_for_log(log, "consumer: Connection to broker lost", after=connected)
            redis_server.start()
            app = client_app(redis_server.celery_url)
            app.send_task("probes.poll_source", args=[sources[2].pk])
            app.close()
            wait_for(
                lambda: Source.objects.get(pk=sources[2].pk).last_success_at is not None,
                timeout=25,
                what="a poll sent after the second restart",
            )
        finally:
            stop(worker)
    for source in sources:
        provider = Provider.objects.get(pk=source.provider_id)
        assert provider.status == "major_outage"
        assert transitions(provider) == [("unknown", "major_outage")]
        assert_recorded_once(provider)


# The worker's line for a dispatch tick it ran to the end.
DISPATCH_DONE = re.compile(r"Task probes\.dispatch_due_polls\[[^\]]+\] succeeded")


def start_beat(broker_url: str, *, schedule: Path, log: Path) -> subprocess.Popen[bytes]:
    from django.conf import settings

    return subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "aiwatch",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(schedule),
        ],
        cwd=settings.BASE_DIR,
        env=process_env(broker_url, AIWATCH_DISPATCH_SECONDS="1"),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_still_poll_each_source_once_per_interval(redis_server, tmp_path):
    with FakeServer() as server:
        sources = []
        for index in range(3):
            path = f"/{index}{PATH}"
            server.set(path, load_fixture(OUTAGE))
            sources.append(make_source(f"b{index}", url=server.url(path)))
        log = tmp_path / "worker.log"
        worker = start_worker(redis_server.celery_url, log=log, concurrency=2)
        beat_logs = [tmp_path / f"beat{n}.log" for n in range(2)]
        beats = [
            start_beat(redis_server.celery_url, schedule=tmp_path / f"beat{n}", log=beat_log)
            for n, beat_log in enumerate(beat_logs)
        ]
        try:
            wait_for(
                lambda: Source.objects.filter(last_success_at__isnull=False).count() == 3,
                timeout=25,
                what="every source polled",
            )
            # Several more ticks of both beats, each claimed and dispatched by the worker: the
            # 120 s interval is not up, so none of them polls again.
            marks = [log_end(beat_log) for beat_log in beat_logs]
            dispatched = log_end(log)
            for beat_log, mark in zip(beat_logs, marks, strict=True):
                wait_for_log(beat_log, "Sending due task dispatch-due-polls", count=3, after=mark)
            wait_for_log(log, DISPATCH_DONE, count=4, after=dispatched, timeout=40)
        finally:
            for process in beats:
                stop(process)
            stop(worker)
        hits = [
            sum(1 for request in server.requests if request.path == f"/{index}{PATH}")
            for index in range(3)
        ]
    assert hits == [1, 1, 1]
    for source in sources:
        provider = Provider.objects.get(pk=source.provider_id)
        assert transitions(provider) == [("unknown", "major_outage")]
        assert_recorded_once(provider)


def test_fetch_errors_carry_a_kind_for_every_fault():
    # The kinds the fault tests rely on, named in one place.
    kinds = {"timeout", "dns", "tls", "refused", "connection", "too_large", "redirects", "blocked"}
    assert {FetchError(kind, "x").kind for kind in kinds} == kinds
