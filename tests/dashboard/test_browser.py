"""In a real headless browser: the static script picks up the viewer's zone, charts draw.

Skipped where chromium is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime

import pytest

from tests.dashboard.factories import make_incident, make_provider, make_source

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


def dump_dom(url: str, *, zone: str) -> str:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                # Lets the page run its scripts (and the reload they cause) before the dump.
                "--virtual-time-budget=5000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            env={**os.environ, "TZ": zone},
            check=False,
        )
    return result.stdout


def test_a_first_visit_switches_to_the_browsers_zone(live_server):
    provider = make_provider("example", name="Example AI")
    make_source(provider)
    incident = make_incident(
        provider, "Down", started_at=datetime(2024, 12, 26, 17, 40, tzinfo=UTC)
    )

    dom = dump_dom(f"{live_server.url}/incidents/{incident.pk}/", zone="Asia/Tokyo")

    assert "27 Dec 2024 02:40" in dom
    assert '<option value="Asia/Tokyo" selected="">' in dom
