"""An open overview picks up an outage without reloading: the status page served locally
changes, the poller reads it, and the page's own script swaps the changed parts in."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from probes.models import Source
from probes.status.polling import poll_source
from tests.browser.conftest import PageProblems
from tests.conftest import load_fixture
from tests.factories import make_provider, make_source
from tests.fakeserver import FakeServer

pytestmark = [pytest.mark.django_db(transaction=True)]

SUMMARY = "/api/v2/summary.json"


def _poll(source: Any) -> None:
    """Poll as the worker would, off this thread: Playwright's event loop runs on it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_poll_and_close, source.pk).result()


def _poll_and_close(source_id: int) -> None:
    try:
        poll_source(Source.objects.get(pk=source_id))
    finally:
        connection.close()


def _keep_the_real_performance(page: Any) -> None:
    """Playwright's fake clock replaces `performance`; keep the real one to count navigations."""
    page.add_init_script("window.__performance = window.performance;")


def _served_provider(status_server: FakeServer) -> Any:
    provider = make_provider("example", name="Example AI", status="unknown")
    source = make_source(provider, kind="statuspage", url=status_server.url(SUMMARY))
    status_server.set(SUMMARY, load_fixture("statuspage/summary_operational.json"))
    _poll(source)
    return source


def test_an_outage_arrives_on_an_open_overview_without_a_reload(
    live_server: Any, status_server: FakeServer, page: Any, page_problems: PageProblems
) -> None:
    source = _served_provider(status_server)
    _keep_the_real_performance(page)
    page.clock.install()
    page.goto(f"{live_server.url}/")
    tile = page.locator("#provider-example")
    assert "Operational" in tile.inner_text()
    assert page.title() == "Overview · AI Watch"
    page.evaluate("window.__stillTheSamePage = true")

    status_server.set(SUMMARY, load_fixture("statuspage/summary_major_outage.json"))
    _poll(source)
    page.clock.run_for(25_000)

    page.wait_for_function("() => document.title.indexOf('⚠') !== -1")
    assert (
        "Requests to the API are failing" in page.locator("[data-live-region=cards]").inner_text()
    )
    assert page.evaluate("window.__stillTheSamePage") is True
    assert page.evaluate("window.__performance.getEntriesByType('navigation').length") == 1
    assert page.title() == "(1) ⚠ Overview · AI Watch"
    assert page_problems.messages == []


def test_a_lost_server_is_said_plainly_and_the_page_recovers_by_itself(
    live_server: Any, status_server: FakeServer, page: Any, page_problems: PageProblems
) -> None:
    _served_provider(status_server)
    _keep_the_real_performance(page)
    page.clock.install()
    page.goto(f"{live_server.url}/providers/example/")
    status = page.locator("[data-live-status]")
    assert re.fullmatch(r"Updated (just now|\d+ s ago)", status.inner_text().strip())

    page.route("**/providers/example/live/", lambda route: route.abort())
    page.clock.run_for(31_000)
    page.wait_for_function(
        "() => document.querySelector('[data-live-status]').dataset.state === 'lost'"
    )
    assert "Connection lost, retrying" in status.inner_text()

    page.unroute("**/providers/example/live/")
    page.clock.run_for(10_000)
    page.wait_for_function(
        "() => document.querySelector('[data-live-status]').dataset.state === 'ok'"
    )
    page.clock.run_for(12_000)
    page.wait_for_function(
        "() => /Updated \\d+ s ago/.test(document.querySelector('[data-live-status]').textContent)"
    )
    assert page.evaluate("window.__performance.getEntriesByType('navigation').length") == 1
    # The aborted requests are the only errors the page saw.
    assert all("net::ERR_FAILED" in message for message in page_problems.messages)
