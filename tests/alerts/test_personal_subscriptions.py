"""Personal subscriptions: a person's own channels hear what they asked for, once each.

The end-to-end test serves a status page on 127.0.0.1 that goes down and comes back, with a
team channel (a JSON receiver) and a viewer's own e-mail channel subscribed to that provider's
outages: each gets exactly one message for the outage.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from aiwatch.roles import VIEWER, set_role
from alerts.models import Channel, Delivery, PersonalSubscription
from alerts.quiet_hours import quiet_end
from alerts.subscriptions import EventFacts, PersonalChoice, personal_kinds, personal_matches
from probes.models import Feature, Provider, Source
from probes.parsers.types import Status
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def viewer() -> User:
    user = User.objects.create_user("vera", "vera@example.com", "a long passphrase 42")
    set_role(user, VIEWER)
    return user


def own_email_channel(user: User, **fields) -> Channel:
    channel = Channel(
        name=f"{user.username}: e-mail",
        kind=Channel.Kind.EMAIL,
        url=user.email,
        owner=user,
        **fields,
    )
    channel.full_clean()
    channel.save()
    return channel


def test_a_viewers_subscription_and_the_team_channel_each_get_one_message(
    status_server, receiver, viewer, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    operational = load_fixture("statuspage/summary_operational.json")
    status_server.set("/example/summary.json", operational)
    status_server.set("/other/summary.json", operational)
    example = Provider.objects.create(slug="example", name="Example AI")
    other = Provider.objects.create(slug="other", name="Other AI")
    for provider in (example, other):
        Source.objects.create(
            provider=provider,
            url=f"http://127.0.0.1:{status_server.port}/{provider.slug}/summary.json",
            kind="statuspage",
        )
    Channel.objects.create(name="team-json", url=f"json://127.0.0.1:{receiver.port}/hook")
    channel = own_email_channel(viewer)
    subscription = PersonalSubscription.objects.create(
        owner=viewer, channel=channel, events=["outage"]
    )
    subscription.providers.set([example])
    # A second subscription through the same channel: still one message per transition.
    PersonalSubscription.objects.create(owner=viewer, channel=channel, events=["outage"])

    run("poll")
    run("notify")
    assert receiver.requests == []
    assert mail.outbox == []

    status_server.set("/example/summary.json", load_fixture("statuspage/summary_major_outage.json"))
    run("poll")
    run("notify")
    # The same page again changes nothing.
    run("poll")
    run("notify")

    assert len(receiver.requests) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["vera@example.com"]
    assert message.subject == "Example AI: Major outage"
    assert Delivery.objects.filter(channel=channel, state=Delivery.State.SENT).count() == 1


def test_a_recovery_reaches_the_person_who_heard_of_the_outage(status_server, viewer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    status_server.set("/example/summary.json", load_fixture("statuspage/summary_operational.json"))
    example = Provider.objects.create(slug="example", name="Example AI")
    Source.objects.create(
        provider=example,
        url=f"http://127.0.0.1:{status_server.port}/example/summary.json",
        kind="statuspage",
    )
    channel = own_email_channel(viewer)
    PersonalSubscription.objects.create(owner=viewer, channel=channel, events=["outage"])
    run("poll")
    status_server.set("/example/summary.json", load_fixture("statuspage/summary_major_outage.json"))
    run("poll")
    status_server.set("/example/summary.json", load_fixture("statuspage/summary_operational.json"))
    run("poll")
    run("notify")

    assert [m.subject for m in mail.outbox] == [
        "Example AI: Major outage",
        "Update: Example AI is operational again",
    ]


def test_a_personal_channel_never_reads_the_servers_environment(viewer):
    channel = Channel(
        name="vera: hook",
        kind=Channel.Kind.APPRISE,
        url="json://${AIWATCH_SECRET_SLACK}@127.0.0.1/hook",
        owner=viewer,
    )
    with pytest.raises(ValidationError) as raised:
        channel.full_clean()
    assert "environment" in str(raised.value)
    signed = Channel(
        name="vera: signed", kind=Channel.Kind.WEBHOOK, url="https://x.test/", owner=viewer
    )
    with pytest.raises(ValidationError):
        signed.full_clean()


def test_a_subscription_only_sends_through_its_owners_channel(viewer, settings):
    other = User.objects.create_user("otto", "otto@example.com", "a long passphrase 42")
    ottos = own_email_channel(other)
    subscription = PersonalSubscription(owner=viewer, channel=ottos)
    with pytest.raises(ValidationError):
        subscription.full_clean()


def test_the_words_a_person_picks_cover_the_pipelines_events():
    first = {"is_followup": False, "closes_thread": False}
    assert personal_kinds(["observed_outage"], severity=Status.MAJOR_OUTAGE, **first) == {"outage"}
    assert personal_kinds(["status_changed"], severity=Status.PARTIAL_OUTAGE, **first) == {"outage"}
    assert personal_kinds(
        ["incident_updated"], severity=Status.PARTIAL_OUTAGE, is_followup=True, closes_thread=False
    ) == {"updates"}
    assert "recovery" in personal_kinds(
        ["status_changed", "incident_resolved"],
        severity=Status.MAJOR_OUTAGE,
        is_followup=True,
        closes_thread=True,
    )
    assert personal_kinds(["maintenance_started"], severity=Status.UNDER_MAINTENANCE, **first) == {
        "maintenance"
    }
    assert personal_kinds(["report_burst"], severity=Status.UNKNOWN, **first) >= {"report_burst"}
    assert personal_kinds(["test"], severity=Status.OPERATIONAL, **first) == frozenset()


def test_a_choice_filters_by_provider_component_and_event():
    facts = EventFacts(
        provider="openai",
        types=frozenset({"status_changed"}),
        severity=Status.MAJOR_OUTAGE,
        components=frozenset({"API"}),
    )
    outage = frozenset({"outage"})
    assert personal_matches(PersonalChoice(), facts, outage)
    assert personal_matches(PersonalChoice(providers=frozenset({"openai"})), facts, outage)
    assert not personal_matches(PersonalChoice(providers=frozenset({"anthropic"})), facts, outage)
    assert personal_matches(PersonalChoice(components=frozenset({"api"})), facts, outage)
    assert not personal_matches(PersonalChoice(components=frozenset({"chat"})), facts, outage)
    assert not personal_matches(PersonalChoice(events=frozenset({"recovery"})), facts, outage)
    assert not personal_matches(PersonalChoice(), facts, frozenset())


def test_a_feature_stands_for_the_providers_it_depends_on(viewer):
    from alerts.personal import choice_of

    Provider.objects.create(slug="openai", name="OpenAI")
    feature = Feature.objects.create(
        slug="support-bot", name="Support bot", depends_on=[{"provider": "openai"}]
    )
    subscription = PersonalSubscription.objects.create(
        owner=viewer, channel=own_email_channel(viewer)
    )
    subscription.features.set([feature])

    assert choice_of(subscription).providers == {"openai"}


def test_quiet_hours_hold_a_message_until_they_end():
    paris_night = datetime(2025, 1, 15, 23, 30, tzinfo=UTC)  # 00:30 in Paris
    end = quiet_end(paris_night, quiet_from=time(22), quiet_until=time(7), zone="Europe/Paris")
    assert end == datetime(2025, 1, 16, 6, 0, tzinfo=UTC)
    assert (
        quiet_end(
            datetime(2025, 1, 15, 12, 0, tzinfo=UTC),
            quiet_from=time(22),
            quiet_until=time(7),
            zone="Europe/Paris",
        )
        is None
    )
    evening = datetime(2025, 1, 15, 21, 30, tzinfo=UTC)  # 22:30 in Paris
    assert quiet_end(evening, quiet_from=time(22), quiet_until=time(7), zone="Europe/Paris") == (
        datetime(2025, 1, 16, 6, 0, tzinfo=UTC)
    )
    assert quiet_end(evening, quiet_from=time(9), quiet_until=time(17), zone="") is None
    assert quiet_end(evening, quiet_from=None, quiet_until=None, zone="UTC") is None


def test_a_message_in_quiet_hours_is_delivered_when_they_end(status_server, viewer, settings):
    from alerts.models import Event
    from alerts.outbox import create_test_event  # noqa: F401  (same outbox as real alerts)
    from alerts.personal import send_time

    channel = own_email_channel(
        viewer, quiet_from=time(22), quiet_until=time(7), time_zone="Europe/Paris"
    )
    event = Event(at=datetime(2025, 1, 15, 23, 30, tzinfo=UTC))

    assert send_time(channel, event) == datetime(2025, 1, 16, 6, 0, tzinfo=UTC)
