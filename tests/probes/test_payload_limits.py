"""Payload limits: byte cap while streaming, bounded decompression, XML DTDs, time budget."""

from __future__ import annotations

import gzip
import signal
import zlib
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probes.outbound import FetchError, Limits, fetch
from probes.parsers.payload import (
    ParseTimeout,
    clean_text,
    refuse_xml_declarations,
    time_budget,
)
from probes.parsers.types import ParseError

SMALL = Limits(
    connect_timeout=2, read_timeout=5, total_timeout=20, max_bytes=1024 * 1024, max_redirects=3
)


@cache
def gzip_bomb() -> bytes:
    # 100 MiB of zeros compress to about 100 KiB.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(100)]
    return b"".join(parts) + compressor.flush()


def test_a_body_past_the_cap_is_cut_off_while_streaming(status_server):
    # 50 MiB, sent without Content-Length so only the streaming count can stop it.
    status_server.set("/big", b"x" * (1024 * 1024), repeat=50, send_length=False)
    with pytest.raises(FetchError) as caught:
        fetch(status_server.url("/big"), limits=SMALL)
    assert caught.value.kind == "too_large"


def test_a_declared_length_past_the_cap_is_refused_before_reading(status_server):
    status_server.set("/big", b"x" * (1024 * 1024), repeat=50)
    with pytest.raises(FetchError, match="exceeds"):
        fetch(status_server.url("/big"), limits=SMALL)


def test_a_gzip_bomb_is_stopped_at_the_decompressed_cap(status_server):
    status_server.set("/bomb", gzip_bomb(), headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as caught:
        fetch(status_server.url("/bomb"), limits=SMALL)
    assert caught.value.kind == "too_large"
    assert "decompression" in str(caught.value)


def test_gzip_and_deflate_bodies_under_the_cap_are_decoded(status_server):
    body = b'{"page": {"id": "x"}}' * 100
    status_server.set("/gz", gzip.compress(body), headers={"Content-Encoding": "gzip"})
    status_server.set("/zlib", zlib.compress(body), headers={"Content-Encoding": "deflate"})
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    status_server.set(
        "/raw", raw.compress(body) + raw.flush(), headers={"Content-Encoding": "deflate"}
    )
    two_members = gzip.compress(body[:500]) + gzip.compress(body[500:])
    status_server.set("/two", two_members, headers={"Content-Encoding": "gzip"})
    for path in ("/gz", "/zlib", "/raw", "/two"):
        assert fetch(status_server.url(path), limits=SMALL).content == body, path


def test_a_corrupt_or_unknown_encoding_is_a_fetch_error(status_server):
    status_server.set("/bad", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    status_server.set("/br", b"\x00\x01", headers={"Content-Encoding": "br"})
    for path in ("/bad", "/br"):
        with pytest.raises(FetchError):
            fetch(status_server.url(path), limits=SMALL)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss><channel><title>&lol3;</title></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&xxe;</title></feed>"""


@pytest.mark.parametrize(
    "content",
    [
        BILLION_LAUGHS,
        XXE,
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://169.254.169.254/x.dtd"><rss/>',
        b"<!doctype rss [ ]><rss/>",
        b"<rss><!ENTITY a 'b'></rss>",
        b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd"><html/>',
        b"<!DOCTYPE html [<!ENTITY a 'b'>]><html/>",
        "<?xml version='1.0' encoding='utf-16'?><!DOCTYPE x [<!ENTITY a 'b'>]><x/>".encode(
            "utf-16"
        ),
        "<!DOCTYPE x><x/>".encode("utf-16-le"),
        "<!DOCTYPE x><x/>".encode("utf-32"),
    ],
)
def test_xml_with_a_dtd_is_refused_before_any_parser(content):
    with pytest.raises(ParseError, match="DOCTYPE"):
        refuse_xml_declarations(content)


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?><rss><channel><title>ok</title></channel></rss>',
        b"<rss><description><![CDATA[<!DOCTYPE html> quoted as text]]></description></rss>",
        b"<!DOCTYPE html><html><body>status</body></html>",
        b'{"page": {"id": "x"}}',
        "<rss><title>caf\u00e9</title></rss>".encode("utf-16"),
    ],
)
def test_xml_without_declarations_passes(content):
    refuse_xml_declarations(content)


def spin_forever() -> None:
    while True:
        pass


def test_the_time_budget_interrupts_a_parse_that_would_never_end():
    with pytest.raises(ParseTimeout), time_budget(0.2):
        spin_forever()


def test_the_time_budget_puts_back_a_timer_that_was_already_running():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *args: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 60)
        with time_budget(5):
            pass
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 60
        assert signal.getsignal(signal.SIGALRM) is not None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


def test_a_parse_within_budget_is_untouched():
    with time_budget(5):
        total = sum(range(1000))
    assert total == 499500


@given(st.text(), st.integers(min_value=0, max_value=80))
def test_clean_text_keeps_every_printable_character_newlines_and_tabs_in_order(
    value: str, cap: int
) -> None:
    kept = [ch for ch in value if ch in "\n\t" or ord(ch) >= 0x20]

    assert clean_text(value, max_length=cap) == "".join(kept)[:cap]
