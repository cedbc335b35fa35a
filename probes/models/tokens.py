"""API tokens: bearer secrets for scripts, stored only as digests."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models

# A token reads "aiw_" and 43 URL-safe characters (32 random bytes). The prefix lets secret
# scanners and people recognise one; the random part alone is what makes it secret.
TOKEN_PREFIX = "aiw_"
# Writing last_used_at on every request would turn each read into a write; once a minute says
# enough about whether a token is still in use.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(secret: str) -> str:
    # A plain SHA-256 is enough: the secret has 256 random bits, so there is nothing to guess
    # from the digest, and a lookup by digest needs a deterministic function.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def authenticate(self, secret: str, *, now: datetime) -> ApiToken | None:
        """The live token with this secret, or None (unknown, revoked, or its user inactive).

        Marks the token used. Callers must give the same answer for every None, so a caller
        never learns which part was wrong.
        """
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        token = (
            self.select_related("user")
            .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token


class ApiToken(models.Model):
    """A bearer token for the API, the metrics and the MCP server. The secret is shown once."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What it is for, e.g. grafana.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    # The first characters of the secret, to tell tokens apart in lists; not enough to use one.
    hint = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.hint}… ({self.name or self.user})"

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @classmethod
    def issue(cls, user: Any, *, scope: str, name: str = "") -> tuple[ApiToken, str]:
        """A new token and its secret. Only the digest is stored: the secret is shown once."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(user=user, scope=scope, name=name, hint=secret[:8], digest=token_digest(secret))
        token.full_clean()
        token.save()
        return token, secret
