from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakeserver import FakeServer


@pytest.fixture(autouse=True)
def _no_broker_wakeups(settings: object) -> None:
    # Alerts are delivered explicitly in these tests (deliver_pending).
    settings.AIWATCH_ALERT_ENQUEUE_ON_COMMIT = False  # type: ignore[attr-defined]


@pytest.fixture
def receiver() -> Iterator[FakeServer]:
    """A JSON webhook receiver on 127.0.0.1 that accepts everything posted to /hook."""
    with FakeServer() as server:
        server.set("/hook", b"{}")
        yield server
