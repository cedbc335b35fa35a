"""Serve a fixture from the real local HTTP server and poll it through the whole pipeline.

Sources come from tests.factories (`make_source(url=status_server.url("/path"))`).
"""

from __future__ import annotations

from probes.models import Provider, Source
from probes.status.polling import PollResult, poll_source
from tests.conftest import load_fixture
from tests.fakeserver import FakeServer


def serve_and_poll(server: FakeServer, source: Source, fixture: str) -> PollResult:
    """Answer the source's URL with `fixture`, poll once, and return the result."""
    path = "/" + source.url.split("/", 3)[3]
    server.set(path, load_fixture(fixture))
    source.refresh_from_db()
    return poll_source(source)


def provider_status(source: Source) -> str:
    return Provider.objects.get(pk=source.provider_id).status
