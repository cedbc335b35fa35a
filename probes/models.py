"""What AI Watch knows: providers, the sources it polls, components, incidents and transitions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone

from probes.http import outbound_url_problem
from probes.parsers import filters_problem
from probes.parsers.types import CLOSED_INCIDENT_STATUSES, LABELS, Impact, IncidentStatus, Status


class StatusField(models.CharField):  # type: ignore[type-arg]
    """A status from the one vocabulary in probes.parsers.types.Status."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault("choices", [(status.value, LABELS[status]) for status in Status])
        kwargs.setdefault("default", Status.UNKNOWN.value)
        super().__init__(*args, **kwargs)


class ProviderQuerySet(models.QuerySet["Provider"]):
    def for_dashboard(self) -> ProviderQuerySet:
        """Providers with everything the overview shows, in a fixed number of queries."""
        return (
            self.filter(enabled=True)
            .prefetch_related(
                Prefetch(
                    "components",
                    queryset=Component.objects.filter(is_active=True).order_by("position", "name"),
                ),
                Prefetch(
                    "incidents",
                    queryset=Incident.objects.open()
                    .order_by("-started_at")
                    .prefetch_related(
                        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-at"))
                    ),
                    to_attr="open_incidents",
                ),
                Prefetch(
                    "sources",
                    queryset=Source.objects.filter(enabled=True).order_by("pk"),
                    to_attr="enabled_sources",
                ),
            )
            .order_by("name")
        )


