"""The clock steps back an hour: polling goes on, stale data is not shown as fresh, and a
manual poll records its transitions after the ones already recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from probes import health, tasks
from probes.models import Provider, Source, StatusChange
from probes.status import scheduling
from probes.status.polling import poll_source
from tests.conftest import load_fixture
from tests.factories import make_source

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PATH = "/api/v2/summary.json"


@pytest.fixture
def redis_db(redis_server, settings):
    settings.CELERY_BROKER_URL = redis_server.celery_url
    client = redis_server.client()
    client.delete(health.HEARTBEAT_KEY)
    yield client
    client.delete(health.HEARTBEAT_KEY)


URL = "https://status.example.com/api/v2/summary.json"


def test_polling_goes_on_after_the_clock_steps_back_an_hour():
    with time_machine.travel(NOON, tick=False) as traveller:
        source = make_source(url=URL, interval_seconds=60)
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]
        Source.objects.filter(pk=source.pk).update(last_polled_at=timezone.now())
        traveller.move_to(NOON - timedelta(hours=1))
        # Polled at once, not in 61 minutes; the next poll one interval on, from the new "now".
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]
        source.refresh_from_db()
        assert source.next_poll_at == timezone.now() + timedelta(seconds=60)
        assert scheduling.claim_due_sources(timezone.now()) == []
        traveller.shift(timedelta(seconds=61))
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]


def test_a_claimed_but_never_polled_source_is_not_stranded_either():
    with time_machine.travel(NOON, tick=False) as traveller:
        source = make_source(url=URL, interval_seconds=60)
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]
        traveller.move_to(NOON - timedelta(hours=1))
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]


def test_the_dispatcher_polls_after_the_clock_steps_back(redis_db):
    with time_machine.travel(NOON, tick=False) as traveller:
        source = make_source(url=URL, interval_seconds=60)
        with mock.patch.object(tasks.poll_sources_task, "apply_async") as apply_async:
            tasks.dispatch_due_polls()
            Source.objects.filter(pk=source.pk).update(last_polled_at=timezone.now())
            traveller.move_to(NOON - timedelta(hours=1))
            tasks.dispatch_due_polls()
            tasks.dispatch_due_polls()
        assert apply_async.call_count == 2


def test_a_retry_after_postponement_still_stands():
    # 429 with Retry-After: 600 at 12:00 sets the next poll at 12:10; the clock did not move.
    with time_machine.travel(NOON, tick=False) as traveller:
        source = make_source(url=URL, interval_seconds=60)
        Source.objects.filter(pk=source.pk).update(
            last_polled_at=NOON, next_poll_at=NOON + timedelta(minutes=10)
        )
        traveller.shift(timedelta(minutes=2))
        assert scheduling.claim_due_sources(timezone.now()) == []
        traveller.shift(timedelta(minutes=8))
        assert scheduling.claim_due_sources(timezone.now()) == [source.pk]


def test_a_last_read_in_the_future_is_not_fresh(redis_db):
    with time_machine.travel(NOON, tick=False) as traveller:
        source = make_source(url=URL, interval_seconds=60)
        health.record_dispatch_heartbeat(timezone.now(), redis_db)
        Source.objects.filter(pk=source.pk).update(last_success_at=timezone.now())
        assert health.check_pipeline(timezone.now(), redis_db).problems == []
        traveller.move_to(NOON - timedelta(hours=1))
        problems = health.check_pipeline(timezone.now(), redis_db).problems
        assert len(problems) == 2
        assert all("in the future: the server clock went back" in p for p in problems)
        assert not health.beat_is_fresh(timezone.now(), redis_db)


def test_a_manual_poll_after_the_clock_stepped_back_records_transitions_in_order(status_server):
    status_server.set(PATH, load_fixture("statuspage/summary_major_outage.json"))
    with time_machine.travel(NOON, tick=False) as traveller:
        source = make_source(url=status_server.url(PATH), interval_seconds=60)
        assert poll_source(source).state == "ok"
        traveller.move_to(NOON - timedelta(hours=1))
        status_server.set(PATH, load_fixture("statuspage/summary_operational.json"))
        call_command("poll", "--source", str(source.pk), stdout=mock.MagicMock())
    changes = list(
        StatusChange.objects.filter(provider=source.provider, component__isnull=True)
        .order_by("at", "pk")
        .values_list("old_status", "new_status", "at")
    )
    assert [(old, new) for old, new, _ in changes] == [
        ("unknown", "major_outage"),
        ("major_outage", "operational"),
    ]
    # The recovery is not stamped before the outage it ends.
    assert changes[1][2] > changes[0][2] == NOON
    by_pk = list(
        StatusChange.objects.filter(provider=source.provider).order_by("pk").values_list("at")
    )
    assert by_pk == sorted(by_pk)
    provider = Provider.objects.get(pk=source.provider_id)
    assert provider.status == "operational"


def test_freshness_needs_a_moment_that_is_not_in_the_future():
    window = timedelta(minutes=5)
    assert scheduling.is_fresh(NOON - timedelta(minutes=4), NOON, within=window)
    assert scheduling.is_fresh(NOON + timedelta(seconds=30), NOON, within=window)  # clock slack
    assert not scheduling.is_fresh(NOON - timedelta(minutes=6), NOON, within=window)
    assert not scheduling.is_fresh(NOON + timedelta(hours=1), NOON, within=window)
    assert not scheduling.is_fresh(None, NOON, within=window)


def test_a_status_page_read_in_the_future_is_stale_not_readable():
    # After the clock steps back an hour, a source's last good read lies in the future: the
    # headline must not take it for a fresh read of an operational page.
    from probes.status.headline import Readability, readability

    now = timezone.now()
    source = make_source(kind="statuspage", last_success_at=now + timedelta(hours=1))
    assert readability(source, now=now) == Readability.STALE
    source.last_success_at = now - timedelta(seconds=30)
    assert readability(source, now=now) == Readability.READABLE
