"""Sending one message to one channel: Apprise URLs, or our signed JSON webhook.

Both go through the outbound address policy. The webhook is sent by the one HTTP seam
(probes.outbound.fetch). Apprise's services send with `requests`, which
`outbound.requests_transport` holds to the same policy: every request checked and pinned to the
checked address, redirects refused. Apprise services that speak anything but HTTP through
`requests` (email over SMTP, MQTT, XMPP, IRC, AMQP, syslog, desktop notifications...) cannot be
held to it, so they are refused, when the channel is saved and again when it sends.

Secrets: channel URLs are stored with ${VAR} placeholders, resolved from the environment only
here, at send time, only from variables `outbound.secret_name_problem` allows, and masked out
of every error we record.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import ipaddress
import logging
import os
import re
import smtplib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import apprise
import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.utils import timezone

from alerts.webhook_signing import BadSecret, standard_headers
from probes import outbound
from probes.outbound import requests_transport

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

    Raises TransportError naming a variable that may not be read or is not set.
    """
    names = placeholders(template)
    for name in names:
        problem = outbound.secret_name_problem(name)
        if problem:
            raise TransportError(f"${{{name}}}: {problem}")
    env = os.environ if environ is None else environ
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise TransportError(f"environment variable {', '.join(sorted(set(missing)))} is not set")
    secrets = [env[name] for name in names]
    return PLACEHOLDER.sub(lambda match: env[match.group(1)], template), secrets


def mask(text: str, secrets: list[str]) -> str:
    return outbound.redact(text, secrets)


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
    if kind == "email":
        try:
            validate_email(template.strip())
        except ValidationError:
            return "An e-mail address, e.g. ada@example.com."
        return ""
    for name in placeholders(template):
        problem = outbound.secret_name_problem(name)
        if problem:
            return f"${{{name}}} cannot be used: {problem}."
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
    scheme = urlsplit(PLACEHOLDER.sub("x", template)).scheme.lower()
    if scheme not in apprise_schemes():
        return f"Apprise has no service called {scheme!r}://; see the Apprise wiki."
    problem = apprise_scheme_problem(scheme)
    if problem:
        return problem
    try:
        url, _ = resolve(template)
    except TransportError:
        # Secrets not set in this process (they may be in the worker's environment): the full
        # URL cannot be checked here; the send checks it, and every request it makes.
        return ""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return "Apprise does not understand this URL; see the Apprise wiki for its services."
    problem = apprise_host_problem(scheme, plugin)
    return f"This channel cannot be reached: {problem}" if problem else ""


@functools.cache
def apprise_schemes() -> frozenset[str]:
    return frozenset(apprise.NotificationManager().schemas())


# Apprise's services that post to any HTTP endpoint the URL names.
APPRISE_ENDPOINT_SCHEMES = {"json", "jsons", "form", "forms", "xml", "xmls"}
# What a plugin using any of these speaks besides HTTP through `requests`.
_OTHER_TRANSPORTS = frozenset(
    {
        "socket",
        "_socket",
        "ssl",
        "_ssl",
        "smtplib",
        "asyncio",
        "selectors",
        "select",
        "http",
        "urllib3",
        "httpx",
        "aiohttp",
        "websocket",
        "websockets",
        "paho",
        "slixmpp",
        "gntp",
        "pika",
        "dbus",
        "gi",
        "smpplib",
        "ftplib",
        "subprocess",
    }
)


@functools.cache
def apprise_scheme_problem(scheme: str) -> str:
    """Why an Apprise service cannot be held to the address policy ("" when it can).

    A service qualifies when its plugin's modules send with `requests` and reach for nothing
    else that opens connections (sockets, SMTP, MQTT, XMPP, a subprocess...): then every
    request it makes goes through `requests_transport`. Anything else is refused.
    """
    manager = apprise.NotificationManager()
    try:
        plugin_class = manager[scheme]
    except KeyError:
        return f"Apprise has no service called {scheme!r}://."
    uses_requests = False
    for module in _plugin_modules(plugin_class):
        for value in vars(module).values():
            if value is requests:
                uses_requests = True
                continue
            origin = value.__name__ if isinstance(value, ModuleType) else _module_of(value)
            if origin.split(".")[0] in _OTHER_TRANSPORTS or origin.startswith(
                "apprise.utils.socket"
            ):
                return _unguarded(scheme)
    return "" if uses_requests else _unguarded(scheme)


def _unguarded(scheme: str) -> str:
    return (
        f"Apprise's {scheme}:// service does not send over HTTP alone, so AI Watch cannot hold "
        "it to its outbound address policy; use an HTTP service (Slack, Teams, Discord, ntfy, "
        "json://, ...) or a webhook."
    )


def _module_of(value: Any) -> str:
    origin = getattr(value, "__module__", "")
    return origin if isinstance(origin, str) else ""


