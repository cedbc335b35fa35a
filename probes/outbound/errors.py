"""How an outbound request failed: one exception, its kinds, and the mapping from httpx's."""

from __future__ import annotations

import socket
import ssl


class FetchError(Exception):
    """A transport failure: the request did not produce a usable answer.

    `kind` is one of: timeout, dns, tls, refused, connection, too_large, redirects, blocked,
    http_status.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status_code = status_code
        self.retry_after = retry_after


def classify_connect_error(error: Exception) -> FetchError:
    """Name the cause of a failed connection: DNS, TLS, refused, or other."""
    text = str(error)
    lowered = text.lower()
    # The async transport words a refusal as "All connection attempts failed": the cause
    # chain still holds the socket error that says what happened.
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return FetchError("refused", f"connection refused: {cause}")
        if isinstance(cause, socket.gaierror):
            return FetchError("dns", f"DNS lookup failed: {cause}")
        if isinstance(cause, ssl.SSLError):
            return FetchError("tls", f"TLS failed: {cause}")
        cause = cause.__cause__ or cause.__context__
    if any(
        word in lowered
        for word in (
            "name or service not known",
            "nodename nor servname",
            "temporary failure in name resolution",
            "getaddrinfo",
            "no address associated",
            "name resolution",
        )
    ):
        return FetchError("dns", f"DNS lookup failed: {text}")
    if any(word in lowered for word in ("ssl", "certificate", "tls")):
        return FetchError("tls", f"TLS failed: {text}")
    if "refused" in lowered:
        return FetchError("refused", f"connection refused: {text}")
    return FetchError("connection", f"connection failed: {text}")


def parse_retry_after(value: str) -> float | None:
    """Seconds from a Retry-After header given in seconds; None for anything else."""
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 86400))
    return None
