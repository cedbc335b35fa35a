"""Inference probes: one tiny real request to an OpenAI-compatible or Anthropic Messages API.

A call asks for 1-5 output tokens and measures total latency and, when streaming, time to the
first token. The key is read from the environment variable the source names, at the moment of
the call, and only when that variable may hold a secret (`outbound.secret_name_problem`); it is
never stored, logged or put in a message, even when the server echoes it back. Parsing is pure
(`read_answer`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from probes import outbound
from probes.observe.verdicts import (
    DOWN,
    INCONCLUSIVE,
    UP,
    ProbeOutcome,
    classify_api_error_status,
    outcome_for_fetch_error,
)

PROMPT = "Reply with the single word: ok"
ANTHROPIC_VERSION = "2023-06-01"


@dataclass(frozen=True, slots=True)
class InferenceRequest:
    """What to send; `headers` may hold the key, so this object is never logged or stored."""

    headers: dict[str, str]
    body: bytes


def build_request(
    shape: str, *, model: str, max_tokens: int, stream: bool, key: str
) -> InferenceRequest:
    headers = {"Content-Type": "application/json"}
    payload: dict[str, Any] = {
        "model": model,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": PROMPT}],
    }
    if stream:
        payload["stream"] = True
        headers["Accept"] = "text/event-stream"
    if shape == "anthropic":
        headers["anthropic-version"] = ANTHROPIC_VERSION
        if key:
            headers["x-api-key"] = key
    else:
        if stream:
            # Ask for token counts in the last chunk; servers that do not know it ignore it.
            payload["stream_options"] = {"include_usage": True}
        if key:
            headers["Authorization"] = f"Bearer {key}"
    return InferenceRequest(headers=headers, body=json.dumps(payload).encode())


class MalformedAnswer(Exception):
    """The API said 2xx but the body is not a completion of the expected shape."""


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    input_tokens: int | None
    output_tokens: int | None
    # Byte offset in the body where the first token's event ends (streaming only).
    first_token_offset: int | None = None
    # A provider error sent inside a 200 stream (Anthropic's `event: error`).
    stream_error: str = ""


def read_answer(shape: str, stream: bool, content: bytes) -> Completion:
    """Parse a 2xx answer of either shape, streamed or not. Raises MalformedAnswer."""
    if stream:
        return _read_stream(shape, content)
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise MalformedAnswer("the answer is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    if shape == "anthropic":
        blocks = data.get("content")
        if data.get("type") != "message" or not isinstance(blocks, list):
            raise MalformedAnswer("no message content in the answer")
        text = "".join(str(block.get("text", "")) for block in blocks if isinstance(block, dict))
        usage = _dict(data.get("usage"))
        return Completion(text, _int(usage, "input_tokens"), _int(usage, "output_tokens"))
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedAnswer("no choices in the answer")
    message = choices[0].get("message")
    if not isinstance(message, dict) or not isinstance(message.get("content", ""), str | None):
        raise MalformedAnswer("the first choice has no message")
    usage = _dict(data.get("usage"))
    return Completion(
        message.get("content") or "",
        _int(usage, "prompt_tokens"),
        _int(usage, "completion_tokens"),
    )


def _read_stream(shape: str, content: bytes) -> Completion:
    text_parts: list[str] = []
    input_tokens: int | None = None
    output_tokens: int | None = None
    first_offset: int | None = None
    finished = False
    error = ""
    events = 0
    offset = 0
    for raw_line in content.splitlines(keepends=True):
        offset += len(raw_line)
        line = raw_line.strip()
        if not line.startswith(b"data:"):
            continue
        data_text = line[5:].strip()
        if data_text == b"[DONE]":
            finished = True
            continue
        try:
            event = json.loads(data_text)
        except (ValueError, UnicodeDecodeError):
            raise MalformedAnswer("a stream event is not JSON") from None
        if not isinstance(event, dict):
            raise MalformedAnswer("a stream event is not a JSON object")
        events += 1
        token = ""
        if shape == "anthropic":
            kind = event.get("type")
            if kind == "error":
                detail = _dict(event.get("error"))
                error = str(detail.get("type") or "error")
                break
            if kind == "message_start" and isinstance(event.get("message"), dict):
                usage = event["message"].get("usage")
                if isinstance(usage, dict):
                    input_tokens = _int(usage, "input_tokens")
            elif kind == "content_block_delta" and isinstance(event.get("delta"), dict):
                token = str(event["delta"].get("text", ""))
            elif kind == "message_delta" and isinstance(event.get("usage"), dict):
                output_tokens = _int(event["usage"], "output_tokens")
            elif kind == "message_stop":
                finished = True
        else:
            choices = event.get("choices")
            if isinstance(choices, list) and choices and isinstance(choices[0], dict):
                delta = choices[0].get("delta")
                if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                    token = delta["content"]
                if choices[0].get("finish_reason"):
                    finished = True
            usage = event.get("usage")
            if isinstance(usage, dict):
                input_tokens = _int(usage, "prompt_tokens")
                output_tokens = _int(usage, "completion_tokens")
        if token:
            text_parts.append(token)
            if first_offset is None:
                first_offset = offset
    if error:
        return Completion("".join(text_parts), input_tokens, output_tokens, first_offset, error)
    if not events:
        raise MalformedAnswer("the stream carried no events")
    if not finished:
        raise MalformedAnswer("the stream ended before the answer was complete")
    return Completion("".join(text_parts), input_tokens, output_tokens, first_offset)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def time_at_offset(chunk_times: tuple[tuple[int, float], ...], offset: int) -> float | None:
    """Seconds from the request to the arrival of the chunk that completed byte `offset`."""
    for size, seconds in chunk_times:
        if size >= offset:
            return seconds
    return None


def outcome_for_answer(shape: str, stream: bool, fetched: outbound.FetchResult) -> ProbeOutcome:
    """The verdict for an inference answer (pure: the fetch has already happened)."""
    latency_ms = fetched.elapsed.total_seconds() * 1000
    code = fetched.status_code
    if not 200 <= code < 300:
        verdict, error_class = classify_api_error_status(code)
        return ProbeOutcome(
            verdict,
            error_class,
            code,
            latency_ms,
            message=f"HTTP {code}{_error_type(fetched.content)}",
            retry_after=outbound.parse_retry_after(fetched.headers.get("retry-after", "")),
        )
    try:
        completion = read_answer(shape, stream, fetched.content)
    except MalformedAnswer as error:
        return ProbeOutcome(DOWN, "malformed", code, latency_ms, message=str(error))
    if completion.stream_error:
        error_class = "overloaded" if "overloaded" in completion.stream_error else "http_5xx"
        return ProbeOutcome(
            DOWN,
            error_class,
            code,
            latency_ms,
            message=f"error in stream: {completion.stream_error}",
        )
    ttft_ms = None
    if stream and completion.first_token_offset is not None:
        seconds = time_at_offset(fetched.chunk_times, completion.first_token_offset)
        ttft_ms = seconds * 1000 if seconds is not None else None
    return ProbeOutcome(
        UP,
        "",
        code,
        latency_ms,
        ttft_ms=ttft_ms,
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
    )


def _error_type(content: bytes) -> str:
    # Only the provider's error *type* goes into our message: never echo bodies wholesale.
    try:
        data = json.loads(content[:4096])
    except (ValueError, UnicodeDecodeError):
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        kind = error.get("type") or error.get("code")
        if isinstance(kind, str) and kind.replace("_", "").isalnum():
            return f" ({kind[:60]})"
    return ""


async def run_inference_probe(
    client: httpx.AsyncClient,
    *,
    url: str,
    shape: str,
    model: str,
    max_tokens: int,
    stream: bool,
    api_key_env: str,
    limits: outbound.Limits,
) -> ProbeOutcome:
    """Make one inference call through the HTTP seam. Never raises for a failed call.

    The key is read only from a variable `outbound.secret_name_problem` allows, and is masked
    out of the outcome's message: a server that echoes it in an error never gets it stored.
    """
    key = ""
    if api_key_env:
        try:
            key = outbound.read_secret(api_key_env)
        except outbound.SecretError as error:
            return ProbeOutcome(INCONCLUSIVE, "no_key", message=str(error))
    request = build_request(shape, model=model, max_tokens=max_tokens, stream=stream, key=key)
    try:
        fetched = await outbound.fetch_async(
            client,
            url,
            method="POST",
            headers=request.headers,
            content=request.body,
            limits=limits,
            follow_redirects=False,
        )
    except outbound.FetchError as error:
        outcome = outcome_for_fetch_error(error)
    else:
        outcome = outcome_for_answer(shape, stream, fetched)
    if key and outcome.message:
        outcome = dataclasses.replace(outcome, message=outbound.redact(outcome.message, [key]))
    return outcome


# Before a probe has run, a call is estimated at this many input tokens (the prompt, the role
# wrapper and the model's template).
ESTIMATED_INPUT_TOKENS = 15


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """What an inference probe spends per day: tokens always, money when prices are given."""

    input_tokens_per_call: int
    output_tokens_per_call: int
    calls_per_day: float
    measured: bool
    cost_per_day: Decimal | None

    @property
    def tokens_per_day(self) -> int:
        per_call = self.input_tokens_per_call + self.output_tokens_per_call
        return round(per_call * self.calls_per_day)

    def __str__(self) -> str:
        basis = "measured" if self.measured else "estimated"
        text = (
            f"{self.input_tokens_per_call} in + {self.output_tokens_per_call} out tokens per call "
            f"({basis}) x {self.calls_per_day:,.0f} calls/day = {self.tokens_per_day:,} tokens/day"
        )
        if self.cost_per_day is None:
            return text + "; enter prices per 1M tokens to see the cost"
        return (
            text + f"; ≈ {self.cost_per_day:.4f} per day, {self.cost_per_day * 30:.2f} per 30 days"
        )


def estimate_cost(
    *,
    interval_seconds: int,
    max_tokens: int,
    last_input_tokens: int | None,
    last_output_tokens: int | None,
    price_input_per_mtok: Decimal | None,
    price_output_per_mtok: Decimal | None,
) -> CostEstimate:
    """Tokens per call (the last measured call, else an estimate) times calls per day."""
    measured = last_input_tokens is not None and last_output_tokens is not None
    input_tokens = last_input_tokens if last_input_tokens is not None else ESTIMATED_INPUT_TOKENS
    output_tokens = last_output_tokens if last_output_tokens is not None else max_tokens
    calls = 86400 / max(1, interval_seconds)
    cost = None
    if price_input_per_mtok is not None or price_output_per_mtok is not None:
        per_call = (
            Decimal(input_tokens) * (price_input_per_mtok or Decimal(0))
            + Decimal(output_tokens) * (price_output_per_mtok or Decimal(0))
        ) / Decimal(1_000_000)
        cost = per_call * Decimal(str(calls))
    return CostEstimate(input_tokens, output_tokens, calls, measured, cost)


__all__ = ["DOWN", "INCONCLUSIVE", "UP", "Completion", "MalformedAnswer", "run_inference_probe"]
