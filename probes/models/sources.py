"""Sources: what we poll for a provider, an official page or one of our own probes."""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from probes.models.fields import StatusField, catalog_edits
from probes.parsers.types import LABELS, Status
from probes.validation import (
    filters_problem,
    outbound_url_problem,
    parse_expected_statuses,
    secret_name_problem,
)


class SourceQuerySet(models.QuerySet["Source"]):
    def due(self, now: datetime) -> SourceQuerySet:
        return self.filter(enabled=True, provider__enabled=True, next_poll_at__lte=now)

    def active(self) -> SourceQuerySet:
        """Enabled sources of enabled providers."""
        return self.filter(enabled=True, provider__enabled=True).select_related("provider")

    def probes(self) -> SourceQuerySet:
        """Our own measurements (kinds in Source.PROBE_KINDS): run in batches, feed observed."""
        return self.filter(kind__in=Source.PROBE_KINDS)

    def status_pages(self) -> SourceQuerySet:
        """Official pages and feeds: polled one task each, feed the official status."""
        return self.exclude(kind__in=Source.PROBE_KINDS)

    def for_providers(self, slugs: list[str], *, what: str = "sources") -> SourceQuerySet:
        """Narrow to these providers' sources; every slug must have one.

        Raises ValueError naming the slugs with none, so a typo on the command line is an
        error, not a silent no-op.
        """
        if not slugs:
            return self
        narrowed = self.filter(provider__slug__in=slugs)
        unknown = sorted(set(slugs) - set(narrowed.values_list("provider__slug", flat=True)))
        if unknown:
            raise ValueError(f"no enabled {what} for: {', '.join(unknown)}")
        return narrowed


# What a poll reads. Changing any of these makes the next poll due at once, so the admin (and a
# catalog edit) sees the new setting at work within one dispatcher tick, not one old interval.
POLL_SETTINGS = ("url", "kind", "filters", "interval_seconds")
# What says which page is read and how. After a change of these, what the source last read, and
# the error it last had, describe another page: they are forgotten, and the source counts as not
# read yet (not failing, not readable) until the fresh poll answers.
PAGE_SETTINGS = ("url", "kind", "filters")
# Cleared by such a change, with the values they are cleared to.
READ_STATE_RESET: dict[str, Any] = {
    "last_error": "",
    "error_since": None,
    "consecutive_failures": 0,
    "last_success_at": None,
    "indicator": "",
    "detected_format": "",
    "etag": "",
    "last_modified": "",
    "body_hash": "",
}