class Provider(models.Model):
    """An AI service (or a cloud it runs on) whose health we follow."""

    class Category(models.TextChoices):
        CHAT_APP = "chat_app", "Chat app"
        MODEL_API = "model_api", "Model API"
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"
        SPEECH = "speech", "Speech"
        CODE_ASSISTANT = "code_assistant", "Code assistant"
        INFRASTRUCTURE = "infrastructure", "Infrastructure"
        LOCAL = "local", "Local model server"

    slug = models.SlugField(unique=True, help_text="Short stable name used in URLs, e.g. openai.")
    name = models.CharField(max_length=200, help_text="Shown on the dashboard, e.g. OpenAI.")
    url = models.URLField(
        "status page", blank=True, help_text="The page people read, e.g. https://status.openai.com"
    )
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.MODEL_API)
    capabilities = models.JSONField(
        default=list,
        blank=True,
        help_text='What it can stand in for, e.g. ["chat", "code"]. Used to suggest alternatives.',
    )
    upstreams = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="downstreams",
        help_text="Clouds and networks it runs on, e.g. OpenAI → Microsoft Azure.",
    )
    notes = models.TextField(
        blank=True, help_text="Where the facts about this provider come from, and how sure we are."
    )
    enabled = models.BooleanField(default=True)

    # Written by the pipeline: the worst of components, open incidents and source health.
    status = StatusField(editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Written by probes.observed: what our own probes see, beside (never inside) `status`.
    observed_status = StatusField(editable=False)
    observed_status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the last probe result was applied: how fresh the observed status is.
    observed_checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def status_label(self) -> str:
        return LABELS[Status(self.status)]

    @property
    def observed_status_label(self) -> str:
        return LABELS[Status(self.observed_status)]


class SourceQuerySet(models.QuerySet["Source"]):
    def due(self, now: datetime) -> SourceQuerySet:
        return self.filter(enabled=True, provider__enabled=True, next_poll_at__lte=now)

    def active(self) -> SourceQuerySet:
        """Enabled sources of enabled providers."""
        return self.filter(enabled=True, provider__enabled=True).select_related("provider")

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


class Source(models.Model):
    """One thing we poll for a provider: a status API, a feed, or one of our own probes.

    Probe kinds (`PROBE_KINDS`) are our own measurements: they never speak for the provider's
    official status, and the dispatcher hands them to the probe batch, not to `poll_source`.
    """

    class Kind(models.TextChoices):
        AUTO = "auto", "Detect the format"
        STATUSPAGE = "statuspage", "Atlassian Statuspage API"
        INCIDENTIO = "incidentio", "incident.io (Statuspage-compatible API)"
        STATUSPAGE_FEED = "statuspage_feed", "Statuspage history feed (history.atom / .rss)"
        INCIDENTIO_PROXY = "incidentio_proxy", "incident.io page JSON (/proxy/<host>)"
        INCIDENTIO_FEED = "incidentio_feed", "incident.io Atom feed"
        INSTATUS = "instatus", "Instatus (summary.json / components.json)"
        BETTERSTACK = "betterstack", "Better Stack (index.json)"
        GOOGLE_CLOUD = "google_cloud", "Google Cloud / Workspace incidents.json"
        GOOGLE_CLOUD_FEED = "google_cloud_feed", "Google Cloud status Atom feed"
        AWS_HEALTH = "aws_health", "AWS Health currentevents"
        AWS_RSS = "aws_rss", "AWS per-service status RSS"
        AZURE_STATUS = "azure_status", "Azure status RSS"
        CHECKLY = "checkly", "Checkly status page JSON"
        FLASHCAT = "flashcat", "Flashcat status page JSON"
        DATADOG = "datadog", "Datadog status page (config.json)"
        FEED = "feed", "Any RSS/Atom incident feed"
        HTTP_PROBE = "http_probe", "HTTP probe (is the API reachable?)"
        INFERENCE = "inference", "Inference probe (a tiny real request, needs an API key)"

    class Method(models.TextChoices):
        GET = "GET", "GET"
        HEAD = "HEAD", "HEAD"
        POST = "POST", "POST"

    class ApiShape(models.TextChoices):
        OPENAI = "openai", "OpenAI-compatible chat completions"
        ANTHROPIC = "anthropic", "Anthropic Messages"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(
        max_length=32,
        choices=Kind.choices,
        default=Kind.AUTO,
        help_text="The wire format. 'auto' detects it on the first poll and remembers it.",
    )
    url = models.URLField(
        max_length=1000, help_text="E.g. https://status.claude.com/api/v2/summary.json"
    )
    interval_seconds = models.PositiveIntegerField(
        "poll interval (seconds)",
        default=120,
        validators=[MinValueValidator(30), MaxValueValidator(86400)],
        help_text="How often to poll, e.g. 120. At least 30 seconds: be polite to status pages.",
    )
    filters = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "Narrow a shared page to this provider. Statuspage, incident.io, Datadog: "
            '{"components": ["k8w3r06qmzrp"]}; Google: {"products": ["Z0FZJAMvEB4j3NbCJs6B"]}; '
            'AWS Health: {"services": ["bedrock"], "regions": ["us-east-1"]}; feeds: '
            '{"keywords": ["OpenAI"]}.'
        ),
    )
    enabled = models.BooleanField(default=True)

    # Probe settings (kinds http_probe and inference); status sources ignore them.
    method = models.CharField(
        max_length=8,
        choices=Method.choices,
        default=Method.GET,
        help_text="HTTP probes only, e.g. GET. Inference probes always POST.",
    )
    expected_statuses = models.CharField(
        max_length=200,
        blank=True,
        help_text="HTTP status codes that mean reachable, e.g. '200-299,401'. "
        "Empty: any answer below 500 (except 429) means reachable.",
    )
    timeout_seconds = models.FloatField(
        default=10.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(30.0)],
        help_text="Give up after this many seconds, e.g. 10. A probe that times out is down.",
    )
    api_shape = models.CharField(
        "API shape",
        max_length=16,
        choices=ApiShape.choices,
        blank=True,
        help_text="Inference probes: the request format. The URL is the full endpoint, e.g. "
        "https://api.openai.com/v1/chat/completions or https://api.anthropic.com/v1/messages.",
    )
    api_key_env = models.CharField(
        "API key variable",
        max_length=100,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z_][A-Z0-9_]*$", "An environment variable name, e.g. OPENAI_API_KEY."
            )
        ],
        help_text="Inference probes: the NAME of the environment variable holding the key, e.g. "
        "OPENAI_API_KEY. The key itself is never stored here. Empty: no key (local servers).",
    )
    model = models.CharField(
        max_length=200, blank=True, help_text="Inference probes: the model, e.g. gpt-4o-mini."
    )
    max_tokens = models.PositiveSmallIntegerField(
        "output tokens",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Inference probes: at most this many output tokens per call (1 to 5).",
    )
    stream = models.BooleanField(
        default=False,
        help_text="Inference probes: stream the answer, which also measures time to first token.",
    )
    price_input_per_mtok = models.DecimalField(
        "input price per 1M tokens",
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Optional, in your currency, e.g. 0.15. Used only to show what the probe costs.",
    )
    price_output_per_mtok = models.DecimalField(
        "output price per 1M tokens",
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Optional, e.g. 0.60.",
    )

    # Written by the pipeline.
    next_poll_at = models.DateTimeField(default=timezone.now, editable=False)
    detected_format = models.CharField(max_length=32, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    error_since = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    # The page's own headline from the last good poll, part of the provider's status.
    indicator = models.CharField(max_length=24, blank=True, editable=False)
    # Conditional-request state: validators when the server sends them, else a body digest.
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    body_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Probe state, written by probes.observed: the confirmed status, the status the latest
    # results point to and how many in a row do, and the last ProbeResult applied (so applying
    # the same results again changes nothing).
    observed_status = StatusField(editable=False)
    observed_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    observed_pending = models.CharField(max_length=24, blank=True, editable=False)
    observed_streak = models.PositiveIntegerField(default=0, editable=False)
    observed_pending_since = models.DateTimeField(null=True, blank=True, editable=False)
    observed_through = models.BigIntegerField(default=0, editable=False)

    PROBE_KINDS = frozenset({"http_probe", "inference"})

    objects = SourceQuerySet.as_manager()

    class Meta:
        indexes = [
            # probes.scheduling.claim_due_sources: enabled sources whose time has come.
            models.Index(fields=["enabled", "next_poll_at"], name="source_due"),
        ]

    def __str__(self) -> str:
        return f"{self.provider.slug}: {self.get_kind_display()} {self.url}"

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
        return LABELS[Status(self.observed_status)]

    def clean(self) -> None:
        from probes.verdicts import parse_expected_statuses

        super().clean()
        errors: dict[str, str] = {}
        # The admin form and full_clean refuse URLs the outbound seam would never fetch
        # (private addresses, odd schemes and ports), with the reason in words.
        if self.url:
            problem = outbound_url_problem(self.url, resolve=True)
            if problem:
                errors["url"] = f"This URL cannot be polled: {problem}."
        problem = filters_problem(self.kind, self.filters)
        if problem:
            errors["filters"] = f"{problem[0].upper()}{problem[1:]}."
        if self.kind == self.Kind.HTTP_PROBE:
            try:
                parse_expected_statuses(self.expected_statuses)
            except ValueError as error:
                errors["expected_statuses"] = str(error)
        if self.kind == self.Kind.INFERENCE:
            if not self.api_shape:
                errors["api_shape"] = "Choose the API shape of an inference probe."
            if not self.model:
                errors["model"] = "Name the model an inference probe asks, e.g. gpt-4o-mini."
        if errors:
            raise ValidationError(errors)


class Component(models.Model):
    """A part of a provider's service as its status page lists it (ChatGPT, API, Sora...)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="components")
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="components"
    )
    # The page's own id: components are matched by it, never by name (names change).
    external_id = models.CharField(max_length=200)
    name = models.CharField(max_length=500)
    group = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    is_group = models.BooleanField(default=False)
    position = models.IntegerField(default=0)
    description = models.TextField(blank=True)
    status = StatusField()
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # False once the page stops listing it; kept for history.
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="component_unique_external_id"
            )
        ]
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def status_label(self) -> str:
        return LABELS[Status(self.status)]


class StatusChange(models.Model):
    """One transition of a component (or, with no component, of a provider as a whole).

    The audit trail, and the input uptime is computed from.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="status_changes")
    component = models.ForeignKey(
        Component,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
    )
    old_status = StatusField()
    new_status = StatusField()
    at = models.DateTimeField()

    class Meta:
        indexes = [
            # Uptime and timelines read one provider's (or component's) changes in time order.
            models.Index(fields=["provider", "component", "at"], name="statuschange_timeline"),
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        subject = self.component or self.provider
        return f"{subject}: {self.old_status} → {self.new_status} at {self.at:%Y-%m-%d %H:%M}"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.filter(resolved_at__isnull=True).exclude(
            status__in=[status.value for status in CLOSED_INCIDENT_STATUSES]
        )

    def overlapping(self, start: datetime, end: datetime) -> IncidentQuerySet:
        return self.filter(started_at__lt=end).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gt=start)
        )


