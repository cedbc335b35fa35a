"""A batch of status pages: fetched together, recorded as single polls record them."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probes import tasks
from probes.models import Incident, Provider, Source
from probes.status.batches import poll_batch
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db


def make_sources(
    status_server, count: int, fixture: str, *, prefix: str = "s", **kwargs
) -> list[Source]:
    sources = []
    for index in range(count):
        path = f"/{prefix}{index}/api/v2/summary.json"
        status_server.set(path, load_fixture(fixture), **kwargs)
        provider = Provider.objects.create(slug=f"{prefix}{index}", name=f"Provider {index}")
        sources.append(Source.objects.create(provider=provider, url=status_server.url(path)))
    return sources


def fresh(sources: list[Source]) -> list[Source]:
    return list(Source.objects.select_related("provider").filter(pk__in=[s.pk for s in sources]))


def test_a_batch_records_each_page_as_a_single_poll_would(status_server):
    sources = make_sources(status_server, 3, "statuspage/summary_major_outage.json", etag='"1"')
    status_server.set("/s2/api/v2/summary.json", b"boom", status=500)
    results = poll_batch(fresh(sources))
    assert [results[s.pk].state for s in sources] == ["ok", "ok", "error"]
    for source in sources[:2]:
        source.provider.refresh_from_db()
        assert source.provider.status == "major_outage"
        assert Incident.objects.filter(provider=source.provider).count() == 1
    failed = Source.objects.get(pk=sources[2].pk)
    assert failed.consecutive_failures == 1
    assert "HTTP 500" in failed.last_error


def test_unchanged_pages_are_recorded_together_in_statements_that_do_not_grow(status_server):
    small = make_sources(status_server, 2, "statuspage/summary_operational.json", etag='"a"')
    large = make_sources(status_server, 12, "incidentio/summary_degraded.json", prefix="l")
    for group in (small, large):
        poll_batch(fresh(group))

    def statements(group: list[Source]) -> int:
        loaded = fresh(group)
        with CaptureQueriesContext(connection) as captured:
            results = poll_batch(loaded)
        assert {result.state for result in results.values()} == {"unchanged"}
        # Every statement, savepoints included: the alert outbox opens none for a poll that
        # changed nothing.
        return len(captured.captured_queries)

    assert statements(small) == statements(large)
    # The 304s were conditional requests with the validator the first poll stored.
    assert status_server.requests[-1].headers.get("If-None-Match") in (None, '"a"')
    for source in fresh(large):
        assert source.last_polled_at == source.last_success_at
        assert source.consecutive_failures == 0


def test_a_failing_source_that_answers_unchanged_again_recovers_on_its_own(status_server):
    [source] = make_sources(status_server, 1, "statuspage/summary_operational.json", etag='"a"')
    poll_batch(fresh([source]))
    status_server.set("/s0/api/v2/summary.json", b"down", status=503)
    poll_batch(fresh([source]))
    source.provider.refresh_from_db()
    assert source.provider.status == "unknown"
    status_server.set(
        "/s0/api/v2/summary.json", load_fixture("statuspage/summary_operational.json"), etag='"a"'
    )
    [result] = poll_batch(fresh([source])).values()
    assert result.state == "unchanged"
    assert result.outcome.source_recovered
    source.provider.refresh_from_db()
    assert source.provider.status == "operational"


def test_the_dispatcher_enqueues_status_pages_in_expiring_batches(status_server):
    sources = make_sources(
        status_server, tasks.POLL_BATCH_SIZE + 3, "statuspage/summary_operational.json"
    )
    with mock.patch.object(tasks.poll_sources_task, "apply_async") as apply_async:
        tasks.dispatch_due_polls()
        tasks.dispatch_due_polls()
    batches = [call.args[0][0] for call in apply_async.call_args_list]
    assert sorted(pk for batch in batches for pk in batch) == sorted(s.pk for s in sources)
    assert [len(batch) for batch in batches] == [tasks.POLL_BATCH_SIZE, 3]
    # Expires with the claim's lease: until then the sources are not claimed again.
    assert {call.kwargs["expires"] for call in apply_async.call_args_list} == {
        settings.AIWATCH_POLL_LEASE_SECONDS
    }


def test_the_batch_task_skips_sources_disabled_since_they_were_enqueued(status_server):
    sources = make_sources(status_server, 2, "statuspage/summary_operational.json")
    Source.objects.filter(pk=sources[1].pk).update(enabled=False)
    tasks.poll_sources_task([s.pk for s in sources])
    polled = dict(Source.objects.values_list("pk", "last_polled_at"))
    assert polled[sources[0].pk] is not None
    assert polled[sources[1].pk] is None