class Source(models.Model):
    """One thing we poll for a provider: a status API, a feed, or one of our own probes.

    Probe kinds (`PROBE_KINDS`) are our own measurements: they never speak for the provider's
    official status, and the dispatcher hands them to the probe batch, not to `poll_source`.
    """

    class Kind(models.TextChoices):
        AUTO = "auto", _("Detect the format")
        STATUSPAGE = "statuspage", _("Atlassian Statuspage API")
        INCIDENTIO = "incidentio", _("incident.io (Statuspage-compatible API)")
        STATUSPAGE_FEED = "statuspage_feed", _("Statuspage history feed (history.atom / .rss)")
        INCIDENTIO_PROXY = "incidentio_proxy", _("incident.io page JSON (/proxy/<host>)")
        INCIDENTIO_FEED = "incidentio_feed", _("incident.io Atom feed")
        INSTATUS = "instatus", _("Instatus (summary.json / components.json)")
        BETTERSTACK = "betterstack", _("Better Stack (index.json)")
        GOOGLE_CLOUD = "google_cloud", _("Google Cloud / Workspace incidents.json")
        GOOGLE_CLOUD_FEED = "google_cloud_feed", _("Google Cloud status Atom feed")
        AWS_HEALTH = "aws_health", _("AWS Health currentevents")
        AWS_RSS = "aws_rss", _("AWS per-service status RSS")
        AZURE_STATUS = "azure_status", _("Azure status RSS")
        CHECKLY = "checkly", _("Checkly status page JSON")
        FLASHCAT = "flashcat", _("Flashcat status page JSON")
        DATADOG = "datadog", _("Datadog status page (config.json)")
        FEED = "feed", _("Any RSS/Atom incident feed")
        HTTP_PROBE = "http_probe", _("HTTP probe (is the API reachable?)")
        INFERENCE = "inference", _("Inference probe (a tiny real request, needs an API key)")

    class Method(models.TextChoices):
        GET = "GET", _("GET")
        HEAD = "HEAD", _("HEAD")
        POST = "POST", _("POST")

    class ApiShape(models.TextChoices):
        OPENAI = "openai", _("OpenAI-compatible chat completions")
        ANTHROPIC = "anthropic", _("Anthropic Messages")

    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="sources",
        verbose_name=_("provider"),
    )
    kind = models.CharField(
        max_length=32,
        choices=Kind.choices,
        default=Kind.AUTO,
        help_text=_("The wire format. 'auto' detects it on the first poll and remembers it."),
        verbose_name=_("kind"),
    )
    url = models.URLField(
        max_length=1000,
        help_text=_("E.g. https://status.claude.com/api/v2/summary.json"),
        verbose_name=_("url"),
    )
    interval_seconds = models.PositiveIntegerField(
        _("poll interval (seconds)"),
        default=120,
        validators=[MinValueValidator(30), MaxValueValidator(86400)],
        help_text=_("How often to poll, e.g. 120. At least 30 seconds: be polite to status pages."),
    )
    filters = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            _(
                "Narrow a shared page to this provider. Statuspage, incident.io, Datadog: "
                '{"components": ["k8w3r06qmzrp"]}; Google: {"products": ["Z0FZJAMvEB4j3NbCJs6B"]}; '
                'AWS Health: {"services": ["bedrock"], "regions": ["us-east-1"]}; feeds: '
                '{"keywords": ["OpenAI"]}.'
            )
        ),
        verbose_name=_("filters"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))

    # Probe settings (kinds http_probe and inference); status sources ignore them.
    method = models.CharField(
        max_length=8,
        choices=Method.choices,
        default=Method.GET,
        help_text=_("HTTP probes only, e.g. GET. Inference probes always POST."),
        verbose_name=_("method"),
    )
    expected_statuses = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "HTTP status codes that mean reachable, e.g. '200-299,401'. "
            "Empty: any answer below 500 (except 429) means reachable."
        ),
        verbose_name=_("expected statuses"),
    )
    timeout_seconds = models.FloatField(
        default=10.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(30.0)],
        help_text=_("Give up after this many seconds, e.g. 10. A probe that times out is down."),
        verbose_name=_("timeout seconds"),
    )
    api_shape = models.CharField(
        _("API shape"),
        max_length=16,
        choices=ApiShape.choices,
        blank=True,
        help_text=_(
            "Inference probes: the request format. The URL is the full endpoint, e.g. "
            "https://api.openai.com/v1/chat/completions or https://api.anthropic.com/v1/messages."
        ),
    )
    api_key_env = models.CharField(
        _("API key variable"),
        max_length=100,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z_][A-Z0-9_]*$",
                _("An environment variable name, e.g. AIWATCH_SECRET_OPENAI_KEY."),
            )
        ],
        help_text=_(
            "Inference probes: the NAME of the environment variable holding the key, e.g. "
            "AIWATCH_SECRET_OPENAI_KEY (names start with AIWATCH_SECRET_, or are listed in "
            "AIWATCH_SECRET_ENV_ALLOW). The key itself is never stored here. Empty: no key "
            "(local servers)."
        ),
    )
    model = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Inference probes: the model, e.g. gpt-4o-mini."),
        verbose_name=_("model"),
    )
    max_tokens = models.PositiveSmallIntegerField(
        _("output tokens"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Inference probes: at most this many output tokens per call (1 to 5)."),
    )
    stream = models.BooleanField(
        default=False,
        help_text=_(
            "Inference probes: stream the answer, which also measures time to first token."
        ),
        verbose_name=_("stream"),
    )
    price_input_per_mtok = models.DecimalField(
        _("input price per 1M tokens"),
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_(
            "Optional, in your currency, e.g. 0.15. Used only to show what the probe costs."
        ),
    )
    price_output_per_mtok = models.DecimalField(
        _("output price per 1M tokens"),
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Optional, e.g. 0.60."),
    )

    # Written by the pipeline.
    next_poll_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("next poll at")
    )
    detected_format = models.CharField(
        max_length=32, blank=True, editable=False, verbose_name=_("detected format")
    )
    last_polled_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last polled at")
    )
    # When the dispatcher last enqueued a poll of the source; the poll is under way until
    # `last_polled_at` passes it (probes.status.scheduling: one message per source at a time).
    claimed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("claimed at")
    )
    last_success_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last success at")
    )
    last_error = models.TextField(blank=True, editable=False, verbose_name=_("last error"))
    error_since = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("error since")
    )
    consecutive_failures = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("consecutive failures")
    )
    # The page's own headline from the last good poll, part of the provider's status.
    indicator = models.CharField(
        max_length=24, blank=True, editable=False, verbose_name=_("indicator")
    )
    # Conditional-request state: validators when the server sends them, else a body digest.
    etag = models.CharField(max_length=500, blank=True, editable=False, verbose_name=_("etag"))
    last_modified = models.CharField(
        max_length=100, blank=True, editable=False, verbose_name=_("last modified")
    )
    body_hash = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("body hash")
    )
    # Probe state, written by probes.observe.observed: the confirmed status, the status the latest
    # results point to and how many in a row do, and the last ProbeResult applied (so applying
    # the same results again changes nothing).
    observed_status = StatusField(editable=False, verbose_name=_("observed status"))
    observed_changed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("observed changed at")
    )
    observed_pending = models.CharField(
        max_length=24, blank=True, editable=False, verbose_name=_("observed pending")
    )
    observed_streak = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("observed streak")
    )
    observed_pending_since = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("observed pending since")
    )
    observed_through = models.BigIntegerField(
        default=0, editable=False, verbose_name=_("observed through")
    )
    # What sync_catalog last applied to this row (empty: added in the admin); a field whose value
    # differs from it was changed in the admin, and the catalog leaves it alone.
    catalog_values = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=_("catalog values")
    )

    PROBE_KINDS = frozenset({"http_probe", "inference"})
    # clean() resolves the host to judge its addresses; sync_catalog turns that off on the
    # instances it checks, because loading the catalog must work offline (fetch checks anyway).
    resolve_url_on_clean = True

    objects = SourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        indexes = [
            # probes.status.scheduling.claim_due_sources: enabled sources whose time has come.
            models.Index(fields=["enabled", "next_poll_at"], name="source_due"),
        ]

    def __str__(self) -> str:
        return f"{self.provider.slug}: {self.get_kind_display()} {self.url}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        changed = self.changed_poll_settings() if self.pk is not None else []
        update_fields: Iterable[str] | None = kwargs.get("update_fields")
        if update_fields is not None:
            # A partial save (the catalog's) only counts the settings it writes.
            changed = [name for name in changed if name in set(update_fields)]
        if changed:
            # Due now, and free to be claimed now: a poll claimed under the old settings may
            # still wait in a backlog (the claim's lease would hold the new one back).
            written = ["next_poll_at", "claimed_at"]
            self.next_poll_at = timezone.now()
            self.claimed_at = None
            if set(changed) & set(PAGE_SETTINGS):
                for name, value in READ_STATE_RESET.items():
                    setattr(self, name, value)
                written += list(READ_STATE_RESET)
            if update_fields is not None:
                kwargs["update_fields"] = list(dict.fromkeys([*update_fields, *written]))
        super().save(*args, **kwargs)
        self._stored_poll_settings = copy.deepcopy(
            {name: getattr(self, name) for name in POLL_SETTINGS}
        )

    @property
    def format(self) -> str:
        """The wire format to parse with: the chosen kind, or what auto-detection found."""
        return self.detected_format if self.kind == self.Kind.AUTO else self.kind

    @property
    def is_failing(self) -> bool:
        return bool(self.last_error)

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=self.interval_seconds)

    @property
    def is_probe(self) -> bool:
        return self.kind in self.PROBE_KINDS

    @property
    def observed_status_label(self) -> str:
        return str(LABELS[Status(self.observed_status)])

    def catalog_edits(self) -> list[str]:
        """Fields changed in the admin since the catalog last applied them."""
        return catalog_edits(self)

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any]
    ) -> Source:
        source = super().from_db(db, field_names, values)
        # What was stored, so save() can tell a changed setting from an untouched one.
        # A copy: filters are a dict, and one changed in place must still count as changed.
        source._stored_poll_settings = copy.deepcopy(
            {name: getattr(source, name) for name in POLL_SETTINGS if name in field_names}
        )
        return source

    def changed_poll_settings(self) -> list[str]:
        """The poll settings that differ from what was loaded from the database."""
        stored: dict[str, Any] = getattr(self, "_stored_poll_settings", {})
        return [name for name, value in stored.items() if getattr(self, name) != value]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        # The admin form and full_clean refuse URLs the outbound seam would never fetch
        # (private addresses, odd schemes and ports), with the reason in words.
        if self.url:
            problem = outbound_url_problem(self.url, resolve=self.resolve_url_on_clean)
            if problem:
                errors["url"] = gettext("This URL cannot be polled: %(problem)s.") % {
                    "problem": problem
                }
        problem = filters_problem(self.kind, self.filters)
        if problem:
            errors["filters"] = f"{problem}."
        if self.kind == self.Kind.HTTP_PROBE:
            try:
                parse_expected_statuses(self.expected_statuses)
            except ValueError as error:
                errors["expected_statuses"] = str(error)
        if self.kind == self.Kind.INFERENCE:
            if not self.api_shape:
                errors["api_shape"] = gettext("Choose the API shape of an inference probe.")
            if not self.model:
                errors["model"] = gettext("An inference probe needs a model, e.g. gpt-4o-mini.")
            problem = secret_name_problem(self.api_key_env) if self.api_key_env else None
            if problem:
                errors["api_key_env"] = f"{problem[0].upper()}{problem[1:]}."
        if errors:
            raise ValidationError(errors)
