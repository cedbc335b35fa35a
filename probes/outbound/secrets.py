"""Which environment variables may be read as secrets for outbound requests, and how to hide them.

Channel URLs (`${VAR}`) and inference probes (`api_key_env`) name an environment variable whose
value is sent to another server. Anyone who may edit a channel or a probe could otherwise name
the server's own secrets (SECRET_KEY, DATABASE_URL...) and have them delivered to an address of
their choosing. So only two kinds of names are read: those starting with AIWATCH_SECRET_ and
those the operator lists in AIWATCH_SECRET_ENV_ALLOW. The server's own settings are never read,
even when listed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from django.conf import settings

SECRET_PREFIX = "AIWATCH_SECRET_"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# What the server itself runs on: never read for a channel or a probe, even when listed.
_SERVER_NAMES = frozenset(
    {
        "SECRET_KEY",
        "SECRET_KEY_FILE",
        "DATABASE_URL",
        "REDIS_URL",
        "BROKER_URL",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "DEBUG",
        "HOME",
        "PATH",
    }
)
_SERVER_PREFIXES = (
    "AIWATCH_",  # the project's settings (AIWATCH_SECRET_ names are checked first)
    "DJANGO_",
    "CELERY_",
    "DATABASE_",
    "REDIS_",
    "POSTGRES",
    "PG",
    "SECURE_",
    "SESSION_",
)
# Values shorter than this are not masked: "***" in place of every "a" would hide the message.
_MIN_MASKED = 3


class SecretError(Exception):
    """A variable that may not be read, or is not set; the text names it and says why."""


def secret_name_problem(name: str) -> str | None:
    """Why `name` may not be read as a secret, in a sentence; None when it may."""
    if not ENV_NAME.match(name):
        return f"{name!r} is not an environment variable name"
    upper = name.upper()
    if upper.startswith(SECRET_PREFIX) and len(upper) > len(SECRET_PREFIX):
        return None
    if upper in _SERVER_NAMES or upper.startswith(_SERVER_PREFIXES):
        return (
            f"{name} is part of the server's own configuration and is never sent anywhere; "
            f"put the secret in a variable named {SECRET_PREFIX}..."
        )
    if name in allowed_names():
        return None
    return (
        f"{name} may not be read: name the variable {SECRET_PREFIX}... or list it in "
        "AIWATCH_SECRET_ENV_ALLOW"
    )


def allowed_names() -> frozenset[str]:
    return frozenset(getattr(settings, "AIWATCH_SECRET_ENV_ALLOW", ()))


def read_secret(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The value of an allowed, set variable. Raises SecretError otherwise."""
    problem = secret_name_problem(name)
    if problem:
        raise SecretError(problem)
    value = (os.environ if environ is None else environ).get(name, "")
    if not value:
        raise SecretError(f"environment variable {name} is not set")
    return value


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (and its URL-encoded form) replaced by ***."""
    forms = {form for secret in secrets for form in (secret, quote(secret, safe=""))}
    for secret in sorted(forms, key=len, reverse=True):
        if len(secret) >= _MIN_MASKED:
            text = text.replace(secret, "***")
    return text
