"""What the team says goes out like any event: a burst of reports, an acknowledgement in the
outage's thread (once), and "affected too?" links on news of trouble."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from alerts import affected_links
from alerts.delivery import message_for
from alerts.events import EventType
from alerts.models import Channel, Delivery, Event
from alerts.outbox import record_observed_change
from alerts.team_events import record_acknowledgement
from probes import acknowledge as acks
from probes.models import Provider
from probes.observe import reports
from tests.factories import make_incident, make_provider, make_read_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider() -> Provider:
    now = timezone.now()
    provider = make_provider("example", name="Example AI")
    make_read_source(provider, at=now)
    return provider


def channel(name: str, events: list[str], language: str = "en") -> Channel:
    return Channel.objects.create(
        name=name, url=f"json://127.0.0.1:9/{name}", events=events, language=language
    )


def burst(provider: Provider, settings, count: int = 3) -> None:
    settings.AIWATCH_REPORT_BURST_MIN = count
    now = timezone.now()
    for number in range(count):
        reports.submit_report(provider, person=f"p{number}", network=f"n{number}", note="", now=now)


def test_a_report_burst_reaches_channels_subscribed_to_it_once(provider, settings):
    wants = channel("wants-bursts", [EventType.REPORT_BURST])
    channel("incidents-only", [EventType.INCIDENT_OPENED])
    everything = channel("everything", [])

    burst(provider, settings)
    # More reports in the same burst, and a second burst within the window: no second alert.
    reports.submit_report(provider, person="p9", network="n9", note="", now=timezone.now())

    event = Event.objects.get(type=EventType.REPORT_BURST)
    assert event.payload["report_burst"]["recent"] == 3
    assert event.thread_closed_at is not None  # an operational provider: its own closed thread
    assert set(Delivery.objects.values_list("channel__name", flat=True)) == {
        wants.name,
        everything.name,
    }
    message = message_for(Delivery.objects.get(channel=wants))
    assert message.title == "Example AI: 3 team reports in the last 15 minutes"
    assert "3 teammates pressed" in message.body


def test_news_of_trouble_carries_signed_affected_links_and_recoveries_do_not(provider, settings):
    settings.AIWATCH_BASE_URL = "https://watch.example.com"
    Channel.objects.create(name="room", url="json://127.0.0.1:9/room")
    now = timezone.now()
    Provider.objects.filter(pk=provider.pk).update(
        observed_status="major_outage", observed_checked_at=now
    )
    outage = record_observed_change(provider, "operational", "major_outage", at=now)
    assert outage is not None
    links = outage.payload["affected_links"]
    claim = affected_links.read_token(links["yes"].split("/")[2])
    assert (claim.provider, claim.event) == ("example", str(outage.uuid))

    message = message_for(outage.deliveries.get())
    assert f"[yes](https://watch.example.com{links['yes']})" in message.body
    assert f"[no](https://watch.example.com{links['no']})" in message.body
    # A retry sends the very same bytes: the links were written with the event.
    assert message_for(outage.deliveries.get()).document == message.document

    Provider.objects.filter(pk=provider.pk).update(observed_status="operational")
    recovery = record_observed_change(
        provider, "major_outage", "operational", at=now + timedelta(minutes=5)
    )
    assert recovery is not None
    assert "affected_links" not in recovery.payload


def test_a_tampered_or_expired_link_is_refused(settings):
    links = affected_links.affected_links("example", "e1")
    token = links["yes"].split("/")[2]
    with pytest.raises(affected_links.LinkInvalid):
        affected_links.read_token(token[:-2] + "xx")
    settings.AIWATCH_AFFECTED_LINK_HOURS = 1
    with pytest.raises(affected_links.LinkExpired):
        affected_links.read_token(_old_token())


def _old_token() -> str:
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=0):
        return affected_links.affected_links("example", "e1")["yes"].split("/")[2]


def test_an_acknowledgement_is_one_threaded_message_to_whoever_heard_of_the_outage(
    provider, settings
):
    heard = channel("heard", [EventType.OBSERVED_OUTAGE])
    everything = channel("everything", [], language="fr")
    never_heard = channel("resolutions", [EventType.INCIDENT_RESOLVED])
    now = timezone.now()
    Provider.objects.filter(pk=provider.pk).update(
        status="major_outage", observed_status="major_outage", observed_checked_at=now
    )
    root = record_observed_change(provider, "operational", "major_outage", at=now)
    assert root is not None
    incident = make_incident(provider, "API errors", started_at=now - timedelta(minutes=10))
    alice = User.objects.create_user("alice", first_name="Alice")
    target = acks.find_target(provider, f"incident:{incident.pk}")

    ack = acks.acknowledge(
        target,
        user=alice,
        on_it="Alice and Bob",
        note="support bot on the spare",
        plan_b_in_place=True,
        at=now + timedelta(minutes=2),
    )

    event = Event.objects.get(type=EventType.ACKNOWLEDGED)
    assert event.root_id == root.pk
    assert not event.closes_thread
    assert Event.objects.get(pk=root.pk).thread_closed_at is None
    assert set(event.deliveries.values_list("channel__name", flat=True)) == {
        heard.name,
        everything.name,
    }
    assert not never_heard.deliveries.filter(event=event).exists()
    # Once: writing it again finds the same event and adds no delivery.
    assert record_acknowledgement(ack) == event
    assert Delivery.objects.filter(event__type=EventType.ACKNOWLEDGED).count() == 2

    english = message_for(event.deliveries.get(channel=heard))
    assert english.title == "Update: Example AI: acknowledged by Alice, plan B in place"
    assert "Acknowledged by **Alice**: incident" in english.body
    assert "On it: Alice and Bob." in english.body
    assert "Note: support bot on the spare" in english.body
    assert english.notify_type == "info"
    assert b'"in_reply_to":"' + str(root.uuid).encode() in english.document
    french = message_for(event.deliveries.get(channel=everything))
    assert french.title == "Mise à jour : Example AI : pris en charge par Alice, plan B en place"
