"""Inference probes against local fakes of both API shapes, streamed and not."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from probes.models import ProbeResult, Source
from probes.observe.inference import MalformedAnswer, read_answer
from probes.observe.probing import run_probes
from tests.factories import make_source

pytestmark = pytest.mark.django_db

KEY = "sk-test-secret-value-1234"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

OPENAI_ANSWER = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "length"}
    ],
    "usage": {"prompt_tokens": 14, "completion_tokens": 1, "total_tokens": 15},
}
ANTHROPIC_ANSWER = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "content": [{"type": "text", "text": "ok"}],
    "stop_reason": "max_tokens",
    "usage": {"input_tokens": 16, "output_tokens": 1},
}


def sse(events: list[tuple[str | None, object]]) -> bytes:
    lines = []
    for name, data in events:
        if name:
            lines.append(f"event: {name}")
        lines.append("data: " + (data if isinstance(data, str) else json.dumps(data)))
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


OPENAI_STREAM = sse(
    [
        (None, {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
        (None, {"choices": [{"index": 0, "delta": {"content": "ok"}}]}),
        (None, {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}),
        (None, {"choices": [], "usage": {"prompt_tokens": 14, "completion_tokens": 1}}),
        (None, "[DONE]"),
    ]
)
ANTHROPIC_STREAM = sse(
    [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {"usage": {"input_tokens": 16, "output_tokens": 0}},
            },
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "ok"},
            },
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "max_tokens"},
                "usage": {"output_tokens": 1},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
)


@pytest.fixture(autouse=True)
def local_and_key(settings, monkeypatch):
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    monkeypatch.setenv("AIWATCH_SECRET_TEST_KEY", KEY)


def make_inference(url: str, shape: str, *, stream: bool = False, **fields) -> Source:
    """A one-token inference probe of the example provider, keyed by AIWATCH_SECRET_TEST_KEY."""
    fields.setdefault("api_key_env", "AIWATCH_SECRET_TEST_KEY")
    return make_source(
        "example",
        url=url,
        kind="inference",
        api_shape=shape,
        model="tiny-model",
        max_tokens=1,
        stream=stream,
        timeout_seconds=2.0,
        **fields,
    )


def run_one(source: Source) -> ProbeResult:
    return run_probes([source], now=NOW)[0].result


def test_an_openai_compatible_answer_is_up_with_token_counts(status_server):
    status_server.set("/v1/chat/completions", json.dumps(OPENAI_ANSWER).encode())
    result = run_one(make_inference(status_server.url("/v1/chat/completions"), "openai"))
    assert (result.verdict, result.error_class, result.status_code) == ("up", "", 200)
    assert (result.input_tokens, result.output_tokens) == (14, 1)
    assert result.latency_ms is not None
    assert result.ttft_ms is None

    request = status_server.requests[-1]
    assert request.method == "POST"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    body = json.loads(request.body)
    assert body["model"] == "tiny-model"
    assert body["max_tokens"] == 1
    assert "stream" not in body


def test_an_openai_compatible_stream_measures_time_to_first_token(status_server):
    status_server.set(
        "/v1/chat/completions",
        OPENAI_STREAM,
        headers={"Content-Type": "text/event-stream"},
        drip=64,
        drip_interval=0.02,
    )
    source = make_inference(status_server.url("/v1/chat/completions"), "openai", stream=True)
    result = run_one(source)
    assert (result.verdict, result.error_class) == ("up", "")
    assert (result.input_tokens, result.output_tokens) == (14, 1)
    assert result.ttft_ms is not None
    assert 0 < result.ttft_ms <= result.latency_ms
    body = json.loads(status_server.requests[-1].body)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_an_anthropic_answer_is_up_and_sends_the_key_and_version(status_server):
    status_server.set("/v1/messages", json.dumps(ANTHROPIC_ANSWER).encode())
    result = run_one(make_inference(status_server.url("/v1/messages"), "anthropic"))
    assert (result.verdict, result.input_tokens, result.output_tokens) == ("up", 16, 1)
    headers = status_server.requests[-1].headers
    assert headers["x-api-key"] == KEY
    assert headers["anthropic-version"] == "2023-06-01"
    assert "Authorization" not in headers


def test_an_anthropic_stream_measures_time_to_first_token(status_server):
    status_server.set(
        "/v1/messages",
        ANTHROPIC_STREAM,
        headers={"Content-Type": "text/event-stream"},
        drip=80,
        drip_interval=0.02,
    )
    result = run_one(make_inference(status_server.url("/v1/messages"), "anthropic", stream=True))
    assert (result.verdict, result.input_tokens, result.output_tokens) == ("up", 16, 1)
    assert result.ttft_ms is not None
    assert 0 < result.ttft_ms <= result.latency_ms


@pytest.mark.parametrize(
    ("status", "verdict", "error_class"),
    [
        (429, "inconclusive", "rate_limited"),
        (529, "down", "overloaded"),
        (503, "down", "overloaded"),
        (500, "down", "http_5xx"),
        (401, "inconclusive", "auth"),
        (404, "inconclusive", "bad_request"),
    ],
)
@pytest.mark.parametrize("shape", ["openai", "anthropic"])
def test_error_answers_are_classified(status_server, shape, status, verdict, error_class):
    body = json.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "x"}})
    status_server.set("/v1/x", body.encode(), status=status)
    result = run_one(make_inference(status_server.url("/v1/x"), shape))
    assert (result.verdict, result.error_class, result.status_code) == (
        verdict,
        error_class,
        status,
    )


@pytest.mark.parametrize("shape", ["openai", "anthropic"])
@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("body", [b"<html>gateway</html>", b'{"unexpected": true}', b"[1, 2]"])
def test_a_malformed_2xx_answer_is_down(status_server, shape, stream, body):
    status_server.set("/v1/x", body)
    result = run_one(make_inference(status_server.url("/v1/x"), shape, stream=stream))
    assert (result.verdict, result.error_class) == ("down", "malformed")


def test_an_overloaded_error_inside_an_anthropic_stream_is_overloaded(status_server):
    stream = sse(
        [
            (
                "message_start",
                {"type": "message_start", "message": {"usage": {"input_tokens": 16}}},
            ),
            (
                "error",
                {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            ),
        ]
    )
    status_server.set("/v1/messages", stream, headers={"Content-Type": "text/event-stream"})
    result = run_one(make_inference(status_server.url("/v1/messages"), "anthropic", stream=True))
    assert (result.verdict, result.error_class) == ("down", "overloaded")


def test_a_missing_key_sends_nothing_and_is_inconclusive(status_server, monkeypatch):
    monkeypatch.delenv("AIWATCH_SECRET_TEST_KEY")
    status_server.set("/v1/chat/completions", json.dumps(OPENAI_ANSWER).encode())
    result = run_one(make_inference(status_server.url("/v1/chat/completions"), "openai"))
    assert (result.verdict, result.error_class) == ("inconclusive", "no_key")
    assert "AIWATCH_SECRET_TEST_KEY" in result.message
    assert status_server.requests == []


def test_a_local_server_needs_no_key(status_server):
    status_server.set("/v1/chat/completions", json.dumps(OPENAI_ANSWER).encode())
    source = make_inference(status_server.url("/v1/chat/completions"), "openai", api_key_env="")
    assert run_one(source).verdict == "up"
    assert "Authorization" not in status_server.requests[-1].headers


def test_the_key_is_never_stored(status_server):
    status_server.set(
        "/v1/x", json.dumps({"error": {"type": "invalid_api_key"}}).encode(), status=401
    )
    source = make_inference(status_server.url("/v1/x"), "openai")
    result = run_one(source)
    stored = [json.dumps(next(iter(Source.objects.values())), default=str), result.message]
    stored += [json.dumps(row, default=str) for row in ProbeResult.objects.values()]
    assert not any(KEY in text for text in stored)
    assert result.message == "HTTP 401 (invalid_api_key)"


def test_a_stream_cut_short_is_malformed():
    with pytest.raises(MalformedAnswer, match="before the answer was complete"):
        read_answer("openai", True, b"data:".join(OPENAI_STREAM.split(b"data:")[:3]))
