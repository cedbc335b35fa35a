"""Admin: channels (with a test message), plan B per provider, and the notification log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from alerts.events import SUBSCRIBABLE, EventType
from alerts.models import Channel, Delivery, Event, Playbook
from alerts.outbox import create_test_event
from alerts.playbooks import render_markdown
from alerts.wakeup import wake_delivery_worker
from probes.admin_actions import already_so, set_enabled
from probes.admin_forms import PickListField
from probes.models import Component


def component_name_choices(provider_ids: list[int]) -> list[tuple[str, str]]:
    """Every component name the providers' last polls recorded (all providers when none are
    named), each with the providers that have it: a channel matches components by name."""
    rows = Component.objects.filter(is_active=True)
    if provider_ids:
        rows = rows.filter(provider_id__in=provider_ids)
    by_name: dict[str, list[str]] = {}
    for name, provider in rows.order_by("name", "provider__name").values_list(
        "name", "provider__name"
    ):
        providers = by_name.setdefault(name, [])
        if provider not in providers:
            providers.append(provider)
    return [(name, f"{name} — {', '.join(providers)}") for name, providers in by_name.items()]


class ChannelForm(forms.ModelForm):  # type: ignore[type-arg]
    """Events as checkboxes, components picked by name; both stored as the JSON lists the
    catalog writes."""

    events = forms.MultipleChoiceField(
        label=capfirst(_("events")),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(value, EventType(value).label) for value in SUBSCRIBABLE],
        help_text=_("The events to send. None ticked: all of them."),
    )
    components = PickListField(
        label=capfirst(_("components")),
        required=False,
        other_label=_("Other component names or ids, one per line"),
        help_text=_(
            "Only events touching these components. None: all. The names come from the last "
            "polls of the providers chosen below (of every provider when none is)."
        ),
    )

    class Meta:
        model = Channel
        # Every field: the admin chooses which to show, and a field added to the model later
        # must not vanish from its form.
        fields = "__all__"  # noqa: DJ007

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provider_ids = (
            list(self.instance.providers.values_list("pk", flat=True)) if (self.instance.pk) else []
        )
        field = self.fields["components"]
        assert isinstance(field, PickListField)
        field.choices = component_name_choices(provider_ids)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = [
        "name",
        "kind",
        "enabled",
        "min_severity",
        "provider_scope",
        "repeat_minutes",
        "from_catalog",
    ]
    list_filter = ["kind", "enabled", "from_catalog"]
    search_fields = ["name", "url"]
    filter_horizontal = ["providers", "features"]
    readonly_fields = ["from_catalog", "created_at", "updated_at"]
    # The team's channels; people manage their own on /me/.
    exclude = ["owner", "quiet_from", "quiet_until", "time_zone"]
    actions = ["send_test_message", "enable_selected", "disable_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Channel]:
        return (
            super()
            .get_queryset(request)
            .filter(owner__isnull=True)
            .prefetch_related("providers", "features")
        )

    @admin.display(description=_("Providers"))
    def provider_scope(self, channel: Channel) -> str:
        names = [provider.name for provider in channel.providers.all()]
        names += [
            gettext("feature %(name)s") % {"name": feature.name}
            for feature in channel.features.all()
        ]
        return ", ".join(names) if names else gettext("All")

    @admin.action(description=_("Send a test message now"))
    def send_test_message(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        # Queued, not sent here: a channel's requests are made by a worker, never by the web
        # process, and the answer reaches the staff user only as the notification log's result.
        channels = list(queryset)
        create_test_event(channels, at=timezone.now())
        wake_delivery_worker()
        names = ", ".join(str(channel) for channel in channels)
        self.message_user(
            request,
            gettext(
                "Test message queued for %(channels)s; a worker sends it within seconds. The "
                "notification log shows whether it was sent, and why not."
            )
            % {"channels": names},
            messages.SUCCESS,
        )

    @admin.action(description=_("Enable the selected channels"), permissions=["change"])
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        changed, unchanged = set_enabled(self, request, queryset, True)
        text = ngettext("Enabled %(count)d channel.", "Enabled %(count)d channels.", changed)
        self.message_user(request, text % {"count": changed} + already_so(unchanged))

    @admin.action(description=_("Disable the selected channels"), permissions=["change"])
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        changed, unchanged = set_enabled(self, request, queryset, False)
        text = ngettext("Disabled %(count)d channel.", "Disabled %(count)d channels.", changed)
        self.message_user(request, text % {"count": changed} + already_so(unchanged))


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    list_display = ["provider", "updated_at"]
    search_fields = ["provider__name", "body"]
    readonly_fields = ["preview", "updated_at"]
    autocomplete_fields = ["provider"]

    @admin.display(description=_("Preview (as shown on the provider page)"))
    def preview(self, playbook: Playbook) -> str:
        return render_markdown(playbook.body) if playbook.body else "—"


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "state", "attempts", "sent_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["at", "title", "type", "provider", "severity", "is_followup"]
    list_filter = ["type", "severity", "provider"]
    list_select_related = ["provider"]
    date_hierarchy = "at"
    inlines = [DeliveryInline]
    readonly_fields = [field.name for field in Event._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Title"))
    def title(self, event: Event) -> str:
        return str(event.payload.get("title", ""))

    @admin.display(description=_("Update"), boolean=True)
    def is_followup(self, event: Event) -> bool:
        return event.is_followup


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The notification log: what was sent where, when, with what result, after how many tries."""

    list_display = [
        "created_at",
        "event_title",
        "channel",
        "state_badge",
        "attempts",
        "sent_at",
        "last_attempt_at",
        "short_error",
    ]
    list_filter = ["state", "channel", "event__type"]
    list_select_related = ["event", "channel"]
    search_fields = ["last_error", "channel__name"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Delivery._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("Event"))
    def event_title(self, item: Delivery) -> str:
        return str(item.event.payload.get("title", item.event.type))

    @admin.display(description=_("Result"), ordering="state")
    def state_badge(self, item: Delivery) -> str:
        icons = {"sent": "✔", "failed": "✖", "pending": "…", "sending": "↻"}
        return format_html("{} {}", icons.get(item.state, ""), item.get_state_display())

    @admin.display(description=_("Error"))
    def short_error(self, item: Delivery) -> str:
        return item.last_error[:120]

    @admin.action(description=_("Retry now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = queryset.exclude(state__in=[Delivery.State.SENT, Delivery.State.SENDING]).update(
            state=Delivery.State.PENDING, next_attempt_at=timezone.now()
        )
        if count:
            wake_delivery_worker()
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            response.context_data["delivery_counters"] = delivery_counters()
        return response


def delivery_counters() -> list[dict[str, Any]]:
    """Sent / failed / waiting deliveries, in the last 24 hours and in all."""
    since = timezone.now() - timedelta(hours=24)
    rows = []
    for label, queryset in (
        (gettext("Last 24 hours"), Delivery.objects.filter(created_at__gte=since)),
        (gettext("All time"), Delivery.objects.all()),
    ):
        counts = queryset.aggregate(
            sent=Count("pk", filter=Q(state=Delivery.State.SENT)),
            failed=Count("pk", filter=Q(state=Delivery.State.FAILED)),
            waiting=Count(
                "pk", filter=Q(state__in=[Delivery.State.PENDING, Delivery.State.SENDING])
            ),
            retried=Count("pk", filter=Q(attempts__gt=1)),
        )
        rows.append({"label": label, **counts})
    return rows