def _plugin_modules(plugin_class: type) -> list[ModuleType]:
    """The modules of the plugin's classes, with their packages' other modules."""
    packages = set()
    for klass in plugin_class.__mro__:
        name = klass.__module__
        if name.startswith("apprise.plugins.") and name != "apprise.plugins.base":
            packages.add(".".join(name.split(".")[:3]))
    return [
        module
        for name, module in list(sys.modules.items())
        if module is not None
        and any(name == package or name.startswith(package + ".") for package in packages)
    ]


def apprise_host_problem(scheme: str, plugin: Any) -> str:
    """Why the host a service URL names would be refused ("" when fine). No network.

    Services with a fixed public host (Slack, Telegram...) keep tokens where the host goes;
    only a value that can be a host (an address, a dotted name, localhost) is judged here.
    Every request is checked again when it is made.
    """
    host = str(getattr(plugin, "host", "") or "")
    if not host:
        return ""
    looks_like_host = (
        scheme in APPRISE_ENDPOINT_SCHEMES
        or "." in host
        or host.lower() == "localhost"
        or _is_ip(host.strip("[]"))
    )
    if not looks_like_host:
        return ""
    secure = bool(getattr(plugin, "secure", False))
    port = getattr(plugin, "port", None)
    name = f"[{host.strip('[]')}]" if ":" in host else host
    url = f"{'https' if secure else 'http'}://{name}{f':{port}' if port else ''}/"
    return outbound.outbound_url_problem(url, resolve=False) or ""


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def kind_for_url(template: str) -> str:
    """Plain http(s) URLs are our webhook; every other scheme is an Apprise service."""
    scheme = urlsplit(PLACEHOLDER.sub("x", template)).scheme.lower()
    return "webhook" if scheme in ("http", "https") else "apprise"


def send(
    kind: str,
    url_template: str,
    message: Message,
    *,
    secret_env: str = "",
    placeholders_allowed: bool = True,
) -> SendResult:
    """Send `message`; raise TransportError when it was not accepted.

    A person's own channel sends with `placeholders_allowed` off: its URL never reads the
    server's environment, whatever was stored.
    """
    if kind == "email":
        return _send_email(url_template.strip(), message)
    if not placeholders_allowed and (placeholders(url_template) or "${" in url_template):
        raise TransportError("a personal channel's URL may not read the environment (${...})")
    url, secrets = resolve(url_template)
    try:
        if kind == "webhook":
            return _send_webhook(url, message, secret_env)
        return _send_apprise(url, message)
    except TransportError as error:
        raise TransportError(mask(str(error), secrets), status_code=error.status_code) from None


def _send_email(address: str, message: Message) -> SendResult:
    """One e-mail through Django's mail settings (EMAIL_HOST...), with the delivery key."""
    email = EmailMessage(
        subject=message.title[:200],
        body=message.body,
        to=[address],
        headers={DELIVERY_HEADER: message.key, "X-AIWatch-Event": message.event_type},
    )
    try:
        sent = email.send()
    except (smtplib.SMTPException, OSError) as error:
        raise TransportError(f"mail not sent: {type(error).__name__}: {error}"[:1000]) from None
    if not sent:
        raise TransportError("mail not sent")
    return SendResult()


def _send_webhook(url: str, message: Message, secret_env: str) -> SendResult:
    headers = {
        "Content-Type": "application/json",
        # The same on every attempt, so a receiver can drop a repeat of what it already has.
        "Idempotency-Key": message.key,
        DELIVERY_HEADER: message.key,
        "X-AIWatch-Event": message.event_type,
    }
    if secret_env:
        # Only a variable the secret rule allows (AIWATCH_SECRET_..., or listed), never the
        # server's own settings, even if a row written before the rule names one.
        try:
            secret = outbound.read_secret(secret_env)
        except outbound.SecretError as error:
            raise TransportError(str(error)) from None
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
    problem = apprise_scheme_problem(scheme) if scheme in apprise_schemes() else ""
    if problem:
        raise TransportError(f"blocked: {problem}")
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
    # Every request the service makes is checked (and pinned) as it is made.
    requests_transport.install()
    with (
        requests_transport.collecting_refusals() as refusals,
        apprise.LogCapture(level=logging.WARNING) as log,
    ):
        accepted = notifier.notify(
            body=message.body,
            title=message.title,
            notify_type=message.notify_type,
            body_format=apprise.NotifyFormat.MARKDOWN,
        )
    if not accepted:
        if refusals:
            raise TransportError(refusals[0][:1000])
        lines = [line for line in log.getvalue().splitlines() if line.strip()]
        reason = lines[-1].split(" - ", 2)[-1] if lines else "the service refused the message"
        raise TransportError(reason[:1000])
    return SendResult()
