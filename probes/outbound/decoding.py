"""Reading an answer's body within bounds: decompressed in bounded steps, capped in size."""

from __future__ import annotations

import time
import zlib
from collections.abc import AsyncIterator, Iterator

import httpx

from probes.outbound.errors import FetchError

# Decompressed output is produced at most this many bytes at a time, so one small compressed
# chunk can never balloon in memory before the size check sees it.
_INFLATE_STEP = 64 * 1024


class _Inflater:
    """Incremental gzip/deflate decoding with bounded output per step (no gzip bombs)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # 32 + MAX_WBITS accepts both gzip and zlib headers; a raw deflate stream is retried
        # with negative wbits on the first chunk (some servers send that for "deflate").
        self._wbits = 32 + zlib.MAX_WBITS
        self._decoder = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and self.encoding == "deflate":
            self._started = True
            try:
                probe = zlib.decompressobj(self._wbits)
                probe.decompress(data[:64], 1)
            except zlib.error:
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = True
        pending = data
        while True:
            try:
                out = self._decoder.decompress(pending, _INFLATE_STEP)
            except zlib.error as error:
                raise FetchError("connection", f"corrupt {self.encoding} body: {error}") from None
            if out:
                yield out
            pending = self._decoder.unconsumed_tail
            if self._decoder.eof and self._decoder.unused_data:
                # A second gzip member follows: decode it too.
                pending = self._decoder.unused_data + pending
                self._decoder = zlib.decompressobj(self._wbits)
            if not pending:
                return


def _inflater_for(response: httpx.Response) -> _Inflater | None:
    """The decoder the answer needs (None: not compressed); FetchError for unknown encodings."""
    encodings = [
        part.strip().lower()
        for part in response.headers.get("content-encoding", "").split(",")
        if part.strip() and part.strip().lower() != "identity"
    ]
    if not encodings:
        return None
    if len(encodings) > 1 or encodings[0] not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(
            "connection", f"unsupported Content-Encoding {response.headers['content-encoding']!r}"
        )
    return _Inflater(encodings[0])


async def _decoded_chunks_async(response: httpx.Response) -> AsyncIterator[bytes]:
    inflater = _inflater_for(response)
    async for raw in response.aiter_raw():
        if inflater is None:
            yield raw
        else:
            for chunk in inflater.feed(raw):
                yield chunk


def _refuse_declared_oversize(response: httpx.Response, max_bytes: int) -> None:
    # An uncompressed body that announces more than the cap is refused before reading it; a
    # compressed one is judged by what it inflates to, while streaming.
    declared = response.headers.get("content-length", "")
    if (
        declared.isdigit()
        and int(declared) > max_bytes
        and not response.headers.get("content-encoding")
    ):
        raise FetchError("too_large", f"body of {int(declared)} bytes exceeds {max_bytes}")


async def read_capped_async(
    response: httpx.Response, max_bytes: int, started: float
) -> tuple[bytes, tuple[tuple[int, float], ...]]:
    """The body, decompressed, refused as soon as it passes `max_bytes`; with chunk times.

    The cap applies to the decompressed size; compressed input is inflated in bounded steps.
    The total time is bounded by the caller's asyncio.timeout.
    """
    _refuse_declared_oversize(response, max_bytes)
    chunks: list[bytes] = []
    times: list[tuple[int, float]] = []
    size = 0
    async for chunk in _decoded_chunks_async(response):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", f"body exceeds {max_bytes} bytes (after decompression)")
        chunks.append(chunk)
        times.append((size, time.monotonic() - started))
    return b"".join(chunks), tuple(times)
