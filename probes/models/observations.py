"""What our own eyes recorded: probe results and rollups, observed transitions, team reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from probes.models.fields import StatusField


class ProbeResult(models.Model):
    """One run of one probe: what answered, how fast, and how it failed if it did.

    Raw rows are kept AIWATCH_PROBE_RETENTION_DAYS; ProbeRollup keeps the aggregates for longer.
    """

    class Verdict(models.TextChoices):
        UP = "up", _("Up")
        DOWN = "down", _("Down")
        # The probe could not tell (our quota, our key, our request): it moves no status.
        INCONCLUSIVE = "inconclusive", _("Inconclusive")

    class ErrorClass(models.TextChoices):
        NONE = "", _("None")
        TIMEOUT = "timeout", _("Timeout")
        DNS = "dns", _("DNS lookup failed")
        TLS = "tls", _("TLS failed")
        REFUSED = "refused", _("Connection refused")
        CONNECTION = "connection", _("Connection failed")
        SERVER_ERROR = "http_5xx", _("Server error (5xx)")
        OVERLOADED = "overloaded", _("Provider overloaded (503/529)")
        RATE_LIMITED = "rate_limited", _("Rate limited (429: our quota)")
        UNEXPECTED_STATUS = "unexpected_status", _("Unexpected status code")
        MALFORMED = "malformed", _("Malformed answer")
        AUTH = "auth", _("Key refused (401/403)")
        BAD_REQUEST = "bad_request", _("Request refused (4xx)")
        NO_KEY = "no_key", _("API key variable not set")
        BLOCKED = "blocked", _("Address not allowed")
        TOO_LARGE = "too_large", _("Answer too large")

    source = models.ForeignKey(
        "probes.Source",
        on_delete=models.CASCADE,
        related_name="probe_results",
        verbose_name=_("source"),
    )
    # Denormalised from source so provider pages read one index.
    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="probe_results",
        verbose_name=_("provider"),
    )
    at = models.DateTimeField(verbose_name=_("at"))
    verdict = models.CharField(max_length=16, choices=Verdict.choices, verbose_name=_("verdict"))
    error_class = models.CharField(
        max_length=24, choices=ErrorClass.choices, blank=True, verbose_name=_("error class")
    )
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("status code")
    )
    # Total time to the whole answer; None when no answer came (timeouts, refused...).
    latency_ms = models.FloatField(null=True, blank=True, verbose_name=_("latency ms"))
    # Streaming inference probes: time to the first token.
    ttft_ms = models.FloatField(null=True, blank=True, verbose_name=_("ttft ms"))
    input_tokens = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("input tokens")
    )
    output_tokens = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("output tokens")
    )
    message = models.CharField(max_length=500, blank=True, verbose_name=_("message"))

    class Meta:
        verbose_name = _("probe result")
        verbose_name_plural = _("probe results")
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
        HOUR = "hour", _("Hour")
        DAY = "day", _("Day")

    source = models.ForeignKey(
        "probes.Source",
        on_delete=models.CASCADE,
        related_name="probe_rollups",
        verbose_name=_("source"),
    )
    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="probe_rollups",
        verbose_name=_("provider"),
    )
    period = models.CharField(max_length=8, choices=Period.choices, verbose_name=_("period"))
    start = models.DateTimeField(verbose_name=_("start"))
    count = models.PositiveIntegerField(default=0, verbose_name=_("count"))
    failures = models.PositiveIntegerField(default=0, verbose_name=_("failures"))
    # Over the results that got an answer; None when none did.
    p50_ms = models.FloatField(null=True, blank=True, verbose_name=_("p50 ms"))
    p95_ms = models.FloatField(null=True, blank=True, verbose_name=_("p95 ms"))
    max_ms = models.FloatField(null=True, blank=True, verbose_name=_("max ms"))

    class Meta:
        verbose_name = _("probe rollup")
        verbose_name_plural = _("probe rollups")
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

    Written once per transition by probes.observe.observed; the input to detection lead and silent
    outages.
    """

    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="observed_transitions",
        verbose_name=_("provider"),
    )
    source = models.ForeignKey(
        "probes.Source",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="observed_transitions",
        verbose_name=_("source"),
    )
    old_status = StatusField(verbose_name=_("old status"))
    new_status = StatusField(verbose_name=_("new status"))
    # When it was confirmed, and when the first result of the confirming streak came in.
    at = models.DateTimeField(verbose_name=_("at"))
    since = models.DateTimeField(null=True, blank=True, verbose_name=_("since"))

    class Meta:
        verbose_name = _("observed transition")
        verbose_name_plural = _("observed transitions")
        indexes = [
            models.Index(fields=["provider", "source", "at"], name="observed_timeline"),
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        subject = self.source_id or self.provider
        return f"{subject}: {self.old_status} → {self.new_status} at {self.at:%Y-%m-%d %H:%M}"


class TeamReport(models.Model):
    """Someone on the team pressed "I'm affected" for a provider."""

    provider = models.ForeignKey(
        "probes.Provider",
        on_delete=models.CASCADE,
        related_name="team_reports",
        verbose_name=_("provider"),
    )
    at = models.DateTimeField(verbose_name=_("at"))
    note = models.CharField(max_length=280, blank=True, verbose_name=_("note"))
    # Keyed digests, never the raw user id or address: enough to rate-limit, nothing more.
    person = models.CharField(max_length=64, editable=False, verbose_name=_("person"))
    network = models.CharField(max_length=64, editable=False, verbose_name=_("network"))
    # A signed-in teammate: their name shows to other signed-in users. None: anonymous.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_reports",
        verbose_name=_("user"),
    )
    # What the report counts for in the burst rule (anonymous ones weigh less), as it was then.
    weight = models.FloatField(default=1.0, editable=False, verbose_name=_("weight"))
    # The alert whose "affected too?" link recorded it (its event uuid): a replayed link finds
    # this row and counts nothing more.
    via_alert = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("via alert")
    )

    class Meta:
        verbose_name = _("team report")
        verbose_name_plural = _("team reports")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "via_alert"],
                condition=~models.Q(via_alert=""),
                name="teamreport_once_per_alert_link",
            )
        ]
        indexes = [
            models.Index(fields=["provider", "at"], name="teamreport_provider_at"),
            models.Index(fields=["person", "at"], name="teamreport_person_at"),
            models.Index(fields=["network", "at"], name="teamreport_network_at"),
        ]
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider}: report at {self.at:%Y-%m-%d %H:%M}"