class Incident(models.Model):
    """An incident or maintenance as the provider reported it (or as our archive records it)."""

    class Provenance(models.TextChoices):
        LIVE = "live", "Live poll"
        BACKFILL = "backfill", "Backfill"
        ARCHIVE = "archive", "Archive"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="incidents")
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    external_id = models.CharField(max_length=200, help_text="The provider's own incident id.")
    # Other ids the provider uses for the same incident, e.g. a Statuspage id kept by incident.io.
    aliases = models.JSONField(default=list, blank=True)
    title = models.CharField(max_length=1000)
    impact = models.CharField(
        max_length=16, choices=[(i.value, i.value.title()) for i in Impact], default=Impact.NONE
    )
    status = models.CharField(
        max_length=16,
        choices=[(s.value, s.value.replace("_", " ").title()) for s in IncidentStatus],
    )
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    is_maintenance = models.BooleanField(default=False)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    scheduled_until = models.DateTimeField(null=True, blank=True)
    components = models.ManyToManyField(Component, blank=True, related_name="incidents")
    provenance = models.CharField(
        max_length=16, choices=Provenance.choices, default=Provenance.LIVE
    )
    # Curated by the archive (probes/archive.py); live polls and backfills never overwrite them.
    postmortem_url = models.URLField(max_length=2000, blank=True)
    root_cause = models.TextField(blank=True, help_text="In our own words.")
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text="Structured extras: affected products, per-product recoveries (each with its "
        "source, kept side by side where sources disagree), source links, whether times are "
        "verified, and component impacts a history source reported.",
    )
    upstream_incidents = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="downstream_incidents",
        help_text="Incidents of an upstream provider (a cloud) that caused or overlapped this one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="incident_unique_external_id"
            )
        ]
        indexes = [
            # Provider pages and the history timeline read incidents by start time.
            models.Index(fields=["provider", "-started_at"], name="incident_provider_started"),
            models.Index(fields=["started_at"], name="incident_started"),
            # The overview asks for open incidents.
            models.Index(fields=["resolved_at"], name="incident_resolved"),
        ]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and self.status not in CLOSED_INCIDENT_STATUSES

    @property
    def duration(self) -> timedelta | None:
        if self.resolved_at is None:
            return None
        return self.resolved_at - self.started_at

    @property
    def impact_status(self) -> Status:
        return Impact(self.impact).as_status()


