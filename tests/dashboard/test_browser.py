"""In a real headless browser: the static script picks up the viewer's zone, charts draw.

Skipped where chromium is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import urllib.request
from datetime import UTC, datetime

import pytest

from tests.factories import NOW, make_incident, make_provider, make_read_source

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


def run_chromium(
    url: str, *, zone: str = "UTC", budget_ms: int = 5000
) -> subprocess.CompletedProcess[str]:
    """Load `url`, let its scripts run, and return the DOM (stdout) and console log (stderr)."""
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
                f"--virtual-time-budget={budget_ms}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            env={**os.environ, "TZ": zone},
            check=False,
        )
    return result


def test_a_first_visit_switches_to_the_browsers_zone(live_server):
    provider = make_provider("example", name="Example AI")
    make_read_source(provider)
    incident = make_incident(
        provider, "Down", started_at=datetime(2024, 12, 26, 17, 40, tzinfo=UTC)
    )

    dom = run_chromium(f"{live_server.url}/incidents/{incident.pk}/", zone="Asia/Tokyo").stdout

    assert "27 Dec 2024 02:40" in dom
    assert '<option value="Asia/Tokyo" selected="">' in dom


def test_the_pages_break_no_rule_of_the_content_security_policy(live_server):
    provider = make_provider("example", name="Example AI", status="major_outage")
    make_read_source(provider)
    incident = make_incident(provider, "Down", updates=[("investigating", "**Looking**", NOW)])

    for path in ("/", "/providers/example/", f"/incidents/{incident.pk}/"):
        with urllib.request.urlopen(f"{live_server.url}{path}") as response:
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        result = run_chromium(f"{live_server.url}{path}", budget_ms=1500)
        assert "<main" in result.stdout, path
        assert "Content Security Policy" not in result.stderr, (path, result.stderr)
