"""The benchmarks' generated status pages are pages each source's parser reads.

A bench page its parser refuses is recorded as a failure, and a failing source takes the slow
path of every later poll: a round of such pages measures error handling, not polling.
"""

from __future__ import annotations

import threading

import httpx
import pytest

from bench.harness.pages import PageServer, page_for, page_size, source_kind
from probes.parsers import PARSERS
from probes.parsers.types import Status


@pytest.mark.parametrize("index", [0, 1, 2, 3, 4, 5, 299, 301, 302])
@pytest.mark.parametrize("version", [0, 1, 2])
def test_every_generated_page_parses_as_its_source_kind(index: int, version: int) -> None:
    body, _content_type = page_for(index, version)

    page = PARSERS[source_kind(index)](body, {})

    assert page.incidents, "every bench page carries an incident"
    assert len(body) >= page_size(index) * 0.9


def test_a_changed_version_flips_a_summary_component() -> None:
    calm = PARSERS["statuspage"](page_for(0, 0)[0], {})
    changed = PARSERS["statuspage"](page_for(0, 1)[0], {})

    assert {c.status for c in calm.components} == {Status.OPERATIONAL}
    assert Status.DEGRADED_PERFORMANCE in {c.status for c in changed.components}
    assert len(changed.incidents[0].updates) == len(calm.incidents[0].updates) + 1


def test_a_history_feed_holds_one_incident_going_on_and_older_ones_ended() -> None:
    page = PARSERS["statuspage_feed"](page_for(302, 1)[0], {})

    newest, *older = page.incidents
    assert newest.resolved_at is None
    assert older
    assert all(incident.resolved_at is not None for incident in older)


def test_pages_changing_each_minute_stay_the_size_of_a_real_page() -> None:
    server = PageServer(3)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        httpx.post(f"{url}/_mode/minutely", timeout=5).raise_for_status()
        for index in range(3):
            response = httpx.get(f"{url}/s/{index}", timeout=5)
            assert response.status_code == 200
            # The first minute serves every page's first version (its real size).
            assert response.content == page_for(index, 0)[0]
    finally:
        server.shutdown()
        server.server_close()
