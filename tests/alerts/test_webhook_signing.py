"""The signed webhook follows Standard Webhooks: a receiver verifies it with the library."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from alerts import transports
from alerts.transports import Message, TransportError
from alerts.webhook_signing import standard_headers

DOCUMENT = json.dumps({"event": {"id": "x", "type": "status_changed"}}).encode()


def message() -> Message:
    return Message(
        title="T",
        body="B",
        notify_type="failure",
        document=DOCUMENT,
        key="evt-1:7",
        event_type="status_changed",
    )


def test_a_receiver_verifies_a_delivery_with_the_standard_library(receiver, monkeypatch):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_HOOK_KEY", "k3y-for-tests")

    transports.send(
        "webhook", receiver.url("/hook"), message(), secret_env="AIWATCH_SECRET_TEST_HOOK_KEY"
    )

    (seen,) = receiver.requests
    assert seen.headers["webhook-id"] == "evt-1:7"
    # The five lines of the receiver example in alerts/webhook_signing.py and the README:
    hook = Webhook(b"k3y-for-tests")
    event = hook.verify(seen.body, dict(seen.headers))
    assert event == {"event": {"id": "x", "type": "status_changed"}}
    # Our own header is still there for receivers that check it.
    assert transports.verify_signature(
        "k3y-for-tests", seen.body, seen.headers["X-AIWatch-Signature"]
    )


def test_a_forged_body_or_another_secret_fails_verification():
    at = datetime.now(UTC)
    headers = standard_headers("k3y-for-tests", "evt-1:7", DOCUMENT, at=at)

    with pytest.raises(WebhookVerificationError):
        Webhook(b"k3y-for-tests").verify(DOCUMENT + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(b"another").verify(DOCUMENT, headers)


def test_a_replayed_delivery_is_refused_outside_the_window():
    sent = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    headers = standard_headers("k3y-for-tests", "evt-1:7", DOCUMENT, at=sent)

    with time_machine.travel(sent + timedelta(minutes=4), tick=False):
        Webhook(b"k3y-for-tests").verify(DOCUMENT, headers)
    with (
        time_machine.travel(sent + timedelta(minutes=6), tick=False),
        pytest.raises(WebhookVerificationError, match="too old"),
    ):
        Webhook(b"k3y-for-tests").verify(DOCUMENT, headers)


def test_a_whsec_secret_is_the_standard_base64_form(receiver, monkeypatch):
    standard = "whsec_" + base64.b64encode(b"raw-key-bytes").decode()
    monkeypatch.setenv("AIWATCH_SECRET_TEST_HOOK_KEY", standard)

    transports.send(
        "webhook", receiver.url("/hook"), message(), secret_env="AIWATCH_SECRET_TEST_HOOK_KEY"
    )

    (seen,) = receiver.requests
    Webhook(standard).verify(seen.body, dict(seen.headers))


def test_a_broken_whsec_secret_is_a_clear_error(receiver, monkeypatch):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_HOOK_KEY", "whsec_***not base64***")

    with pytest.raises(TransportError, match="not base64"):
        transports.send(
            "webhook", receiver.url("/hook"), message(), secret_env="AIWATCH_SECRET_TEST_HOOK_KEY"
        )
    assert receiver.requests == []
