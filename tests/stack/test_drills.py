"""Plan-B drills: the features a pretend outage hits, the [DRILL] alert, the timings, and no
real status data written."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from alerts.delivery import deliver_pending
from alerts.models import Channel, Event
from probes.catalog import read_catalog, sync_catalog
from probes.models import Drill, Incident, Provider, StatusChange
from probes.parsers.types import Status
from probes.stack.drills import DrillError, Hit, drill_views, made_up_scenario, replay_scenario
from probes.status.archive import read_archive_file

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

STACK = """
[[feature]]
slug = "support-bot"
name = "Support bot"
criticality = "critical"
depends_on = ["openai"]
fallbacks = [{provider = "anthropic", label = "Claude"}]
plan_b = "Switch the support bot to **Claude** in the bot's settings."

[[feature]]
slug = "code-review"
name = "Code review"
depends_on = ["anthropic"]

[[channel]]
name = "drills"
url = "json://127.0.0.1:${AIWATCH_SECRET_TEST_RECEIVER_PORT}/hook"
drills = true
events = ["status_changed"]

[[channel]]
name = "ops"
url = "json://127.0.0.1:${AIWATCH_SECRET_TEST_RECEIVER_PORT}/ops"
"""


@pytest.fixture
def stack(receiver, monkeypatch):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_RECEIVER_PORT", str(receiver.port))
    receiver.set("/ops", b"{}")
    text = Path(settings.AIWATCH_CATALOG_PATH).read_text(encoding="utf-8")
    sync_catalog(read_catalog(text + STACK))
    return receiver


def run(*args: str) -> str:
    out = StringIO()
    call_command("drill", *args, stdout=out)
    return out.getvalue()


def test_replaying_26_december_2024_finds_openai_and_azure():
    scenario = replay_scenario(read_archive_file(), date(2024, 12, 26))
    assert scenario.title == "Replay of 26 December 2024"
    assert {hit.provider: hit.status for hit in scenario.hits} == {
        "openai": Status.MAJOR_OUTAGE,
        "azure": Status.PARTIAL_OUTAGE,
    }
    with pytest.raises(DrillError, match="no archived outage began on 2024-12-25"):
        replay_scenario(read_archive_file(), date(2024, 12, 25))


def test_a_made_up_outage_is_named():
    scenario = made_up_scenario("openai", "OpenAI API", Status.MAJOR_OUTAGE, 120)
    assert scenario.title == "OpenAI API down for 2 h"


def test_a_cloud_going_down_hits_the_features_on_what_runs_on_it(stack):
    from probes.models import Feature
    from probes.stack.rows import upstream_slugs

    names = dict(Provider.objects.values_list("slug", "name"))
    views = dict(
        (feature.slug, view)
        for feature, view in drill_views(
            Feature.objects.all(),
            [Hit("azure", Status.MAJOR_OUTAGE, "Power")],
            names,
            upstream_slugs(),
        )
    )
    assert views["support-bot"].sentence == (
        "Support bot: down, because OpenAI has a major outage; OpenAI runs on Microsoft Azure, "
        "which reports a major outage (“Power”); use Claude (working)"
    )
    assert views["support-bot"].state.value == "down"
    assert views["code-review"].state.value == "working"


def test_a_drill_alerts_with_drill_records_its_timings_and_writes_no_status(stack):
    changes, incidents = StatusChange.objects.count(), Incident.objects.count()
    statuses = dict(Provider.objects.values_list("slug", "status"))
    with time_machine.travel(T0, tick=False):
        out = run("start", "--replay", "2024-12-26")
    drill = Drill.objects.get()
    assert out.startswith(f"[DRILL] {drill.pk}: Replay of 26 December 2024")
    assert [feature["slug"] for feature in drill.affected] == ["support-bot"]
    assert "use Claude (working)" in drill.affected[0]["sentence"]

    report = deliver_pending(include_waiting=True)
    assert report.sent == 1
    # Only the channel chosen for drills, once; its events filter does not hold a drill back.
    posted = [request for request in stack.requests if request.method == "POST"]
    assert [request.path for request in posted] == ["/hook"]
    message = json.loads(posted[0].body)
    assert message["title"] == "[DRILL] Replay of 26 December 2024: 1 feature hit"
    assert "Switch the support bot to **Claude**" in message["message"]
    assert deliver_pending(include_waiting=True).sent == 0

    with time_machine.travel(T0 + timedelta(minutes=4), tick=False):
        run("ack", str(drill.pk), "looking at it", "--by", "sam")
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        run("ack", str(drill.pk), "switched the support bot to Claude", "--plan-b")
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        out = run("stop", str(drill.pk), "--notes", "The Claude key had expired: renew it.")
    drill.refresh_from_db()
    assert drill.time_to_first_ack == timedelta(minutes=4)
    assert drill.time_to_plan_b == timedelta(minutes=11)
    assert drill.duration == timedelta(minutes=30)
    assert "first acknowledgement 4 min, plan B in place 11 min, lasted 30 min" in out
    assert drill.notes == "The Claude key had expired: renew it."
    assert [a.text for a in drill.acknowledgements.all()] == [
        "looking at it",
        "switched the support bot to Claude",
    ]

    # The real status data is as it was.
    assert StatusChange.objects.count() == changes
    assert Incident.objects.count() == incidents
    assert dict(Provider.objects.values_list("slug", "status")) == statuses
    # The drill's event opens no thread: no reminder, no follow-up.
    assert not Event.objects.open_threads().exists()
    with pytest.raises(CommandError, match="is over"):
        run("ack", str(drill.pk), "late")


def test_a_drill_without_drill_channels_alerts_nobody(stack):
    Channel.objects.update(drills=False)
    out = run("start", "--provider", "openai", "--minutes", "120")
    assert "OpenAI down for 2 h" in out
    assert "alert queued for 0 drill channel(s)" in out
    assert not Event.objects.exists()
