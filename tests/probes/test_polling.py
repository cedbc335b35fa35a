"""poll_source through the real HTTP seam and a real local server."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from probes.models import Incident, Provider, Source
from probes.status.polling import poll_source
from tests.conftest import load_fixture
from tests.fakeserver import Answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(status_server) -> Source:
    provider = Provider.objects.create(slug="example", name="Example AI")
    return Source.objects.create(provider=provider, url=status_server.url("/api/v2/summary.json"))


def serve(status_server, fixture: str, **kwargs) -> None:
    status_server.set("/api/v2/summary.json", load_fixture(fixture), **kwargs)


def test_a_304_counts_as_unchanged_and_success(status_server, source):
    serve(status_server, "statuspage/summary_operational.json", etag='W/"1"')
    assert poll_source(source).state == "ok"
    source.refresh_from_db()
    assert source.etag == 'W/"1"'
    result = poll_source(source)
    assert result.state == "unchanged"
    assert status_server.requests[-1].headers["If-None-Match"] == 'W/"1"'


def test_an_unchanged_body_without_validators_is_not_parsed_again(status_server, source):
    serve(status_server, "incidentio/summary_degraded.json")
    assert poll_source(source).state == "ok"
    source.refresh_from_db()
    assert source.body_hash
    assert poll_source(source).state == "unchanged"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Answer(status=500, body=b"boom"), "HTTP 500"),
        (Answer(status=404, body=b"nope"), "HTTP 404"),
        (
            Answer(body=load_fixture("challenge_page.html"), headers={"Content-Type": "text/html"}),
            "bot-challenge",
        ),
        (Answer(body=b""), "empty body"),
        (Answer(body=b'{"unexpected": "shape"}'), "format changed"),
    ],
)
def test_a_bad_answer_is_recorded_on_the_source_and_loses_nothing(
    status_server, source, answer, reason
):
    serve(status_server, "statuspage/summary_major_outage.json")
    poll_source(source)
    status_server.set_sequence("/api/v2/summary.json", [answer])
    result = poll_source(source)
    assert result.state == "error"
    assert reason in result.message
    source.refresh_from_db()
    assert reason in source.last_error
    provider = Provider.objects.get()
    assert provider.status == "unknown"
    assert Incident.objects.get().is_open
    assert provider.components.get(external_id="cmp0api00002").status == "major_outage"


def test_a_timeout_is_recorded(status_server, source, settings):
    settings.AIWATCH_HTTP_READ_TIMEOUT = 0.3
    serve(status_server, "statuspage/summary_operational.json", delay=1.5)
    result = poll_source(source)
    assert result.state == "error"
    assert "timeout" in result.message


def test_an_oversized_body_is_recorded(status_server, source, settings):
    settings.AIWATCH_HTTP_MAX_BYTES = 1000
    serve(status_server, "statuspage/summary_operational.json")
    result = poll_source(source)
    assert result.state == "error"
    assert "too_large" in result.message


def test_a_429_with_retry_after_postpones_the_next_poll(status_server, source):
    status_server.set(
        "/api/v2/summary.json", b"slow down", status=429, headers={"Retry-After": "600"}
    )
    before = source.next_poll_at
    assert poll_source(source).state == "error"
    source.refresh_from_db()
    assert (source.next_poll_at - before).total_seconds() >= 590


def test_a_detected_format_that_stops_matching_is_reported_as_changed(status_server, source):
    serve(status_server, "statuspage/summary_operational.json")
    poll_source(source)
    serve(status_server, "incidentio/summary_degraded.json")
    result = poll_source(source)
    assert result.state == "error"
    assert result.message.startswith("unreadable: format changed: no longer statuspage")
    assert "it now looks like incidentio" in result.message
    assert Provider.objects.get().status == "unknown"


def test_the_poll_command_prints_a_line_per_source_and_fails_on_errors(
    status_server, source, capsys
):
    serve(status_server, "statuspage/summary_operational.json")
    call_command("poll", provider=["example"])
    assert "example" in capsys.readouterr().out
    status_server.set("/api/v2/summary.json", b"", status=503)
    with pytest.raises(CommandError) as error:
        call_command("poll")
    assert error.value.returncode == 1
    assert "HTTP 503" in capsys.readouterr().out


def test_the_poll_command_refuses_unknown_providers(source):
    with pytest.raises(CommandError):
        call_command("poll", provider=["nobody"])