class IncidentUpdate(models.Model):
    """One post on an incident's timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    # Stable across polls: the source's update id, or a digest of its time, status and text.
    key = models.CharField(max_length=200)
    status = models.CharField(max_length=16)
    body = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="update_unique_key")
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident}: {self.status} at {self.at:%Y-%m-%d %H:%M}"


class UptimeDay(models.Model):
    """One UTC day of one component (or, with no component, of a provider as a whole).

    A rollup kept up to date as changes arrive (probes/rollups.py); pages read these rows and
    never the raw StatusChange history. The rules live in probes/uptime.py.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="uptime_days")
    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, null=True, blank=True, related_name="uptime_days"
    )
    day = models.DateField(help_text="A UTC day.")
    # Seconds with a known, non-maintenance status: the denominator.
    observed_seconds = models.PositiveIntegerField(default=0)
    # Weighted downtime: major outage counts in full, partial outage at PARTIAL_OUTAGE_WEIGHT.
    down_seconds = models.FloatField(default=0.0)
    major_seconds = models.PositiveIntegerField(default=0)
    partial_seconds = models.PositiveIntegerField(default=0)
    degraded_seconds = models.PositiveIntegerField(default=0)
    maintenance_seconds = models.PositiveIntegerField(default=0)
    # The row covers the day up to here; readers carry `tail_status` on to the present.
    computed_until = models.DateTimeField()
    tail_status = models.CharField(max_length=24, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "day"],
                condition=Q(component__isnull=True),
                name="uptimeday_unique_provider_day",
            ),
            models.UniqueConstraint(
                fields=["component", "day"],
                condition=Q(component__isnull=False),
                name="uptimeday_unique_component_day",
            ),
        ]
        indexes = [
            # Provider pages and the uptime API read one provider's days in a window.
            models.Index(fields=["provider", "day"], name="uptimeday_provider_day"),
        ]
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.component or self.provider}: {self.day}"


