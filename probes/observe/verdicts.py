"""What one probe run means: the outcome dataclass and the rules that turn answers into verdicts.

Pure: no ORM, no network. A verdict is "up", "down" or "inconclusive"; inconclusive results
(our own quota, key or request was refused) never move an observed status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from probes.outbound import FetchError
from probes.validation import Ranges

UP = "up"
DOWN = "down"
INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    verdict: str
    error_class: str = ""
    status_code: int | None = None
    latency_ms: float | None = None
    ttft_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    message: str = ""
    # Seconds the server asked us to wait (429 Retry-After).
    retry_after: float | None = None


# FetchError.kind -> (verdict, error class). A transport failure is the provider's trouble
# unless our own configuration caused it (a blocked address, an oversized answer).
_FETCH_ERRORS: dict[str, tuple[str, str]] = {
    "timeout": (DOWN, "timeout"),
    "dns": (DOWN, "dns"),
    "tls": (DOWN, "tls"),
    "refused": (DOWN, "refused"),
    "connection": (DOWN, "connection"),
    "redirects": (DOWN, "connection"),
    "blocked": (INCONCLUSIVE, "blocked"),
    "too_large": (INCONCLUSIVE, "too_large"),
}


# Failures that mean "could not reach the host at all", as opposed to an answer that was bad.
NETWORK_ERROR_CLASSES = frozenset({"timeout", "dns", "tls", "refused", "connection"})
# How a discounted result's message starts: probes.observe.network reads the verdict back by it.
OUR_NETWORK_DOWN = "no probe of any provider could connect: our own network looks down; "


def discount_our_own_outage(
    outcomes: Sequence[ProbeOutcome], provider_ids: Sequence[int]
) -> list[ProbeOutcome]:
    """Turn a batch in which no probe of any provider could reach its host into inconclusive.

    When every probe of two or more providers fails to connect at once, the likeliest cause is
    our own network (a closed network, a broken resolver), not every provider going down
    together; real provider outages answer with errors or affect some hosts, not all. Such a
    batch says nothing about the providers, so it never moves their observed status.
    """
    if len(set(provider_ids)) < 2 or not outcomes:
        return list(outcomes)
    if not all(
        outcome.verdict == DOWN and outcome.error_class in NETWORK_ERROR_CLASSES
        for outcome in outcomes
    ):
        return list(outcomes)
    return [
        replace(
            outcome,
            verdict=INCONCLUSIVE,
            message=(OUR_NETWORK_DOWN + outcome.message)[:500],
        )
        for outcome in outcomes
    ]


def outcome_for_fetch_error(error: FetchError) -> ProbeOutcome:
    verdict, error_class = _FETCH_ERRORS.get(error.kind, (DOWN, "connection"))
    return ProbeOutcome(verdict=verdict, error_class=error_class, message=str(error)[:500])


def classify_http_status(status_code: int, expected: Ranges = ()) -> tuple[str, str]:
    """(verdict, error class) for an HTTP probe's answer.

    With no expected statuses, any answer below 500 means the front door is reachable (an API
    answers 401 without a key), except 429, which says nothing about the provider's health.
    """
    if any(low <= status_code <= high for low, high in expected):
        return UP, ""
    if status_code == 429:
        return INCONCLUSIVE, "rate_limited"
    if status_code in (503, 529):
        return DOWN, "overloaded"
    if status_code >= 500:
        return DOWN, "http_5xx"
    if expected:
        return DOWN, "unexpected_status"
    return UP, ""


def classify_api_error_status(status_code: int) -> tuple[str, str]:
    """(verdict, error class) for an inference call that did not answer 2xx."""
    if status_code == 429:
        return INCONCLUSIVE, "rate_limited"
    if status_code in (503, 529):
        return DOWN, "overloaded"
    if status_code >= 500:
        return DOWN, "http_5xx"
    if status_code in (401, 403):
        return INCONCLUSIVE, "auth"
    if 400 <= status_code < 500:
        return INCONCLUSIVE, "bad_request"
    return DOWN, "unexpected_status"
