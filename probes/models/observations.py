"""What our own eyes recorded: probe results and rollups, observed transitions, team reports."""

from __future__ import annotations

from django.db import models

from probes.models.fields import StatusField


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

    source = models.ForeignKey(
        "probes.Source", on_delete=models.CASCADE, related_name="probe_results"
    )
    # Denormalised from source so provider pages read one index.
    provider = models.ForeignKey(
        "probes.Provider", on_delete=models.CASCADE, related_name="probe_results"
    )
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

    source = models.ForeignKey(
        "probes.Source", on_delete=models.CASCADE, related_name="probe_rollups"
    )
    provider = models.ForeignKey(
        "probes.Provider", on_delete=models.CASCADE, related_name="probe_rollups"
    )
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

    Written once per transition by probes.observe.observed; the input to detection lead and silent
    outages.
    """

    provider = models.ForeignKey(
        "probes.Provider", on_delete=models.CASCADE, related_name="observed_transitions"
    )
    source = models.ForeignKey(
        "probes.Source",
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

    provider = models.ForeignKey(
        "probes.Provider", on_delete=models.CASCADE, related_name="team_reports"
    )
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