class ProbeResult(models.Model):
    """One run of one probe: what answered, how fast, and how it failed if it did.

    Raw rows are kept AIWATCH_PROBE_RETENTION_DAYS; ProbeRollup keeps the aggregates for longer.
    """

    class Verdict(models.TextChoices):
        UP = "up", "Up"
        DOWN = "down", "Down"
        # The probe could not tell (our quota, our key, our request): it moves no status.
        INCONCLUSIVE = "inconclusive", "Inconclusive"

    class ErrorClass(models.TextChoices):
        NONE = "", "None"
        TIMEOUT = "timeout", "Timeout"
        DNS = "dns", "DNS lookup failed"
        TLS = "tls", "TLS failed"
        REFUSED = "refused", "Connection refused"
        CONNECTION = "connection", "Connection failed"
        SERVER_ERROR = "http_5xx", "Server error (5xx)"
        OVERLOADED = "overloaded", "Provider overloaded (503/529)"
        RATE_LIMITED = "rate_limited", "Rate limited (429: our quota)"
        UNEXPECTED_STATUS = "unexpected_status", "Unexpected status code"
        MALFORMED = "malformed", "Malformed answer"
        AUTH = "auth", "Key refused (401/403)"
        BAD_REQUEST = "bad_request", "Request refused (4xx)"
        NO_KEY = "no_key", "API key variable not set"
        BLOCKED = "blocked", "Address not allowed"
        TOO_LARGE = "too_large", "Answer too large"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="probe_results")
    # Denormalised from source so provider pages read one index.
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="probe_results")
    at = models.DateTimeField()
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    error_class = models.CharField(max_length=24, choices=ErrorClass.choices, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # Total time to the whole answer; None when no answer came (timeouts, refused...).
    latency_ms = models.FloatField(null=True, blank=True)
    # Streaming inference probes: time to the first token.
    ttft_ms = models.FloatField(null=True, blank=True)
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            # Observed status (baseline p95) and rollups read one probe's results in time order.
            models.Index(fields=["source", "at"], name="proberesult_source_at"),
            # Provider pages; the retention task deletes by time.
            models.Index(fields=["provider", "at"], name="proberesult_provider_at"),
            models.Index(fields=["at"], name="proberesult_at"),
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.source_id} at {self.at:%Y-%m-%d %H:%M:%S}: {self.verdict} {self.error_class}"


class ProbeRollup(models.Model):
    """Hourly or daily aggregates of one probe's results, recomputed exactly from raw rows."""

    class Period(models.TextChoices):
        HOUR = "hour", "Hour"
        DAY = "day", "Day"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="probe_rollups")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="probe_rollups")
    period = models.CharField(max_length=8, choices=Period.choices)
    start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    # Over the results that got an answer; None when none did.
    p50_ms = models.FloatField(null=True, blank=True)
    p95_ms = models.FloatField(null=True, blank=True)
    max_ms = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "period", "start"], name="proberollup_unique_bucket"
            )
        ]
        indexes = [
            # Latency charts read one provider's buckets of one period in time order.
            models.Index(fields=["provider", "period", "start"], name="proberollup_provider"),
        ]
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return f"{self.source_id} {self.period} {self.start:%Y-%m-%d %H:%M}: {self.count}"


class ObservedTransition(models.Model):
    """One confirmed change of observed status: of one probe, or (source None) of a provider.

    Written once per transition by probes.observed; the input to detection lead and silent
    outages.
    """

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="observed_transitions"
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="observed_transitions",
    )
    old_status = StatusField()
    new_status = StatusField()
    # When it was confirmed, and when the first result of the confirming streak came in.
    at = models.DateTimeField()
    since = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["provider", "source", "at"], name="observed_timeline"),
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        subject = self.source_id or self.provider
        return f"{subject}: {self.old_status} → {self.new_status} at {self.at:%Y-%m-%d %H:%M}"


class TeamReport(models.Model):
    """Someone on the team pressed "I'm affected" for a provider."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="team_reports")
    at = models.DateTimeField()
    note = models.CharField(max_length=280, blank=True)
    # Keyed digests, never the raw session id or address: enough to rate-limit, nothing more.
    person = models.CharField(max_length=64, editable=False)
    network = models.CharField(max_length=64, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["provider", "at"], name="teamreport_provider_at"),
            models.Index(fields=["person", "at"], name="teamreport_person_at"),
            models.Index(fields=["network", "at"], name="teamreport_network_at"),
        ]
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider}: report at {self.at:%Y-%m-%d %H:%M}"
