"""Everything AI Watch sends out: one client, one address policy, bounded decoding.

Callers use this package's names (`outbound.fetch`, `outbound.FetchError`, ...); the modules
behind it are `client` (the requests), `policy` (which addresses may be reached), `decoding`
(reading a body within bounds), `errors` (one exception and its kinds) and `secrets` (which
environment variables may be sent, and masking them out of what is stored or logged).
"""

from probes.outbound.client import (
    USER_AGENT,
    FetchResult,
    Limits,
    async_client,
    fetch,
    fetch_async,
    tls_context,
)
from probes.outbound.errors import FetchError, classify_connect_error, parse_retry_after
from probes.outbound.policy import (
    AllowList,
    Target,
    address_problem,
    check_url,
    outbound_url_problem,
    parse_target_url,
)
from probes.outbound.secrets import SecretError, read_secret, redact, secret_name_problem

__all__ = [
    "USER_AGENT",
    "AllowList",
    "FetchError",
    "FetchResult",
    "Limits",
    "SecretError",
    "Target",
    "address_problem",
    "async_client",
    "check_url",
    "classify_connect_error",
    "fetch",
    "fetch_async",
    "outbound_url_problem",
    "parse_retry_after",
    "parse_target_url",
    "read_secret",
    "redact",
    "secret_name_problem",
    "tls_context",
]
