"""`manage.py detect`: platform and dry run from a real local server, and re-detection."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from probes.models import Incident, Source
from tests.conftest import FIXTURES, load_fixture
from tests.factories import make_source
from tests.probes.served import serve_and_poll

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("detect", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_platform_and_what_would_be_recorded_without_saving(status_server):
    status_server.set("/currentevents", load_fixture("aws_health/incident.json"))
    output = run(
        status_server.url("/currentevents"),
        "--filters",
        '{"services": ["bedrock"], "regions": ["us-east-1"]}',
    )
    assert "platform: aws_health" in output
    assert "dry run, nothing saved" in output
    assert "Major outage" in output
    assert "Amazon Bedrock (us-east-1)" in output
    assert "1 incidents, 1 open" in output
    assert Incident.objects.count() == 0


def test_it_reads_a_saved_file():
    output = run("--file", str(FIXTURES / "statuspage_feed/incident.atom"))
    assert "platform: statuspage_feed" in output
    assert "no component states" in output


def test_an_unreadable_payload_is_an_error_with_reasons(status_server):
    status_server.set("/page", load_fixture("challenge_page.html"))
    with pytest.raises(CommandError, match="bot-challenge"):
        run(status_server.url("/page"))


def test_reset_clears_the_detected_format_so_the_next_poll_detects_again(status_server):
    source = make_source(url=status_server.url("/status"))
    serve_and_poll(status_server, source, "statuspage_feed/healthy.atom")
    serve_and_poll(status_server, source, "incidentio_feed/healthy.atom")
    source.refresh_from_db()
    assert source.last_error.startswith("unreadable: format changed: no longer statuspage_feed")
    assert "it now looks like incidentio_feed" in source.last_error

    output = run("--source", str(source.pk), "--reset")
    assert "detected format cleared" in output
    assert "platform: incidentio_feed" in output
    source.refresh_from_db()
    assert source.detected_format == ""

    assert serve_and_poll(status_server, source, "incidentio_feed/healthy.atom").state == "ok"
    source.refresh_from_db()
    assert source.detected_format == "incidentio_feed"
    assert source.last_error == ""


def test_reset_needs_a_source():
    with pytest.raises(CommandError, match="--reset needs --source"):
        run("--reset", "--file", str(FIXTURES / "feed/healthy.xml"))


def test_bad_filters_are_refused():
    with pytest.raises(CommandError, match="filters"):
        run("--file", str(FIXTURES / "feed/healthy.xml"), "--filters", '{"x": 1}')


def test_unknown_source_id():
    assert not Source.objects.filter(pk=999).exists()
    with pytest.raises(CommandError, match="no source"):
        run("--source", "999")
