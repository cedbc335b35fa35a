"""A page cached whole is kept compressed only, and each viewer's copy is put together from the
compressed pieces: the gzip stream checks out (CRC and length) and says what the text would."""

from __future__ import annotations

import gzip
import pickle
import zlib
from unittest import mock

from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import page_shell
from dashboard.api.read_cache import StoredAnswer

MARKS = [
    page_shell.CSRF_MARK,
    page_shell.PATH_MARK,
    page_shell.QUOTED_PATH_MARK,
    page_shell.BANNERS_MARK,
]


def _request(path: str, *, gzipped: bool):
    return RequestFactory().get(path, HTTP_ACCEPT_ENCODING="gzip" if gzipped else "")


def _both(html: str, path: str = "/history/?range=all", banners: str = "") -> tuple[bytes, bytes]:
    """The page as gzipped for one viewer, uncompressed, and as not gzipped for another with
    the same token."""
    page = page_shell.MarkedPage.cut(html)
    with mock.patch.object(page_shell, "get_token", return_value="T" * 64):
        packed = page_shell.personalise(_request(path, gzipped=True), page, banners=banners)
        plain = page_shell.personalise(_request(path, gzipped=False), page, banners=banners)
    assert packed["Content-Encoding"] == "gzip"
    return gzip.decompress(packed.content), plain.content


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(max_size=300), min_size=1, max_size=6),
    marks=st.lists(st.sampled_from(MARKS), min_size=5, max_size=5),
    path=st.text(alphabet="abc/?=&é<\"'", max_size=40),
    banners=st.text(max_size=50),
)
def test_the_gzipped_page_is_the_plain_page(texts, marks, path, banners):
    html = "".join(text + mark for text, mark in zip(texts, marks, strict=False)) + texts[-1]
    unpacked, plain = _both(html, "/" + path, banners)
    assert unpacked == plain
    assert page_shell.CSRF_MARK.encode() not in plain


def test_pieces_longer_than_the_zero_buffer_check_out():
    long = "<p>" + "x" * (3 * len(page_shell._ZEROS) + 17) + "</p>"
    html = long + page_shell.CSRF_MARK + long + page_shell.PATH_MARK + "end"
    unpacked, plain = _both(html)
    assert unpacked == plain
    assert plain.startswith(long.encode())
    assert plain.endswith(b"/history/?range=all" + b"end")


def test_the_cached_page_holds_only_the_compressed_pieces():
    rows = "".join(f"<tr><td>Provider {n}</td><td>operational</td></tr>" for n in range(5000))
    html = f"<html>{page_shell.CSRF_MARK}<table>{rows}</table>{page_shell.PATH_MARK}</html>"
    page = page_shell.MarkedPage.cut(html)
    assert len(pickle.dumps(page)) < len(html) / 10
    assert b"".join(page.pieces()) == html.encode().replace(
        page_shell.CSRF_MARK.encode(), b""
    ).replace(page_shell.PATH_MARK.encode(), b"")


def test_a_checksum_continues_from_any_start_without_the_text():
    piece = b"any text at all, " * 5000
    for start in (0, 1, 0xDEADBEEF, 0xFFFFFFFF):
        continued = page_shell._zero_checksum(start, len(piece)) ^ page_shell._checksum_offset(
            piece
        )
        assert continued == zlib.crc32(piece, start)


def test_a_stored_api_answer_is_kept_gzipped_and_served_plain_when_asked():
    body = b'{"incidents": []}' * 1000
    answer = StoredAnswer(gzip.compress(body, 6, mtime=0), (("Content-Type", "application/json"),))
    assert len(pickle.dumps(answer)) < len(body) / 10
    plain = answer.response(_request("/api/v1/incidents/", gzipped=False))
    packed = answer.response(_request("/api/v1/incidents/", gzipped=True))
    assert plain.content == body
    assert "Content-Encoding" not in plain
    assert gzip.decompress(packed.content) == body
    assert packed["Content-Encoding"] == "gzip"
    assert plain["Content-Type"] == packed["Content-Type"] == "application/json"
