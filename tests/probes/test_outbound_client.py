"""The HTTP seam against a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import socket

import pytest

from probes import outbound
from probes.outbound import FetchError, Limits, fetch
from tests.fakeserver import Answer

FAST = Limits(
    connect_timeout=1, read_timeout=0.5, total_timeout=1.5, max_bytes=1024, max_redirects=3
)


def test_it_returns_the_body_and_names_the_project(status_server):
    status_server.set("/a", b'{"ok": true}', headers={"ETag": 'W/"abc"'})
    result = fetch(status_server.url("/a"), limits=FAST)
    assert result.status_code == 200
    assert result.content == b'{"ok": true}'
    assert result.etag == 'W/"abc"'
    assert status_server.requests[0].headers["User-Agent"].startswith("AIWatch/")


def test_it_sends_validators_and_reports_304(status_server):
    status_server.set("/a", b"{}", etag='"v1"')
    result = fetch(status_server.url("/a"), etag='"v1"', limits=FAST)
    assert result.not_modified
    assert status_server.requests[0].headers["If-None-Match"] == '"v1"'


def test_an_error_status_is_returned_not_raised(status_server):
    status_server.set("/a", b"oops", status=500)
    assert fetch(status_server.url("/a"), limits=FAST).status_code == 500


def test_a_slow_server_times_out(status_server):
    status_server.set("/a", b"{}", delay=2)
    with pytest.raises(FetchError) as error:
        fetch(status_server.url("/a"), limits=FAST)
    assert error.value.kind == "timeout"


def test_a_slow_drip_hits_the_total_timeout(status_server):
    # Every chunk arrives within the read timeout, but the whole answer takes too long.
    status_server.set("/a", b"x" * 40, drip=1, drip_interval=0.1)
    with pytest.raises(FetchError) as error:
        fetch(status_server.url("/a"), limits=Limits(1, 0.5, 1.0, 1024, 3))
    assert error.value.kind == "timeout"


def test_an_oversized_body_is_refused(status_server):
    status_server.set("/a", b"x" * 5000)
    with pytest.raises(FetchError) as error:
        fetch(status_server.url("/a"), limits=FAST)
    assert error.value.kind == "too_large"


def test_an_oversized_body_without_content_length_is_cut_while_streaming(status_server):
    status_server.set("/a", b"x" * 5000, headers={"Content-Length": "10"})
    # The server lies about its length; we still never keep more than the cap.
    result_or_error = None
    try:
        result_or_error = fetch(status_server.url("/a"), limits=FAST)
    except FetchError as error:
        result_or_error = error
    if isinstance(result_or_error, FetchError):
        assert result_or_error.kind in ("too_large", "connection")
    else:
        assert len(result_or_error.content) <= FAST.max_bytes


def test_a_gzip_bomb_is_cut_at_the_cap(status_server):
    bomb = gzip.compress(b"\0" * 10_000_000)
    status_server.set("/a", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as error:
        fetch(status_server.url("/a"), limits=FAST)
    assert error.value.kind == "too_large"


def test_redirects_are_followed_up_to_the_limit(status_server):
    status_server.set("/a", status=302, headers={"Location": "/b"})
    status_server.set("/b", b"{}")
    assert fetch(status_server.url("/a"), limits=FAST).url.endswith("/b")
    status_server.set("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError) as error:
        fetch(status_server.url("/loop"), limits=FAST)
    assert error.value.kind == "redirects"


def test_a_refused_connection_is_named():
    # A port that was free a moment ago: nothing listens there.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError) as error:
        fetch(f"http://127.0.0.1:{port}/a", limits=FAST)
    assert error.value.kind == "refused"


def test_only_http_and_https_are_fetched():
    with pytest.raises(FetchError) as error:
        fetch("file:///etc/passwd", limits=FAST)
    assert error.value.kind == "blocked"


@pytest.mark.parametrize(
    ("value", "expected"), [("120", 120.0), ("", None), ("soon", None), ("99999999", 86400.0)]
)
def test_retry_after_is_read_in_seconds(value, expected):
    assert outbound.parse_retry_after(value) == expected


def test_sequences_of_answers_repeat_the_last(status_server):
    status_server.set_sequence("/a", [Answer(status=500), Answer(body=b"{}")])
    assert fetch(status_server.url("/a"), limits=FAST).status_code == 500
    assert fetch(status_server.url("/a"), limits=FAST).status_code == 200
    assert fetch(status_server.url("/a"), limits=FAST).status_code == 200
