"""The total timeout bounds the whole exchange, and a poll stopped by the time limit is recorded."""

from __future__ import annotations

from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from probes import tasks
from probes.models import Provider, Source
from probes.outbound import FetchError, Limits, fetch
from tests.fakeserver import Answer

# A read timeout far longer than the total: only the total deadline can end these exchanges.
LIMITS = Limits(
    connect_timeout=2.0,
    read_timeout=5.0,
    total_timeout=1.0,
    max_bytes=1024 * 1024,
    max_redirects=5,
)


def test_headers_dripped_a_byte_at_a_time_hit_the_total_deadline(status_server):
    # About 100 bytes of status line and headers, 0.1 s apart: ten times the total budget,
    # while no single read ever waits long enough for the read timeout. No body: nothing after
    # the headers could notice the deadline instead.
    status_server.set("/s.json", b"", header_drip_interval=0.1)
    with pytest.raises(FetchError) as caught:
        fetch(status_server.url("/s.json"), limits=LIMITS)
    assert caught.value.kind == "timeout"


def test_a_chain_of_slow_redirects_hits_the_total_deadline(status_server):
    for hop in range(4):
        status_server.set(
            f"/hop{hop}", status=302, headers={"Location": f"/hop{hop + 1}"}, delay=0.5
        )
    status_server.set("/hop4", b"{}")
    with pytest.raises(FetchError) as caught:
        fetch(status_server.url("/hop0"), limits=LIMITS)
    assert caught.value.kind == "timeout"
    assert len(status_server.requests) < 5


def test_a_quick_answer_is_still_read_in_full(status_server):
    status_server.set_sequence("/s.json", [Answer(body=b'{"ok": true}')])
    assert fetch(status_server.url("/s.json"), limits=LIMITS).content == b'{"ok": true}'


@pytest.mark.django_db
def test_a_poll_stopped_by_the_soft_time_limit_records_a_failure():
    provider = Provider.objects.create(slug="example", name="Example AI")
    source = Source.objects.create(provider=provider, url="https://status.example-ai.test/s.json")
    # Celery delivers its soft limit as this exception, raised wherever the poll is.
    with mock.patch("probes.status.polling.outbound.fetch", side_effect=SoftTimeLimitExceeded()):
        tasks.poll_source_task(source.pk)
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert "time limit" in source.last_error
    assert source.error_since is not None
