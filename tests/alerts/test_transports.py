"""Sending: the signed JSON webhook through the HTTP seam, Apprise URLs, ${VAR} secrets."""

from __future__ import annotations

import json

import pytest

from alerts import transports
from alerts.transports import Message, TransportError, sign, verify_signature


def message(document: bytes = b'{"hello":"world"}') -> Message:
    return Message(
        title="T",
        body="**B**",
        notify_type="failure",
        document=document,
        key="evt-1:7",
        event_type="status_changed",
    )


def test_a_signature_verifies_only_over_the_exact_body_and_secret():
    body = b'{"a":1,"b":"two"}'
    header = sign("s3cret", body)
    assert header.startswith("sha256=")
    assert len(header) == 7 + 64
    assert verify_signature("s3cret", body, header)
    assert not verify_signature("s3cret", body + b" ", header)
    assert not verify_signature("other", body, header)
    assert not verify_signature("s3cret", body, "sha256=" + "0" * 64)


def test_the_webhook_posts_the_body_with_signature_and_idempotency_key(receiver, monkeypatch):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_HOOK_KEY", "k3y-for-tests")
    document = json.dumps({"event": {"id": "x"}}).encode()
    result = transports.send(
        "webhook",
        receiver.url("/hook"),
        message(document),
        secret_env="AIWATCH_SECRET_TEST_HOOK_KEY",
    )
    assert result.status_code == 200
    (seen,) = receiver.requests
    assert seen.method == "POST"
    assert seen.body == document
    assert seen.headers["Idempotency-Key"] == "evt-1:7"
    assert seen.headers["X-AIWatch-Delivery"] == "evt-1:7"
    assert verify_signature("k3y-for-tests", seen.body, seen.headers["X-AIWatch-Signature"])


def test_the_webhook_reports_a_refusal_with_its_status_code(receiver):
    receiver.set("/hook", b"nope", status=503)
    with pytest.raises(TransportError) as caught:
        transports.send("webhook", receiver.url("/hook"), message())
    assert caught.value.status_code == 503


def test_a_missing_signing_secret_is_an_error_not_an_unsigned_post(receiver, monkeypatch):
    monkeypatch.delenv("AIWATCH_SECRET_TEST_MISSING", raising=False)
    with pytest.raises(TransportError, match="AIWATCH_SECRET_TEST_MISSING is not set"):
        transports.send(
            "webhook", receiver.url("/hook"), message(), secret_env="AIWATCH_SECRET_TEST_MISSING"
        )
    assert receiver.requests == []


def test_url_placeholders_are_read_at_send_time_and_masked_in_errors(receiver, monkeypatch):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_PATH_TOKEN", "tok-123456")
    receiver.set("/tok-123456", b"bad", status=500)
    template = f"json://127.0.0.1:{receiver.port}/${{AIWATCH_SECRET_TEST_PATH_TOKEN}}"
    with pytest.raises(TransportError) as caught:
        transports.send("apprise", template, message())
    assert "tok-123456" not in str(caught.value)
    assert receiver.requests[0].path.startswith("/tok-123456")


def test_an_unset_placeholder_names_the_variable(monkeypatch):
    monkeypatch.delenv("AIWATCH_SECRET_TEST_UNSET", raising=False)
    with pytest.raises(TransportError, match="AIWATCH_SECRET_TEST_UNSET"):
        transports.resolve("slack://${AIWATCH_SECRET_TEST_UNSET}/#ops")


def test_apprise_json_urls_carry_the_idempotency_key(receiver):
    transports.send("apprise", f"json://127.0.0.1:{receiver.port}/hook", message())
    (seen,) = receiver.requests
    body = json.loads(seen.body)
    assert body["title"] == "T"
    assert body["message"] == "**B**"
    assert body["type"] == "failure"
    assert seen.headers["Idempotency-Key"] == "evt-1:7"


@pytest.mark.parametrize(
    ("kind", "url", "ok"),
    [
        ("apprise", "slack://${AIWATCH_SECRET_A}/${AIWATCH_SECRET_B}/${AIWATCH_SECRET_C}", True),
        ("apprise", "tgram://${AIWATCH_SECRET_UNSET_TELEGRAM_TOKEN}/12345", True),
        ("apprise", "workflows://${AIWATCH_SECRET_UNSET_TEAMS_HOST}/workflow1/signature", True),
        ("apprise", "nonsense://${AIWATCH_SECRET_UNSET_X}/a", False),
        ("apprise", "ntfy://ntfy.sh/aiwatch", True),
        ("apprise", "json://127.0.0.1:8080/hook", True),
        ("apprise", "mailto://user:${AIWATCH_SECRET_MAIL_PASSWORD}@example.com", False),
        ("apprise", "nonsense://x", False),
        ("webhook", "https://hooks.example.com/aiwatch", True),
        ("webhook", "ftp://hooks.example.com/aiwatch", False),
        ("webhook", "http://10.1.2.3/hook", False),
        ("webhook", "https://${AIWATCH_SECRET_UNSET_HOOK_HOST}/hook", True),
        ("webhook", "http://localhost/hook", False),
        ("apprise", "", False),
    ],
)
def test_channel_urls_are_checked_without_the_network(kind, url, ok):
    assert (transports.check_url(kind, url) == "") is ok
