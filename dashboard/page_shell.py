"""Whole pages for viewers with nothing of their own on them, rendered once and served cached.

A viewer who is not signed in and has no message waiting sees what every such viewer sees,
but for three things: the CSRF token of the header's forms, and the page's own address in
the pickers' "next" field and link. The page is rendered once per state (the caller's key,
which holds `history_cache.state_version()`, so the poll that changes a status moves it),
language and time zone with a mark in place of each of those, kept `history_cache.TTL`
seconds at most, and each request puts its own token and address in. Signed-in viewers (their
forms, their stars, their name) and viewers with messages get the page rendered for them,
around the same cached parts.

The marks are derived from SECRET_KEY: a status page's text, which ends up inside the page,
cannot guess them to pull a viewer's token into its words.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import re
import secrets
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.html import escape

from dashboard import history_cache


def _mark(name: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), name.encode(), hashlib.sha256).hexdigest()
    return f"aiwatch{name}{digest[:20]}"


# Letters and digits only: the {% csrf_token %} tag and HTML escaping leave them as they are.
CSRF_MARK = _mark("csrf")
# With a colon, which the templates' |urlencode turns into %3A: the two spellings of the
# address (an attribute value, a query string) get their own marks.
PATH_MARK = _mark("path") + ":here"
QUOTED_PATH_MARK = quote(PATH_MARK, safe="/")
# Where the overview's banners go: rendered for each request (they are nearly always empty).
BANNERS_MARK = _mark("banners")
_MARKS = re.compile(
    "|".join(re.escape(mark) for mark in (CSRF_MARK, QUOTED_PATH_MARK, PATH_MARK, BANNERS_MARK))
)


class _MarkedRequest:
    """The request as the page's templates see it when rendered for everyone: its address is
    the mark; everything else (the resolved view, for the header's current link) is its own."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)

    def get_full_path(self) -> str:
        return PATH_MARK


def shareable(request: HttpRequest) -> bool:
    """Nothing of the viewer's own on the page: not signed in, and no message waiting (len()
    reads the messages without marking them shown)."""
    return not request.user.is_authenticated and not len(messages.get_messages(request))


def render_marked(request: HttpRequest, template: str, context: dict[str, Any]) -> str:
    """`template` rendered as every viewer without anything of their own would see it, with
    marks for the token and the address."""
    marked = {**context, "request": _MarkedRequest(request), "csrf_token": CSRF_MARK}
    return render_to_string(template, marked, request=request)


@dataclass(frozen=True, slots=True)
class MarkedPage:
    """A page rendered for everyone, cut at its marks and kept compressed: each piece of text
    between the marks compressed on its own (raw deflate ending in a sync flush, so pieces can
    be joined), its length and `_checksum_offset`, and which mark follows each piece but the
    last.

    The text itself is not kept: it is 7-14 times the size of its compressed pieces (460 KB
    against 32 KB for a year of /history/), and reading it from the cache was half of such a
    page's cached request (0.9 of 1.9 ms on SQLite). A client that does not take gzip gets the
    pieces inflated (0.3 ms for 460 KB)."""

    deflated: tuple[bytes, ...]
    sizes: tuple[int, ...]
    offsets: tuple[int, ...]
    marks: tuple[str, ...]

    @classmethod
    def cut(cls, html: str) -> MarkedPage:
        pieces, marks, start = [], [], 0
        for found in _MARKS.finditer(html):
            pieces.append(html[start : found.start()].encode())
            marks.append(found.group(0))
            start = found.end()
        pieces.append(html[start:].encode())
        return cls(
            deflated=tuple(_deflate(piece, level=6) for piece in pieces),
            sizes=tuple(len(piece) for piece in pieces),
            offsets=tuple(_checksum_offset(piece) for piece in pieces),
            marks=tuple(marks),
        )

    def pieces(self) -> list[bytes]:
        return [zlib.decompressobj(-zlib.MAX_WBITS).decompress(piece) for piece in self.deflated]


def _deflate(data: bytes, *, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


# CRC-32 is affine in the value it starts from: crc32(piece, start) is crc32(zeros, start)
# XOR a constant of the piece, zeros being as many zero bytes as the piece has. So a piece's
# checksum continues from any start without its text: `_zero_checksum(start, size) ^ offset`.
_ZEROS = bytes(1 << 16)


def _zero_checksum(start: int, size: int) -> int:
    """zlib.crc32 of `size` zero bytes, from `start`."""
    zeros = memoryview(_ZEROS)
    while size > 0:
        step = min(size, len(zeros))
        start = zlib.crc32(zeros[:step], start)
        size -= step
    return start


def _checksum_offset(piece: bytes) -> int:
    return zlib.crc32(piece) ^ _zero_checksum(0, len(piece))


# The last, empty block of a deflate stream.
_FINAL_BLOCK = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS).flush(zlib.Z_FINISH)
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def _viewer_values(request: HttpRequest, banners: str) -> dict[str, bytes]:
    path = request.get_full_path()
    return {
        CSRF_MARK: get_token(request).encode(),
        QUOTED_PATH_MARK: escape(quote(path, safe="/")).encode(),
        PATH_MARK: escape(path).encode(),
        BANNERS_MARK: banners.encode(),
    }


def personalise(request: HttpRequest, page: MarkedPage, *, banners: str = "") -> HttpResponse:
    """The page with this request's CSRF token and address (and `banners`, HTML) put in at
    the marks.

    Compressed (when the client takes gzip) from the pieces compressed once, the viewer's own
    values added as stored, uncompressed blocks: they are never compressed with anything, so
    the body's size says nothing about the token (BREACH), and the random file name in the
    header varies the size as GZipMiddleware's does. GZipMiddleware leaves the answer alone.
    """
    values = _viewer_values(request, banners)
    inserted = [values[mark] for mark in page.marks]
    if not ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        first, *rest = page.pieces()
        body = bytearray(first)
        for value, piece in zip(inserted, rest, strict=True):
            body += value
            body += piece
        return HttpResponse(bytes(body))
    checksum = _zero_checksum(0, page.sizes[0]) ^ page.offsets[0]
    size = page.sizes[0]
    stream = [page.deflated[0]]
    for value, deflated, piece_size, offset in zip(
        inserted, page.deflated[1:], page.sizes[1:], page.offsets[1:], strict=True
    ):
        checksum = _zero_checksum(zlib.crc32(value, checksum), piece_size) ^ offset
        size += len(value) + piece_size
        stream += [_deflate(value, level=0), deflated]
    name = secrets.token_hex(secrets.randbelow(50) + 1)
    header = b"\x1f\x8b\x08" + bytes([gzip.FNAME]) + b"\x00\x00\x00\x00\x00\xff"
    trailer = struct.pack("<II", checksum, size & 0xFFFFFFFF)
    response = HttpResponse(
        b"".join([header, name.encode() + b"\x00", *stream, _FINAL_BLOCK, trailer])
    )
    response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


def shared_page(
    request: HttpRequest,
    key: tuple[object, ...],
    template: str,
    build_context: Callable[[bool], dict[str, Any]],
) -> HttpResponse:
    """`template` with `build_context(fresh)`: from the cache for a viewer with nothing of their
    own (`key`, with the language and time zone, says which rendering fits), rendered otherwise.
    `fresh` is true for the rendering that is cached whole: its parts are rendered anew, so the
    page is never older than `history_cache.TTL`."""
    if not shareable(request):
        return render(request, template, build_context(False))
    page = history_cache.cached(
        page_key(template, key), lambda: marked_page(request, template, build_context(True))
    )
    return personalise(request, page)


def page_key(template: str, key: tuple[object, ...]) -> tuple[object, ...]:
    return ("marked-page", template, *key)


def marked_page(request: HttpRequest, template: str, context: dict[str, Any]) -> MarkedPage:
    return MarkedPage.cut(render_marked(request, template, context))
