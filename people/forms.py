"""The forms of a person's page: their preferences, their channels, their subscriptions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from alerts.models import Channel, PersonalSubscription
from alerts.subscriptions import PERSONAL_EVENTS
from dashboard import timezones
from people.models import Profile
from probes.models import Feature, Provider

PERSONAL_EVENT_LABELS = {
    "outage": _("Outage"),
    "recovery": _("Recovery"),
    "updates": _("Updates on an open incident"),
    "maintenance": _("Maintenance"),
    "report_burst": _("Burst of team reports"),
}


class ProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As my browser says")), *settings.LANGUAGES],
    )

    class Meta:
        model = Profile
        fields = ["language", "time_zone"]
        labels = {"time_zone": _("Time zone")}
        widgets = {"time_zone": forms.TextInput(attrs={"list": "zones", "autocomplete": "off"})}

    @property
    def zone_names(self) -> list[str]:
        return [zone for _region, zones in timezones.all_zones_by_region() for zone in zones]

    def clean_time_zone(self) -> str:
        name = str(self.cleaned_data.get("time_zone") or "").strip()
        if name and timezones.zone_from_name(name) is None:
            raise forms.ValidationError(_("Not a time zone name; e.g. Europe/Paris or UTC."))
        return name


class ChannelForm(forms.ModelForm):  # type: ignore[type-arg]
    """A channel of the person's own: an e-mail address or an Apprise URL, with quiet hours."""

    label = forms.CharField(
        label=_("Name"), max_length=60, help_text=_("For you, e.g. phone or work e-mail.")
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Channel.Kind.EMAIL, _("E-mail address")),
            (Channel.Kind.APPRISE, _("Apprise URL (ntfy, Slack, Telegram, Matrix...)")),
        ],
    )

    class Meta:
        model = Channel
        fields = ["kind", "url", "quiet_from", "quiet_until"]
        labels = {
            "url": _("Address or URL"),
            "quiet_from": _("Quiet from"),
            "quiet_until": _("Quiet until"),
        }
        help_texts = {
            "url": _("e.g. ada@example.com, or ntfys://ntfy.sh/my-topic"),
            "quiet_from": _("e.g. 22:00; messages wait until quiet hours end"),
            "quiet_until": _("e.g. 07:00"),
        }
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, owner: Any, profile: Profile, language: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.instance.owner = owner
        self.instance.time_zone = profile.time_zone
        self.instance.language = profile.language or language
        self.instance.enabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        label = str(data.get("label") or "").strip()
        self.instance.name = f"{self.instance.owner.get_username()}: {label}"[:100]
        if Channel.objects.filter(name=self.instance.name).exists():
            self.add_error("label", _("You already have a channel with this name."))
        return data


class SubscriptionForm(forms.ModelForm):  # type: ignore[type-arg]
    events = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(name, PERSONAL_EVENT_LABELS[name]) for name in PERSONAL_EVENTS],
        help_text=_("None ticked: all of them."),
    )
    components = forms.CharField(
        label=_("Components"),
        required=False,
        help_text=_("Comma-separated, e.g. API, Chat. Empty: all."),
    )

    class Meta:
        model = PersonalSubscription
        fields = ["channel", "providers", "features", "components", "events"]
        labels = {
            "channel": _("Send to"),
            "providers": _("Providers"),
            "features": _("Features"),
        }
        help_texts = {
            "providers": _("None chosen (and no feature): every provider."),
            "features": _("A feature stands for the providers it depends on."),
        }
        widgets = {
            "providers": forms.CheckboxSelectMultiple,
            "features": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, owner: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.instance.owner = owner
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.ModelChoiceField)
        channel_field.queryset = Channel.objects.filter(owner=owner, enabled=True)
        channel_field.empty_label = None  # the first of one's channels, not a blank choice
        providers_field = self.fields["providers"]
        assert isinstance(providers_field, forms.ModelMultipleChoiceField)
        providers_field.queryset = Provider.objects.filter(enabled=True).order_by("name")
        features_field = self.fields["features"]
        assert isinstance(features_field, forms.ModelMultipleChoiceField)
        features_field.queryset = Feature.objects.filter(enabled=True).order_by("name")

    def clean_components(self) -> list[str]:
        text = str(self.cleaned_data.get("components") or "")
        return [name.strip() for name in text.split(",") if name.strip()]
