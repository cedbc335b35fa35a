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
    """A page rendered for everyone, cut at its marks: the text between them (UTF-8), each piece
    also compressed on its own (raw deflate ending in a sync flush, so pieces can be joined),
    and which mark follows each piece but the last."""

    pieces: tuple[bytes, ...]
    deflated: tuple[bytes, ...]
    marks: tuple[str, ...]

    @classmethod
    def cut(cls, html: str) -> MarkedPage:
        pieces, marks, start = [], [], 0
        for found in _MARKS.finditer(html):
            pieces.append(html[start : found.start()].encode())
            marks.append(found.group(0))
            start = found.end()
        pieces.append(html[start:].encode())
        return cls(tuple(pieces), tuple(_deflate(piece, level=6) for piece in pieces), tuple(marks))


def _deflate(data: bytes, *, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


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
        body = bytearray(page.pieces[0])
        for value, piece in zip(inserted, page.pieces[1:], strict=True):
            body += value
            body += piece
        return HttpResponse(bytes(body))
    checksum, size = zlib.crc32(page.pieces[0]), len(page.pieces[0])
    stream = [page.deflated[0]]
    for value, piece, deflated in zip(inserted, page.pieces[1:], page.deflated[1:], strict=True):
        checksum = zlib.crc32(piece, zlib.crc32(value, checksum))
        size += len(value) + len(piece)
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
