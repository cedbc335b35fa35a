"""`manage.py detect` and `backfill --url` parse within the same time budget as a poll."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from probes import parsers
from probes.models import Incident, Provider, Source
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

# Far past the budget set below; a parse this slow stands in for a ReDoS in a hostile payload.
SLOW_SECONDS = 5.0


def slow(parser):
    def parse(content, filters):
        ends = time.monotonic() + SLOW_SECONDS
        while time.monotonic() < ends:
            pass
        return parser(content, filters)

    return parse


@pytest.fixture
def slow_statuspage(settings, monkeypatch):
    settings.AIWATCH_PARSE_SECONDS = 0.2
    monkeypatch.setitem(parsers.PARSERS, "statuspage", slow(parsers.PARSERS["statuspage"]))


def test_detect_stops_a_parse_at_the_budget(slow_statuspage, tmp_path):
    path = tmp_path / "summary.json"
    path.write_bytes(load_fixture("statuspage/summary_operational.json"))
    with pytest.raises(CommandError, match=r"unreadable: parsing took longer than 0\.2 s"):
        call_command("detect", "--file", str(path), stdout=StringIO())


def test_detect_with_a_url_stops_a_parse_at_the_budget(slow_statuspage, status_server):
    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_operational.json"))
    with pytest.raises(CommandError, match="parsing took longer than"):
        call_command("detect", status_server.url("/api/v2/summary.json"), stdout=StringIO())


def test_backfill_url_stops_a_parse_at_the_budget(slow_statuspage, status_server):
    status_server.set("/incidents.json", load_fixture("history/statuspage_incidents.json"))
    provider = Provider.objects.create(slug="example", name="Example AI")
    Source.objects.create(provider=provider, url=status_server.url("/s.json"), kind="statuspage")
    out = StringIO()
    with pytest.raises(CommandError, match="1 history source"):
        call_command(
            "backfill",
            "--provider",
            "example",
            "--url",
            status_server.url("/incidents.json"),
            "--format",
            "statuspage",
            stdout=out,
        )
    assert "unreadable: parsing took longer than 0.2 s" in out.getvalue()
    assert Incident.objects.count() == 0
