"""Sending one message to one channel: Apprise URLs, or our signed JSON webhook.

The webhook goes through the one HTTP seam (probes.outbound.fetch). Apprise speaks to Slack, Teams,
email and the rest with its own HTTP and SMTP code; that is the one place outbound traffic
bypasses the seam, and it is confined to this module.

Secrets: channel URLs are stored with ${VAR} placeholders, resolved from the environment only
here, at send time, and masked out of every error we record.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import apprise
from django.conf import settings
from django.utils import timezone

from alerts.webhook_signing import BadSecret, standard_headers
from probes import outbound

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SIGNATURE_HEADER = "X-AIWatch-Signature"
DELIVERY_HEADER = "X-AIWatch-Delivery"
# Apprise schemes that post to an arbitrary HTTP endpoint and accept extra headers (+Name=value).
APPRISE_HEADER_SCHEMES = {"json", "jsons", "form", "forms", "xml", "xmls"}


class TransportError(Exception):
    """The message was not accepted; the text is safe to store (secrets masked)."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class Message:
    """What a channel receives. `body` is Markdown; `document` is the webhook's JSON body."""

    title: str
    body: str
    notify_type: str  # apprise.NotifyType value: info, success, warning, failure
    document: bytes
    key: str
    event_type: str


@dataclass(frozen=True, slots=True)
class SendResult:
    status_code: int | None = None


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


def resolve(template: str, environ: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """Substitute ${VAR} from the environment; return the URL and the values used (to mask).

    Raises TransportError naming a variable that is not set.
    """
    env = os.environ if environ is None else environ
    missing = [name for name in placeholders(template) if not env.get(name)]
    if missing:
        raise TransportError(f"environment variable {', '.join(sorted(set(missing)))} is not set")
    secrets = [env[name] for name in placeholders(template)]
    return PLACEHOLDER.sub(lambda match: env[match.group(1)], template), secrets


def mask(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def sign(secret: str, body: bytes) -> str:
    """The signature header value: "sha256=" and the hex HMAC-SHA256 of the exact body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute over the raw body and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header.strip())


def check_url(kind: str, template: str) -> str:
    """A reason the channel URL cannot work, or "" when it looks right. No network."""
    if not template.strip():
        return "A URL is required."
    if kind == "webhook":
        parts = urlsplit(PLACEHOLDER.sub("placeholder.example", template))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "A webhook URL starts with https:// (or http://) and names a host."
        # The seam refuses private and internal addresses unless AIWATCH_OUTBOUND_ALLOW names
        # them; say so now rather than at the first failed delivery.
        problem = outbound.outbound_url_problem(
            PLACEHOLDER.sub("placeholder.example", template), resolve=False
        )
        return f"This webhook cannot be reached: {problem}" if problem else ""
    try:
        url, _ = resolve(template)
    except TransportError:
        # Secrets not set in this process (they may be in the worker's environment): the full
        # URL cannot be checked here, but the service must at least be one Apprise knows.
        scheme = urlsplit(PLACEHOLDER.sub("x", template)).scheme.lower()
        if scheme not in apprise_schemes():
            return f"Apprise has no service called {scheme!r}://; see the Apprise wiki."
        return ""
    if apprise.Apprise.instantiate(url) is None:
        return "Apprise does not understand this URL; see the Apprise wiki for its services."
    return ""


@functools.cache
def apprise_schemes() -> frozenset[str]:
    return frozenset(apprise.NotificationManager().schemas())


def kind_for_url(template: str) -> str:
    """Plain http(s) URLs are our webhook; every other scheme is an Apprise service."""
    scheme = urlsplit(PLACEHOLDER.sub("x", template)).scheme.lower()
    return "webhook" if scheme in ("http", "https") else "apprise"


def send(kind: str, url_template: str, message: Message, *, secret_env: str = "") -> SendResult:
    """Send `message`; raise TransportError when it was not accepted."""
    url, secrets = resolve(url_template)
    try:
        if kind == "webhook":
            return _send_webhook(url, message, secret_env)
        return _send_apprise(url, message)
    except TransportError as error:
        raise TransportError(mask(str(error), secrets), status_code=error.status_code) from None


def _send_webhook(url: str, message: Message, secret_env: str) -> SendResult:
    headers = {
        "Content-Type": "application/json",
        # The same on every attempt, so a receiver can drop a repeat of what it already has.
        "Idempotency-Key": message.key,
        DELIVERY_HEADER: message.key,
        "X-AIWatch-Event": message.event_type,
    }
    if secret_env:
        secret = os.environ.get(secret_env, "")
        if not secret:
            raise TransportError(f"environment variable {secret_env} is not set")
        headers[SIGNATURE_HEADER] = sign(secret, message.document)
        try:
            headers.update(
                standard_headers(secret, message.key, message.document, at=timezone.now())
            )
        except BadSecret as error:
            raise TransportError(str(error)) from None
    # A webhook that redirects is misconfigured; re-posting the body elsewhere is not our call.
    limits = dataclasses.replace(outbound.Limits.from_settings(), max_redirects=0)
    try:
        result = outbound.fetch(
            url, method="POST", content=message.document, headers=headers, limits=limits
        )
    except outbound.FetchError as error:
        raise TransportError(f"{error.kind}: {error}") from None
    if not 200 <= result.status_code < 300:
        raise TransportError(f"HTTP {result.status_code}", status_code=result.status_code)
    return SendResult(status_code=result.status_code)


def _send_apprise(url: str, message: Message) -> SendResult:
    scheme = urlsplit(url).scheme.lower()
    if scheme in APPRISE_HEADER_SCHEMES:
        # Apprise adds query items starting with + as request headers.
        joiner = "&" if "?" in url else "?"
        url = f"{url}{joiner}+Idempotency-Key={message.key}&+{DELIVERY_HEADER}={message.key}"
    asset = apprise.AppriseAsset(
        # Nothing written to disk; no send outlives the delivery claim.
        storage_mode=apprise.PersistentStoreMode.MEMORY,
        service_timeout=settings.AIWATCH_HTTP_TOTAL_TIMEOUT,
    )
    notifier = apprise.Apprise(asset=asset)
    if not notifier.add(url):
        raise TransportError("Apprise does not understand this URL")
    with apprise.LogCapture(level=logging.WARNING) as log:
        accepted = notifier.notify(
            body=message.body,
            title=message.title,
            notify_type=message.notify_type,
            body_format=apprise.NotifyFormat.MARKDOWN,
        )
        if not accepted:
            lines = [line for line in log.getvalue().splitlines() if line.strip()]
            reason = lines[-1].split(" - ", 2)[-1] if lines else "the service refused the message"
            raise TransportError(reason[:1000])
    return SendResult()
