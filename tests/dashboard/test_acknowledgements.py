"""An editor acknowledges an incident or an observed outage: it shows on the overview, the
provider page and the incident page (with the time to acknowledge), in the API, in the audit
trail; a drill answered from the page times the drill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aiwatch.roles import EDITOR, VIEWER, set_role
from alerts.events import EventType
from alerts.models import Event
from probes.models import Acknowledgement, Drill, ObservedTransition, Provider
from tests.factories import make_incident, make_provider, make_read_source

pytestmark = pytest.mark.django_db


def user_in(name: str, role: str) -> User:
    user = User.objects.create_user(name, first_name=name.title())
    set_role(user, role)
    return user


@pytest.fixture
def editor() -> User:
    return user_in("erin", EDITOR)


@pytest.fixture
def down():
    now = timezone.now()
    provider = make_provider("example", name="Example AI", status="major_outage")
    make_read_source(provider, at=now)
    incident = make_incident(provider, "API errors", started_at=now - timedelta(minutes=12))
    return provider, incident


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ack_url() -> str:
    return reverse("dashboard:provider-acknowledge", args=["example"])


def test_an_editor_acknowledges_and_everyone_sees_it(down, editor):
    _provider, incident = down
    form = as_user(editor).get(reverse("dashboard:provider-detail", args=["example"]))
    assert b'name="target" value="incident:' in form.content

    response = as_user(editor).post(
        ack_url(),
        {
            "target": f"incident:{incident.pk}",
            "on_it": "Erin and Sam",
            "note": "spare in use",
            "plan_b_in_place": "1",
        },
    )
    assert response.status_code == 303
    ack = Acknowledgement.objects.get()
    assert (ack.by, ack.by_name, ack.on_it, ack.plan_b_in_place) == (
        editor,
        "Erin",
        "Erin and Sam",
        True,
    )

    overview = Client().get(reverse("dashboard:index")).content.decode()
    banner = overview.split('id="acknowledged"')[1].split("</div>")[0]
    assert "Example AI" in banner
    assert "acknowledged by Erin" in banner
    assert "plan B in place" in banner
    assert "on it: Erin and Sam" in banner

    provider_page = Client().get(reverse("dashboard:provider-detail", args=["example"]))
    assert "Acknowledged: plan B in place" in provider_page.content.decode()
    assert b"spare in use" in provider_page.content
    assert b'name="target"' not in provider_page.content  # no form for a visitor

    incident_page = Client().get(reverse("dashboard:incident-detail", args=[incident.pk]))
    assert b"Time to acknowledge" in incident_page.content
    assert b"12 min" in incident_page.content

    listed = Client().get(reverse("dashboard:api-incidents")).json()["incidents"][0]
    assert listed["acknowledged_by"] == "Erin"
    assert 12 * 60 <= listed["time_to_acknowledge_seconds"] < 13 * 60

    entry = LogEntry.objects.get(object_id=str(ack.pk))
    assert entry.user == editor
    assert entry.change_message == f"Acknowledged incident:{incident.pk}"


def test_only_editors_may_acknowledge(down):
    _provider, incident = down
    viewer = user_in("victor", VIEWER)
    data = {"target": f"incident:{incident.pk}"}
    assert as_user(viewer).post(ack_url(), data).status_code == 403
    anonymous = Client().post(ack_url(), data)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
    assert Acknowledgement.objects.count() == 0


def test_a_closed_or_foreign_target_is_refused(down, editor):
    _provider, incident = down
    other = make_provider("other")
    foreign = make_incident(other, "Elsewhere")
    incident.resolved_at = timezone.now()
    incident.status = "resolved"
    incident.save()
    for target in (f"incident:{incident.pk}", f"incident:{foreign.pk}", "observed:999", "x"):
        as_user(editor).post(ack_url(), {"target": target})
    assert Acknowledgement.objects.count() == 0


def test_an_observed_outage_can_be_acknowledged_and_sends_one_threaded_message(editor):
    from alerts.models import Channel
    from alerts.outbox import record_observed_change

    now = timezone.now()
    provider = make_provider("example", name="Example AI", status="partial_outage")
    make_read_source(provider, at=now)
    Provider.objects.filter(pk=provider.pk).update(
        observed_status="major_outage", observed_checked_at=now
    )
    start = ObservedTransition.objects.create(
        provider=provider,
        old_status="operational",
        new_status="major_outage",
        at=now,
        since=now - timedelta(minutes=3),
    )
    Channel.objects.create(name="room", url="json://127.0.0.1:9/room")
    root = record_observed_change(provider, "operational", "major_outage", at=now)

    as_user(editor).post(ack_url(), {"target": f"observed:{start.pk}", "plan_b_in_place": "1"})
    ack = Acknowledgement.objects.get()
    assert ack.observed == start
    assert ack.on_it == "Erin"
    event = Event.objects.get(type=EventType.ACKNOWLEDGED)
    assert event.root == root
    assert event.deliveries.count() == 1
    html = Client().get(reverse("dashboard:index")).content.decode()
    assert "outage seen by our own checks" in html.split('id="acknowledged"')[1]


def test_a_drill_answered_from_the_page_times_the_drill(editor):
    started = timezone.now() - timedelta(minutes=4)
    drill = Drill.objects.create(title="Replay", started_at=started)
    page = as_user(editor).get(reverse("dashboard:drills")).content.decode()
    assert reverse("dashboard:drill-acknowledge", args=[drill.pk]) in page
    response = as_user(editor).post(
        reverse("dashboard:drill-acknowledge", args=[drill.pk]),
        {"text": "switched the bot to the spare", "plan_b_in_place": "1"},
    )
    assert response.status_code == 303
    drill.refresh_from_db()
    assert drill.first_ack_at is not None
    assert drill.plan_b_at == drill.first_ack_at
    assert timedelta(minutes=4) <= drill.time_to_first_ack < timedelta(minutes=5)
    answer = drill.acknowledgements.get()
    assert answer.by == "Erin"
    assert LogEntry.objects.filter(user=editor, object_id=str(answer.pk)).exists()
    viewer = user_in("victor", VIEWER)
    assert (
        as_user(viewer)
        .post(reverse("dashboard:drill-acknowledge", args=[drill.pk]), {"text": "x"})
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    "statuses",
    [
        ["operational", "major_outage"],
        ["operational", "partial_outage", "major_outage"],
        ["major_outage", "operational"],
        ["operational", "degraded_performance", "operational", "major_outage", "partial_outage"],
        ["major_outage"],
        [],
    ],
)
@pytest.mark.parametrize("days_ago", [1, 200])
def test_the_observed_outage_found_in_the_pages_transitions_is_the_one_read(statuses, days_ago):
    # A provider page hands detection's transitions to the acknowledgements; an outage older
    # than them (or with no transition before it) is read as before.
    from probes.acknowledge import observed_outage
    from probes.observe.detection import provider_transitions

    provider = make_provider("example", name="Example AI")
    began = timezone.now() - timedelta(days=days_ago)
    for hours, status in enumerate(statuses):
        ObservedTransition.objects.create(
            provider=provider, new_status=status, at=began + timedelta(hours=hours)
        )
    Provider.objects.filter(pk=provider.pk).update(observed_status=(statuses or ["unknown"])[-1])
    provider.refresh_from_db()
    since = timezone.now() - timedelta(days=90)
    held = provider_transitions([provider.pk], since=since)[provider.pk]

    assert observed_outage(provider, transitions=held) == observed_outage(provider)
