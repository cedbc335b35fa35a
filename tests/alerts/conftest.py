from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_broker_wakeups(settings: object) -> None:
    # The outbox is delivered explicitly in these tests (notify, deliver_pending, a worker).
    settings.AIWATCH_ALERT_ENQUEUE_ON_COMMIT = False  # type: ignore[attr-defined]
