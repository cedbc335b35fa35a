"""Admin: the test-message action, plan B preview, and the notification log with counters."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alerts import delivery
from alerts.events import EventType
from alerts.models import Channel, Delivery, Event, Playbook
from probes.models import Provider

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Pages are rendered without collectstatic's manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_send_test_message_queues_it_for_a_worker_which_sends_and_logs_it(admin_client, receiver):
    channel = Channel.objects.create(name="local", url=f"json://127.0.0.1:{receiver.port}/hook")
    response = admin_client.post(
        reverse("admin:alerts_channel_changelist"),
        {"action": "send_test_message", "_selected_action": [channel.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Test message queued for local" in response.content.decode()
    # Nothing left the web request: the channel's answer never reaches the staff user's page.
    assert receiver.requests == []
    assert Delivery.objects.get().state == "pending"
    delivery.deliver_pending()
    (seen,) = receiver.requests
    assert json.loads(seen.body)["title"] == "AI Watch test message"
    assert Delivery.objects.get().state == "sent"


def test_a_failing_test_message_says_why_in_the_notification_log(admin_client, receiver):
    receiver.set("/hook", b"", status=500)
    channel = Channel.objects.create(name="local", url=f"json://127.0.0.1:{receiver.port}/hook")
    admin_client.post(
        reverse("admin:alerts_channel_changelist"),
        {"action": "send_test_message", "_selected_action": [channel.pk]},
        follow=True,
    )
    delivery.deliver_pending()
    item = Delivery.objects.get()
    assert item.state == "pending"
    assert item.last_error
    page = admin_client.get(reverse("admin:alerts_delivery_changelist")).content.decode()
    assert item.last_error[:40] in page


def test_the_notification_log_lists_deliveries_with_counters(admin_client):
    provider = Provider.objects.create(slug="example", name="Example AI")
    channel = Channel.objects.create(name="local", url="json://127.0.0.1:9/hook")
    event = Event.objects.create(
        provider=provider,
        type=EventType.STATUS_CHANGED,
        types=["status_changed"],
        severity="major_outage",
        at=timezone.now(),
        payload={"title": "Example AI: Major outage"},
    )
    Delivery.objects.create(event=event, channel=channel, state="sent", attempts=2)
    other = Channel.objects.create(name="other", url="json://127.0.0.1:9/x")
    Delivery.objects.create(
        event=event, channel=other, state="failed", attempts=8, last_error="HTTP 500"
    )
    response = admin_client.get(reverse("admin:alerts_delivery_changelist"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Example AI: Major outage" in page
    assert "HTTP 500" in page
    counters = response.context["delivery_counters"]
    assert counters[1] == {"label": "All time", "sent": 1, "failed": 1, "waiting": 0, "retried": 2}


def test_the_playbook_admin_previews_sanitised_markdown(admin_client):
    provider = Provider.objects.create(slug="example", name="Example AI")
    playbook = Playbook.objects.create(provider=provider, body="**Use Claude**<script>x</script>")
    response = admin_client.get(reverse("admin:alerts_playbook_change", args=[playbook.pk]))
    page = response.content.decode()
    assert "<strong>Use Claude</strong>" in page
    assert "<script>x</script>" not in page


def test_a_channel_with_an_unknown_event_or_url_does_not_validate():
    channel = Channel(name="x", url="nonsense://x", events=["everything"])
    with pytest.raises(ValidationError) as caught:
        channel.full_clean()
    assert "url" in caught.value.message_dict
    assert "events" in caught.value.message_dict


@pytest.mark.parametrize(
    "name",
    ["admin:alerts_channel_add", "admin:alerts_playbook_add", "admin:alerts_event_changelist"],
)
def test_the_alerts_admin_pages_open(admin_client, name):
    assert admin_client.get(reverse(name)).status_code == 200


@pytest.fixture
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_channels_events_and_components_are_widgets_that_round_trip(
    admin_client, fast_password_hashing
):
    from probes.models import Component
    from tests.probes.admin_pages import form_data

    openai = Provider.objects.create(slug="openai", name="OpenAI")
    anthropic = Provider.objects.create(slug="anthropic", name="Anthropic")
    Component.objects.create(provider=openai, external_id="a1", name="API")
    Component.objects.create(provider=anthropic, external_id="b1", name="API")
    Component.objects.create(provider=anthropic, external_id="b2", name="Console")
    channel = Channel.objects.create(
        name="team",
        url="json://127.0.0.1:9/hook",
        events=["status_changed", "incident_opened"],
        components=["API", "Batch jobs"],
    )
    change = reverse("admin:alerts_channel_change", args=[channel.pk])
    html = admin_client.get(change).content.decode()

    assert 'type="checkbox" name="events" value="observed_outage"' in html
    assert "API — Anthropic, OpenAI" in html
    assert 'name="components" value="Console"' in html
    data = form_data(html, "channel_form")
    assert data["events"] == ["status_changed", "incident_opened"]
    assert data["components"] == ["API"]
    assert data["components_other"] == ["Batch jobs"]

    response = admin_client.post(change, data)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.events == ["status_changed", "incident_opened"]
    assert channel.components == ["API", "Batch jobs"]

    data["events"] = []
    data["components"] = ["Console"]
    data["components_other"] = [""]
    assert admin_client.post(change, data).status_code == 302
    channel.refresh_from_db()
    assert (channel.events, channel.components) == ([], ["Console"])


def test_a_channel_may_sign_only_with_a_secret_the_rule_allows(receiver):
    from alerts import transports
    from alerts.transports import TransportError

    hook = Channel(name="h", kind="webhook", url=receiver.url("/hook"), secret_env="SECRET_KEY")
    with pytest.raises(ValidationError) as caught:
        hook.full_clean()
    (problem,) = caught.value.message_dict["secret_env"]
    assert "SECRET_KEY is part of the server's own configuration" in problem
    assert "AIWATCH_SECRET_" in problem
    hook.secret_env = "SOME_HOOK_KEY"
    with pytest.raises(ValidationError, match="name the variable AIWATCH_SECRET_"):
        hook.full_clean()
    hook.secret_env = "AIWATCH_SECRET_HOOK_KEY"
    hook.full_clean()

    # A row stored before the rule still cannot sign with the server's secret.
    message = transports.Message(
        title="t", body="b", notify_type="info", document=b"{}", key="k", event_type="test"
    )
    with pytest.raises(TransportError, match="never sent anywhere"):
        transports.send("webhook", receiver.url("/hook"), message, secret_env="SECRET_KEY")
    assert receiver.requests == []


def test_the_channel_help_texts_follow_the_secret_rule():
    fields = {field.name: field for field in Channel._meta.fields}
    assert "${AIWATCH_SECRET_SLACK_TOKEN}" in str(fields["url"].help_text)
    assert "AIWATCH_SECRET_HOOK_KEY" in str(fields["secret_env"].help_text)


def test_channels_can_be_turned_off_and_on_in_bulk(admin_client, fast_password_hashing):
    channels = [Channel.objects.create(name=f"c{n}", url="json://127.0.0.1:9/x") for n in range(2)]
    selected = [str(channel.pk) for channel in channels]
    changelist = reverse("admin:alerts_channel_changelist")
    admin_client.post(changelist, {"action": "disable_selected", "_selected_action": selected})
    assert not Channel.objects.filter(enabled=True).exists()
    admin_client.post(changelist, {"action": "enable_selected", "_selected_action": selected})
    assert Channel.objects.filter(enabled=True).count() == 2
