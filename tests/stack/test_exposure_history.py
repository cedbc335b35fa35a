"""Exposure read from recorded rows: hand-built StatusChange rows, overlapping providers,
window clipping, and the monthly report's incidents and drills."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from probes.models import Drill, Feature, StatusChange
from probes.stack.exposure import exposure_windows, monthly_report, previous_month
from tests.factories import make_component, make_incident, make_provider

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def change(provider, at, old, new, component=None):
    return StatusChange.objects.create(
        provider=provider, component=component, at=at, old_status=old, new_status=new
    )


@pytest.fixture
def stack():
    azure = make_provider("azure", name="Microsoft Azure")
    openai = make_provider("openai", name="OpenAI")
    openai.upstreams.add(azure)
    anthropic = make_provider("anthropic", name="Anthropic")
    bot = Feature.objects.create(
        slug="support-bot",
        name="Support bot",
        criticality="critical",
        depends_on=[{"provider": "openai"}, {"provider": "anthropic"}],
        plan_b="Switch to the FAQ page.",
    )
    Feature.objects.create(
        slug="code-review", name="Code review", depends_on=[{"provider": "anthropic"}]
    )
    return {"azure": azure, "openai": openai, "anthropic": anthropic, "bot": bot}


def by_slug(rows):
    return {row.feature.slug: row for row in rows}


def test_minutes_equal_the_recorded_intervals(stack):
    openai, anthropic, azure = stack["openai"], stack["anthropic"], stack["azure"]
    base = NOW - timedelta(days=10)
    change(openai, base - timedelta(days=100), "unknown", "operational")
    change(anthropic, base - timedelta(days=100), "unknown", "operational")
    change(azure, base - timedelta(days=100), "unknown", "operational")
    # OpenAI down 60 min; Anthropic partly out 30 min overlapping its last 15.
    change(openai, base, "operational", "major_outage")
    change(openai, base + timedelta(minutes=60), "major_outage", "operational")
    change(anthropic, base + timedelta(minutes=45), "operational", "partial_outage")
    change(anthropic, base + timedelta(minutes=75), "partial_outage", "operational")
    # Azure in trouble over the last 20 minutes of OpenAI's outage, and long after.
    change(azure, base + timedelta(minutes=40), "operational", "degraded_performance")
    change(azure, base + timedelta(hours=5), "degraded_performance", "operational")
    # A component change is no provider-wide change: it adds nothing.
    api = make_component(openai, "API")
    change(openai, base + timedelta(days=1), "operational", "major_outage", component=api)
    change(openai, base + timedelta(days=1, minutes=5), "major_outage", "operational", api)
    # 40 days ago: inside 90 and 365 days, outside 30.
    change(anthropic, NOW - timedelta(days=40), "operational", "degraded_performance")
    change(anthropic, NOW - timedelta(days=40, minutes=-90), "degraded_performance", "operational")

    rows = by_slug(exposure_windows(now=NOW))
    bot = rows["support-bot"].windows
    assert bot[30].total.affected_minutes == 75
    assert bot[30].total.down_minutes == 60
    assert bot[30].by_provider["openai"].affected_minutes == 60
    assert bot[30].by_provider["anthropic"].affected_minutes == 30
    assert bot[30].by_upstream["azure"].affected_minutes == 35
    assert bot[90].total.affected_minutes == 75 + 90
    assert bot[365].total.affected_minutes == 75 + 90
    review = rows["code-review"].windows
    assert review[30].total.affected_minutes == 30
    assert review[90].total.affected_minutes == 120


def test_an_outage_running_across_the_window_start_is_clipped(stack):
    openai = stack["openai"]
    change(openai, NOW - timedelta(days=31), "operational", "major_outage")
    change(openai, NOW - timedelta(days=29), "major_outage", "operational")
    bot = by_slug(exposure_windows(now=NOW))["support-bot"].windows
    assert bot[30].total.affected == timedelta(days=1)
    assert bot[90].total.affected == timedelta(days=2)


def test_an_outage_still_running_counts_until_now(stack):
    change(stack["openai"], NOW - timedelta(minutes=25), "operational", "major_outage")
    bot = by_slug(exposure_windows(now=NOW))["support-bot"].windows
    assert bot[30].total.affected_minutes == 25


def test_reading_costs_a_fixed_number_of_queries(stack, django_assert_max_num_queries):
    for index in range(20):
        change(stack["openai"], NOW - timedelta(days=index + 1), "operational", "major_outage")
        change(
            stack["openai"],
            NOW - timedelta(days=index + 1, minutes=-10),
            "major_outage",
            "operational",
        )
    with django_assert_max_num_queries(4):
        exposure_windows(now=NOW)


def test_the_monthly_report_lists_minutes_incidents_drills_and_plan_b(stack):
    openai, azure = stack["openai"], stack["azure"]
    november = datetime(2026, 11, 1, tzinfo=UTC)
    change(openai, november - timedelta(hours=2), "operational", "major_outage")
    change(openai, november + timedelta(hours=1), "major_outage", "operational")
    change(azure, november + timedelta(minutes=30), "operational", "partial_outage")
    change(azure, november + timedelta(hours=3), "partial_outage", "operational")
    make_incident(
        openai,
        "Elevated errors",
        started_at=november - timedelta(hours=2),
        resolved_at=november + timedelta(hours=1),
    )
    make_incident(azure, "Power incident", started_at=november + timedelta(minutes=30))
    # An Azure incident while the feature was fine did not hit it.
    make_incident(azure, "Later", started_at=november + timedelta(days=3))
    make_incident(
        openai,
        "October",
        started_at=november - timedelta(days=20),
        resolved_at=november - timedelta(days=19),
    )
    Drill.objects.create(
        title="Replay",
        started_at=november + timedelta(days=2),
        affected=[{"slug": "support-bot", "name": "Support bot"}],
    )
    Drill.objects.create(title="December", started_at=NOW, affected=[{"slug": "support-bot"}])

    assert previous_month(NOW) == date(2026, 11, 1)
    report = monthly_report(date(2026, 11, 1), now=NOW)
    assert report.complete
    entry = {e.feature.slug: e for e in report.entries}["support-bot"]
    assert entry.exposure.total.affected_minutes == 60
    assert [i.title for i in entry.incidents] == ["Elevated errors", "Power incident"]
    assert [d.title for d in entry.drills] == ["Replay"]
    assert entry.feature.plan_b == "Switch to the FAQ page."
    assert [e.feature.slug for e in report.affected] == ["support-bot"]


def test_the_running_month_is_counted_until_now(stack):
    change(stack["openai"], NOW - timedelta(hours=1), "operational", "major_outage")
    report = monthly_report(date(2026, 12, 1), now=NOW)
    assert not report.complete
    assert report.end == NOW
    assert report.entries[0].exposure.total.affected_minutes == 60
