"""A person's own settings: their language and time zone, and the providers they watch."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What a person chose on their page (/me/); empty means "as this browser says"."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("e.g. Europe/Paris")
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


class Watch(models.Model):
    """A star on a provider's tile: the person's watchlist, kept on the server once signed in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watches",
        verbose_name=_("user"),
    )
    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="watches",
        verbose_name=_("provider"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("watched provider")
        verbose_name_plural = _("watched providers")
        ordering = ["provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="watch_unique_provider")
        ]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.provider}"
