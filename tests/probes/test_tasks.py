"""Celery: thin tasks, and the dispatcher plus a poll through a real worker and a real Redis."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from probes import tasks
from probes.models import Provider, Source
from probes.status import scheduling
from tests.conftest import load_fixture
from tests.workers import client_app, start_worker, stop, wait_for


@pytest.fixture
def source(db) -> Source:
    provider = Provider.objects.create(slug="example", name="Example AI")
    return Source.objects.create(provider=provider, url="https://status.example-ai.test/s.json")


def test_the_poll_task_polls_the_source_it_is_given(source):
    with mock.patch("probes.tasks.polling.poll_source", autospec=True) as poll:
        tasks.poll_source_task(source.pk)
    poll.assert_called_once()
    assert poll.call_args.args[0].pk == source.pk


def test_the_poll_task_ignores_a_deleted_or_disabled_source(source):
    with mock.patch("probes.tasks.polling.poll_source", autospec=True) as poll:
        tasks.poll_source_task(source.pk + 1000)
        Source.objects.filter(pk=source.pk).update(enabled=False)
        tasks.poll_source_task(source.pk)
    poll.assert_not_called()


def test_claiming_moves_the_next_poll_on_and_a_second_claim_gets_nothing(source):
    due = source.next_poll_at
    now = timezone.now()
    assert scheduling.claim_due_sources(now) == [source.pk]
    assert scheduling.claim_due_sources(now) == []
    source.refresh_from_db()
    # One interval after the time it was due, not after the tick that claimed it.
    assert source.next_poll_at == due + timedelta(seconds=source.interval_seconds)


def test_a_source_whose_claimed_poll_has_not_run_is_not_claimed_again(source, settings):
    # Workers behind: the poll claimed at `now` still waits in the queue one interval later.
    settings.AIWATCH_POLL_LEASE_SECONDS = 300
    now = timezone.now()
    interval = timedelta(seconds=source.interval_seconds)
    assert scheduling.claim_due_sources(now) == [source.pk]

    assert scheduling.claim_due_sources(now + interval + timedelta(seconds=1)) == []

    # Once it has run, the next due time claims it again.
    Source.objects.filter(pk=source.pk).update(last_polled_at=now + interval + timedelta(seconds=2))
    assert scheduling.claim_due_sources(now + interval + timedelta(seconds=3)) == [source.pk]


def test_a_poll_stamped_by_a_worker_whose_clock_is_a_little_behind_counts_as_run(source):
    now = timezone.now()
    interval = timedelta(seconds=source.interval_seconds)
    assert scheduling.claim_due_sources(now) == [source.pk]
    Source.objects.filter(pk=source.pk).update(last_polled_at=now - timedelta(seconds=2))

    assert scheduling.claim_due_sources(now + interval) == [source.pk]


def test_a_claim_whose_poll_never_recorded_is_given_up_after_the_lease(source, settings):
    settings.AIWATCH_POLL_LEASE_SECONDS = 300
    now = timezone.now()
    assert scheduling.claim_due_sources(now) == [source.pk]

    assert scheduling.claim_due_sources(now + timedelta(seconds=299)) == []
    assert scheduling.claim_due_sources(now + timedelta(seconds=301)) == [source.pk]


def test_a_claim_stamped_in_the_future_is_the_clock_going_back_not_a_poll_under_way(
    source, settings
):
    settings.AIWATCH_POLL_LEASE_SECONDS = 300
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(
        claimed_at=now + timedelta(hours=1), next_poll_at=now
    )

    assert scheduling.claim_due_sources(now) == [source.pk]


def test_poll_messages_expire_with_the_claims_lease(source, settings):
    settings.AIWATCH_POLL_LEASE_SECONDS = 240
    with mock.patch.object(tasks.poll_sources_task, "apply_async") as apply_async:
        tasks.enqueue_sources([source.pk])
    assert apply_async.call_args.kwargs["expires"] == 240


def test_a_stale_read_loses_the_claim(source):
    now = timezone.now()
    stale_next_poll_at = source.next_poll_at
    scheduling.claim_due_sources(now)
    won = Source.objects.filter(pk=source.pk, next_poll_at=stale_next_poll_at).update(
        next_poll_at=now
    )
    assert won == 0


def claim_queries(count: int, now) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    provider = Provider.objects.create(slug=f"many-{count}", name=f"Many {count}")
    Source.objects.bulk_create(
        Source(provider=provider, url=f"https://status{i}.example-ai.test/s.json", next_poll_at=now)
        for i in range(count)
    )
    with CaptureQueriesContext(connection) as captured:
        claimed = scheduling.claim_due_sources(now)
    assert len(claimed) == count
    Source.objects.filter(provider=provider).delete()
    return len(captured.captured_queries)


def test_claiming_costs_the_same_queries_for_5_or_200_due_sources(db):
    now = timezone.now()
    assert claim_queries(5, now) == claim_queries(200, now)


def test_a_source_claimed_by_another_dispatcher_in_between_is_not_claimed_twice(source):
    now = timezone.now()
    original = Source.objects.filter

    def claimed_by_another_first(*args, **kwargs):
        if "next_poll_at__lte" in kwargs:  # the claiming UPDATE: another dispatcher won first
            original(pk=source.pk).update(next_poll_at=now + timedelta(seconds=30))
        return original(*args, **kwargs)

    with mock.patch.object(Source.objects, "filter", side_effect=claimed_by_another_first):
        assert scheduling.claim_due_sources(now) == []
    source.refresh_from_db()
    assert source.next_poll_at == now + timedelta(seconds=30)


def test_disabled_sources_and_providers_are_never_due(source):
    Provider.objects.filter(pk=source.provider_id).update(enabled=False)
    assert scheduling.claim_due_sources(timezone.now()) == []


def test_the_dispatcher_enqueues_one_expiring_poll_per_due_source(source):
    with mock.patch.object(tasks.poll_sources_task, "apply_async") as apply_async:
        tasks.dispatch_due_polls()
        tasks.dispatch_due_polls()
    apply_async.assert_called_once()
    assert apply_async.call_args.args[0] == ([source.pk],)
    assert apply_async.call_args.kwargs["expires"] > 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_dispatcher_and_the_poll(redis_server, status_server, tmp_path):
    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_major_outage.json"))
    provider = Provider.objects.create(slug="example", name="Example AI")
    source = Source.objects.create(provider=provider, url=status_server.url("/api/v2/summary.json"))
    worker = start_worker(redis_server.celery_url, log=tmp_path / "worker.log")
    try:
        client_app(redis_server.celery_url).send_task("probes.dispatch_due_polls")
        wait_for(
            lambda: Source.objects.get(pk=source.pk).last_success_at is not None,
            timeout=45,
            what="the worker to poll the source",
        )
    finally:
        stop(worker)
    provider.refresh_from_db()
    assert provider.status == "major_outage"
    assert provider.incidents.get().external_id == "k2v9x8w7q1rt"


def test_the_dispatcher_and_alert_deliveries_do_not_wait_behind_the_poll_batches():
    from aiwatch.celery import app

    def queue(name: str) -> str:
        return app.amqp.router.route({}, name)["queue"].name

    assert queue("probes.dispatch_due_polls") == "control"
    assert queue("alerts.deliver_pending") == "control"
    assert queue("probes.poll_sources") == "celery"
    # A worker started without -Q consumes both (taking them in turn).
    assert {"control", "celery"} <= set(app.amqp.queues)
