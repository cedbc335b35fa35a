"""Alerts: where messages go (Channel), what happened (Event), each send (Delivery), plan B."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alerts import transports
from alerts.events import MIN_SEVERITY_CHOICES, SUBSCRIBABLE, EventType, parse_severity
from probes import outbound
from probes.models import Provider
from probes.parsers.types import LABELS, Status


def default_language() -> str:
    """The site's language (AIWATCH_LANGUAGE), for a channel that names none."""
    return settings.LANGUAGE_CODE


class Channel(models.Model):
    """One place alerts go: an Apprise URL (Slack, Teams, email...) or a signed JSON webhook."""

    class Kind(models.TextChoices):
        APPRISE = "apprise", _("Apprise URL (Slack, Teams, Discord, email, ntfy, json://...)")
        WEBHOOK = "webhook", _("JSON webhook signed with HMAC-SHA256")
        EMAIL = "email", _("E-mail address (sent by this server's mail settings)")

    PERSONAL_KINDS = (Kind.EMAIL, Kind.APPRISE)

    name = models.CharField(
        max_length=100,
        unique=True,
        help_text=_("Unique, e.g. team-slack. The catalog syncs by it."),
        verbose_name=_("name"),
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.APPRISE, verbose_name=_("kind")
    )
    url = models.CharField(
        _("URL"),
        max_length=2000,
        help_text=(
            _(
                "Apprise URL, e.g. slack://${AIWATCH_SECRET_SLACK_TOKEN}/#ops or "
                "ntfy://ntfy.sh/aiwatch; for a webhook, https://hooks.example.com/aiwatch. "
                "${VAR} is read from the environment when a message is sent, so secrets stay out "
                "of the database; only variables named AIWATCH_SECRET_... (or listed in "
                "AIWATCH_SECRET_ENV_ALLOW) are read."
            )
        ),
    )
    secret_env = models.CharField(
        _("signing secret variable"),
        max_length=100,
        blank=True,
        help_text=_(
            "Webhooks: the environment variable holding the HMAC key, e.g. "
            "AIWATCH_SECRET_HOOK_KEY (named AIWATCH_SECRET_..., or listed in "
            "AIWATCH_SECRET_ENV_ALLOW)."
        ),
    )
    providers = models.ManyToManyField(
        Provider,
        blank=True,
        related_name="alert_channels",
        help_text=_("Only these providers. None selected: every provider."),
        verbose_name=_("providers"),
    )
    features = models.ManyToManyField(
        "probes.Feature",
        blank=True,
        related_name="alert_channels",
        help_text=_(
            "Also every event that hits one of these features of ours, whatever provider it is "
            "about. With features selected and no provider: only those events."
        ),
        verbose_name=_("features"),
    )
    components = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'Only events touching these components (names or ids), e.g. ["API"]. Empty: all.'
        ),
        verbose_name=_("components"),
    )
    min_severity = models.CharField(
        max_length=24,
        choices=MIN_SEVERITY_CHOICES,
        default=Status.OPERATIONAL.value,
        help_text=_("Skip events milder than this. Recoveries count as bad as what they end."),
        verbose_name=_("min severity"),
    )
    events = models.JSONField(
        default=list,
        blank=True,
        help_text=format_lazy(
            _('Event types to send, e.g. ["status_changed", "incident_opened"]. Empty: all of {}.'),
            ", ".join(SUBSCRIBABLE),
        ),
        verbose_name=_("events"),
    )
    repeat_minutes = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text=_("Remind every N minutes while a provider stays down, e.g. 60. 0: never."),
        verbose_name=_("repeat minutes"),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=default_language,
        help_text=_("The language its messages are written in. Provider-written text stays as is."),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    drills = models.BooleanField(
        default=False,
        help_text=_("Plan-B drills send their [DRILL] alerts here (only here)."),
        verbose_name=_("drills"),
    )
    from_catalog = models.BooleanField(
        default=False,
        editable=False,
        help_text=_("Declared in the catalog file; sync updates it."),
        verbose_name=_("from catalog"),
    )
    # A person's own channel: only their subscriptions send to it, and its URL never reads the
    # server's secrets. Null for the team's channels, which the admin manages.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_channels",
        verbose_name=_("owner"),
    )
    quiet_from = models.TimeField(
        null=True, blank=True, help_text=_("e.g. 22:00"), verbose_name=_("quiet from")
    )
    quiet_until = models.TimeField(
        null=True, blank=True, help_text=_("e.g. 07:00"), verbose_name=_("quiet until")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("The zone quiet hours are read in, e.g. Europe/Paris. Empty: UTC."),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not isinstance(self.components, list) or not all(
            isinstance(item, str) for item in self.components
        ):
            errors["components"] = "A list of component names or ids."
        if not isinstance(self.events, list) or not all(
            item in SUBSCRIBABLE for item in self.events
        ):
            unknown = (
                sorted(str(item) for item in self.events if item not in SUBSCRIBABLE)
                if isinstance(self.events, list)
                else []
            )
            errors["events"] = f"A list drawn from: {', '.join(SUBSCRIBABLE)}" + (
                f" (unknown events: {', '.join(unknown)})." if unknown else "."
            )
        # The signing key is used on every message sent to an address an editor chooses: the
        # same rule as ${VAR} in URLs, so no channel can sign with the server's own secrets.
        problem = outbound.secret_name_problem(self.secret_env) if self.secret_env else None
        if problem:
            errors["secret_env"] = f"{problem[0].upper()}{problem[1:]}."
        if self.owner_id is not None:
            errors.update(self._personal_problems())
        problem = errors.get("url") or transports.check_url(self.kind, self.url)
        if problem:
            errors["url"] = problem
        if (self.quiet_from is None) != (self.quiet_until is None):
            errors["quiet_until"] = gettext("Quiet hours need both a start and an end.")
        if errors:
            raise ValidationError(errors)

    def _personal_problems(self) -> dict[str, str]:
        """What a person's own channel may not do: read the server's secrets, sign webhooks."""
        if self.kind not in self.PERSONAL_KINDS:
            return {"kind": gettext("A personal channel is an e-mail address or an Apprise URL.")}
        if transports.placeholders(self.url) or "${" in self.url:
            return {
                "url": gettext(
                    "A personal channel cannot read the server's environment: write the URL "
                    "in full, without ${...}."
                )
            }
        return {}

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None

    @property
    def min_status(self) -> Status:
        return parse_severity(self.min_severity)


class EventQuerySet(models.QuerySet["Event"]):
    def open_threads(self) -> EventQuerySet:
        """First events of threads that have not ended: a provider still in trouble."""
        return self.filter(root__isnull=True, thread_closed_at__isnull=True)


class Event(models.Model):
    """Something that happened to a provider, written in the transaction that recorded it.

    The outbox: the payload is a snapshot taken then, so a retry sends the very same message.
    Follow-ups point at the first event of their thread (`root`).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_events",
        verbose_name=_("provider"),
    )
    type = models.CharField(max_length=32, choices=EventType.choices, verbose_name=_("type"))
    # Every type this event covers (a status change and the incident that came with it...).
    types = models.JSONField(default=list, verbose_name=_("types"))
    severity = models.CharField(
        max_length=24, choices=[(s.value, LABELS[s]) for s in Status], verbose_name=_("severity")
    )
    at = models.DateTimeField(verbose_name=_("at"))
    root = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("root"),
    )
    # On a thread's first event: when the provider was fine again. Null while the thread is open.
    thread_closed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("thread closed at")
    )
    closes_thread = models.BooleanField(default=False, verbose_name=_("closes thread"))
    # Makes events that a timer creates (reminders) happen once.
    dedupe_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, verbose_name=_("dedupe key")
    )
    payload = models.JSONField(default=dict, verbose_name=_("payload"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-at", "-pk"]
        indexes = [
            # outbox.open_thread: a provider's latest unfinished thread.
            models.Index(fields=["provider", "thread_closed_at"], name="event_provider_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.payload.get('title', '')}"

    @property
    def is_followup(self) -> bool:
        return self.root_id is not None

    @property
    def thread_uuid(self) -> str:
        return str(self.root.uuid if self.root_id and self.root else self.uuid)


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def claimable(self, now: Any) -> DeliveryQuerySet:
        """Due pending deliveries, and claims whose worker died (its lease ran out)."""
        return self.filter(
            models.Q(state=Delivery.State.PENDING, next_attempt_at__lte=now)
            | models.Q(state=Delivery.State.SENDING, claimed_until__lt=now)
        )


class Delivery(models.Model):
    """One event to one channel: the notification log, and the unit of retry.

    Unique per (event, channel): that pair is the delivery key receivers can dedupe on.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("channel")
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING, verbose_name=_("state")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt at"))
    # A worker's claim: until then no other worker takes it. A claim that outlives its lease
    # belongs to a worker that died, and is taken again.
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    claimed_by = models.CharField(max_length=32, blank=True, verbose_name=_("claimed by"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    last_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last attempt at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    response_code = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("response code")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="delivery_unique_key"),
        ]
        indexes = [
            # delivery.claim_due: pending rows by due time, and expired claims.
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.channel}"

    @property
    def key(self) -> str:
        """The idempotency key sent with every attempt: the same on a retry."""
        return f"{self.event.uuid}:{self.channel_id}"


class Playbook(models.Model):
    """A provider's plan B, in Markdown: what to switch to, which templates, whom to tell."""

    provider = models.OneToOneField(
        Provider, on_delete=models.CASCADE, related_name="playbook", verbose_name=_("provider")
    )
    body = models.TextField(
        help_text=_(
            "Markdown, e.g. '1. Switch the support bot to Claude (template: fallback.txt)'."
            " Links and lists are kept; scripts and raw HTML are removed."
        ),
        verbose_name=_("body"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        return gettext("Plan B for %(provider)s") % {"provider": self.provider}


class PersonalSubscription(models.Model):
    """What one person wants to hear about, through one of their own channels.

    Providers and features (a feature stands for the providers it depends on) narrow it; none
    chosen means every provider. `events` are the person-sized words of PERSONAL_EVENTS
    (outage, recovery, updates, maintenance, report_burst); empty means all of them.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
        verbose_name=_("owner"),
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.CASCADE,
        related_name="personal_subscriptions",
        verbose_name=_("channel"),
    )
    providers = models.ManyToManyField(
        Provider, blank=True, related_name="personal_subscriptions", verbose_name=_("providers")
    )
    features = models.ManyToManyField(
        "probes.Feature",
        blank=True,
        related_name="personal_subscriptions",
        verbose_name=_("features"),
    )
    components = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Only these components (names), e.g. ["API"]. Empty: all.'),
        verbose_name=_("components"),
    )
    events = models.JSONField(default=list, blank=True, verbose_name=_("events"))
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("personal subscription")
        verbose_name_plural = _("personal subscriptions")
        ordering = ["owner", "pk"]

    def __str__(self) -> str:
        return f"{self.owner} → {self.channel}"

    def clean(self) -> None:
        from alerts.subscriptions import PERSONAL_EVENTS

        errors: dict[str, str] = {}
        if self.channel_id and self.channel.owner_id != self.owner_id:
            errors["channel"] = gettext("Pick one of your own channels.")
        if not isinstance(self.events, list) or any(
            item not in PERSONAL_EVENTS for item in self.events
        ):
            errors["events"] = gettext("Events are drawn from: %(events)s.") % {
                "events": ", ".join(PERSONAL_EVENTS)
            }
        if not isinstance(self.components, list) or not all(
            isinstance(item, str) for item in self.components
        ):
            errors["components"] = gettext("A list of component names.")
        if errors:
            raise ValidationError(errors)
