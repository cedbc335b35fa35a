"""The monthly exposure report through an alert channel: once per month per channel, through
the outbox, in the channel's language; beat sends it on the 1st."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from celery.schedules import crontab
from django.core.management import CommandError, call_command

from aiwatch.celery import app
from alerts.delivery import deliver_pending
from alerts.models import Channel, Delivery, Event
from alerts.monthly_report import send_monthly_report
from alerts.tasks import send_monthly_report_task
from probes.models import Drill, Feature, StatusChange
from tests.factories import make_incident, make_provider

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 0, 7, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def stack(receiver, monkeypatch):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_RECEIVER_PORT", str(receiver.port))
    receiver.set("/fr", b"{}")
    receiver.set("/drills", b"{}")
    openai = make_provider("openai", name="OpenAI")
    Feature.objects.create(
        slug="support-bot",
        name="Support bot",
        criticality="critical",
        depends_on=[{"provider": "openai"}],
        plan_b="Switch to Claude.",
    )
    Feature.objects.create(slug="notes", name="Notes", depends_on=[{"provider": "openai"}])
    start = NOVEMBER + timedelta(days=4)
    StatusChange.objects.create(
        provider=openai, at=start, old_status="operational", new_status="major_outage"
    )
    StatusChange.objects.create(
        provider=openai,
        at=start + timedelta(minutes=42),
        old_status="major_outage",
        new_status="operational",
    )
    make_incident(
        openai, "Elevated errors", started_at=start, resolved_at=start + timedelta(hours=1)
    )
    Drill.objects.create(
        title="Replay", started_at=start + timedelta(days=1), affected=[{"slug": "support-bot"}]
    )
    port = "${AIWATCH_SECRET_TEST_RECEIVER_PORT}"
    Channel.objects.create(name="team", url=f"json://127.0.0.1:{port}/hook")
    Channel.objects.create(name="équipe", url=f"json://127.0.0.1:{port}/fr", language="fr")
    # Channels that do not take it: outages only, one provider only.
    Channel.objects.create(
        name="pager", url=f"json://127.0.0.1:{port}/drills", events=["observed_outage"]
    )
    pager = Channel.objects.create(name="openai-only", url=f"json://127.0.0.1:{port}/drills")
    pager.providers.add(openai)
    return receiver


def posted(receiver, path):
    return [json.loads(r.body) for r in receiver.requests if r.method == "POST" and r.path == path]


def test_it_is_sent_once_per_month_to_each_channel_that_takes_it(stack):
    event, deliveries = send_monthly_report(now=NOW)
    assert event is not None
    assert sorted(d.channel.name for d in deliveries) == ["team", "équipe"]
    # Beat ticks again, someone runs the command: nothing new.
    assert send_monthly_report(now=NOW + timedelta(hours=1)) == (None, [])
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        send_monthly_report_task()
    assert Event.objects.filter(dedupe_key="monthly-report:2026-11").count() == 1
    assert Delivery.objects.filter(event=event).count() == 2

    assert deliver_pending(include_waiting=True).sent == 2
    [english] = posted(stack, "/hook")
    assert english["title"] == "AI Watch monthly report, November 2026: 2 features affected"
    assert (
        "**Support bot**: 42 minutes affected (42 down); 1 incident; 1 drill; plan B written"
        in english["message"]
    )
    assert (
        "**Notes**: 42 minutes affected (42 down); 1 incident; 0 drills; no plan B"
        in (english["message"])
    )
    assert "/stack/report/?month=2026-11" in english["message"]
    [french] = posted(stack, "/fr")
    assert french["title"] == "Rapport mensuel AI Watch, novembre 2026 : 2 fonctionnalités touchées"
    assert "42 minutes touchées (42 en panne)" in french["message"]
    assert posted(stack, "/drills") == []
    assert deliver_pending(include_waiting=True).sent == 0


def test_a_month_that_is_not_over_is_not_sent(stack):
    with pytest.raises(ValueError, match="2026-12 is not over yet"):
        send_monthly_report(now=NOW, month=date(2026, 12, 1))
    assert not Event.objects.exists()


def test_beat_sends_it_every_hour_of_the_first_of_the_month():
    entry = app.conf.beat_schedule["send-monthly-report"]
    assert entry["task"] == "alerts.send_monthly_report"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_month == {1}
    assert schedule.minute == {7}


def test_the_command_prints_it_and_sends_it_once(stack):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("monthly_report", stdout=out)
        assert "Support bot" in out.getvalue()
        assert not Event.objects.exists()
        call_command("monthly_report", "--send", stdout=out)
        call_command("monthly_report", "--send", "--month", "2026-11", stdout=out)
        with pytest.raises(CommandError, match="must look like 2026-11"):
            call_command("monthly_report", "--month", "last")
    assert "queued for 2 channels" in out.getvalue()
    assert "was sent already" in out.getvalue()
    assert Event.objects.count() == 1


def test_nothing_is_sent_without_features(stack):
    Feature.objects.update(enabled=False)
    assert send_monthly_report(now=NOW) == (None, [])
    assert not Event.objects.exists()
