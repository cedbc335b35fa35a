"""The history page, the incident list and the history parts of provider and incident pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from probes.models import Incident, IncidentUpdate, Provider

pytestmark = pytest.mark.django_db


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def archive() -> None:
    call_command("load_archive", verbosity=0)


def test_december_2024_shows_openais_outage_beside_azures(client, archive):
    response = client.get(
        reverse("dashboard:history"), {"since": "2024-12-01", "until": "2024-12-31"}
    )
    assert response.status_code == 200
    figure = response.context["data"].timeline
    rows = {(trace["name"], row) for trace in figure["data"] for row in trace["y"]}
    assert ("Critical", "OpenAI") in rows
    assert ("Major", "Microsoft Azure") in rows
    openai = Incident.objects.get(external_id="6bwlxnvdncnm")
    urls = [item[0] for trace in figure["data"] for item in trace.get("customdata", [])]
    assert reverse("dashboard:incident-detail", args=[openai.pk]) in urls
    content = response.content.decode()
    assert 'id="outage-timeline-data"' in content
    assert "js/history.js" in content
    assert "<script>" not in content  # data travels in json_script, code in static files


def test_the_history_page_defaults_to_the_last_ninety_days(client, archive):
    with time_machine.travel(utc(2025, 7, 1, 12), tick=False):
        response = client.get(reverse("dashboard:history"))
    assert response.context["since"] == "2025-04-03"
    assert response.context["until"] == "2025-07-01"
    titles = [incident.external_id for incident in response.context["data"].incidents]
    assert titles == ["01JXCAW3K3JAE0EP56AEZ7CBG3", "ow5i3PPK96RduMcb1SsW"]


def test_a_bad_range_says_so_and_falls_back(client):
    response = client.get(
        reverse("dashboard:history"), {"since": "2025-02-01", "until": "2025-01-01"}
    )
    assert response.status_code == 400
    assert "must not be after" in response.content.decode()


def make_history(count: int) -> None:
    providers = [
        Provider.objects.get_or_create(slug=f"p{i}", defaults={"name": f"Provider {i}"})[0]
        for i in range(3)
    ]
    existing = Incident.objects.count()
    for n in range(existing, existing + count):
        incident = Incident.objects.create(
            provider=providers[n % 3],
            external_id=f"i{n}",
            title=f"Incident {n}",
            impact=["minor", "major", "critical"][n % 3],
            status="resolved",
            started_at=utc(2025, 1, 1) + timedelta(hours=7 * n),
            resolved_at=utc(2025, 1, 1) + timedelta(hours=7 * n + 2),
        )
        IncidentUpdate.objects.create(
            incident=incident, key="u", status="resolved", body="ok", at=incident.started_at
        )


def test_the_history_page_query_count_stays_constant_as_history_grows(client):
    params = {"since": "2025-01-01", "until": "2025-03-31"}
    make_history(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("dashboard:history"), params).status_code == 200
    make_history(60)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("dashboard:history"), params)
    assert len(response.context["data"].incidents) == 63
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_incident_list_filters_searches_and_pages(client, archive):
    url = reverse("dashboard:incident-list")
    response = client.get(url, {"provider": "openai"})
    assert response.status_code == 200
    assert {i.provider.slug for i in response.context["incidents"]} == {"openai"}
    found = client.get(url, {"q": "GPU"}).context["incidents"]  # only in update bodies / titles
    assert [i.external_id for i in found] == ["01JXCAW3K3JAE0EP56AEZ7CBG3"]
    assert [
        i.external_id
        for i in client.get(url, {"impact": "major", "provider": "azure"}).context["incidents"]
    ] == ["archive-2024-12-26-south-central-us-power"]
    make_history(30)
    first = client.get(url)
    assert first.context["page"].paginator.num_pages == 2
    assert len(client.get(url, {"page": 2}).context["incidents"]) == Incident.objects.count() - 25
    assert client.get(url, {"impact": "terrible"}).status_code == 400


def test_the_incident_page_shows_postmortem_root_cause_recoveries_and_upstream(client, archive):
    incident = Incident.objects.get(external_id="6bwlxnvdncnm")
    response = client.get(reverse("dashboard:incident-detail", args=[incident.pk]))
    content = response.content.decode()
    assert "https://status.openai.com/incidents/6bwlxnvdncnm" in content
    assert "power failure" in content.lower()
    # Both ChatGPT recovery times, each with its source; UTC in the tooltip.
    assert "2024-12-27 02:20 UTC" in content
    assert "2024-12-27 04:16 UTC" in content
    assert "Power incident in one South Central US availability zone" in content
    assert "Archive" in content


def test_unverified_times_are_flagged(client, archive):
    incident = Incident.objects.get(external_id="01K47A0QGE7KMK2AHJZVYSTHXW")
    content = client.get(reverse("dashboard:incident-detail", args=[incident.pk])).content.decode()
    assert "Unverified times" in content


def test_archived_outages_count_in_reliability_but_give_no_unwatched_uptime(client, archive):
    with time_machine.travel(utc(2025, 1, 15, 12), tick=False):
        response = client.get(reverse("dashboard:provider-detail", args=["openai"]))
    content = response.content.decode()
    history = response.context["history"]
    overall = history.subjects[0]
    by_day = {day.day.isoformat(): day for day in overall.days}
    # 18:40-24:00 critical on the 26th, from the archive: we were not watching, so the day
    # has no uptime (it used to read 77.77 %, the rest of the day credited as up).
    assert by_day["2024-12-26"].uptime is None
    assert by_day["2024-12-20"].uptime is None
    assert overall.window_90.uptime is None
    assert history.figures.incidents >= 1
    assert history.figures.longest_outage is not None
    assert "Mean time to recovery" in content
    assert "No uptime data for the last 90 days yet" in content


def test_a_provider_without_uptime_data_says_so_instead_of_an_empty_chart(client):
    Provider.objects.create(slug="quiet", name="Quiet AI")
    content = client.get(reverse("dashboard:provider-detail", args=["quiet"])).content.decode()
    assert "No uptime data for the last 90 days yet" in content
    assert 'id="uptime-bars-data"' not in content
    assert "no data" in content  # the table says "no data", never 100%


# -- the page starts full, one-click ranges, the comparison, a bounded size, the cache ---------


def test_the_notable_outages_show_whatever_the_range(client, archive):
    with time_machine.travel(utc(2026, 12, 1, 12), tick=False):
        response = client.get(reverse("dashboard:history"), {"range": "24h"})
    assert response.status_code == 200
    data = response.context["data"]
    assert data.incidents == []
    titles = [incident.external_id for incident in data.notable]
    assert "6bwlxnvdncnm" in titles  # OpenAI, 26 December 2024
    assert len(titles) == Incident.objects.filter(provenance="archive").count()
    markers = [row for trace in data.notable_chart["data"] for row in trace["y"]]
    assert {"OpenAI", "Microsoft Azure"} <= set(markers)
    content = response.content.decode()
    assert 'id="notable-outages-data"' in content
    assert "Notable outages" in content


def test_one_click_ranges_choose_the_window(client, archive):
    with time_machine.travel(utc(2026, 12, 1, 12, 30) + timedelta(seconds=20), tick=False):
        day = client.get(reverse("dashboard:history"), {"range": "24h"})
        week = client.get(reverse("dashboard:history"), {"range": "7d"})
        everything = client.get(reverse("dashboard:history"), {"range": "all"})
        wrong = client.get(reverse("dashboard:history"), {"range": "2w"})
    window = day.context["data"].window
    assert (window.start, window.end) == (utc(2026, 11, 30, 12, 31), utc(2026, 12, 1, 12, 31))
    assert (week.context["since"], week.context["until"]) == ("2026-11-25", "2026-12-01")
    assert everything.context["since"] == "2024-12-26"  # the archive's first outage
    assert {i.external_id for i in everything.context["data"].incidents} >= {"6bwlxnvdncnm"}
    assert [name for name, _label, current in week.context["ranges"] if current] == ["7d"]
    assert 'href="?range=1y"' in week.content.decode()
    assert wrong.status_code == 400
    assert "must be one of 24h, 7d, 90d, 1y, all" in wrong.content.decode()


def test_a_long_range_is_drawn_in_buckets_and_lists_only_the_newest(client):
    from dashboard.history_page import LIST_LIMIT, TIMELINE_BAR_LIMIT

    make_history(TIMELINE_BAR_LIMIT + 60)
    params = {"since": "2025-01-01", "until": "2025-12-31"}
    response = client.get(reverse("dashboard:history"), params)
    data = response.context["data"]
    assert data.incident_count == TIMELINE_BAR_LIMIT + 60
    assert len(data.incidents) == LIST_LIMIT
    assert data.incidents[-1].external_id == f"i{TIMELINE_BAR_LIMIT + 59}"  # the newest
    assert data.bucket_days == 7  # a year in weeks: at most MAX_BUCKETS columns
    [heatmap] = data.timeline["data"]
    assert heatmap["type"] == "heatmap"
    assert len(heatmap["x"]) <= 3 * 53
    assert sum(cell[0] for cell in heatmap["customdata"]) >= data.incident_count
    assert heatmap["meta"]["incident_list"]["path"] == reverse("dashboard:incident-list")
    assert heatmap["meta"]["incident_list"]["days"] == 7
    assert set(heatmap["y"]) <= set(heatmap["meta"]["incident_list"]["providers"])
    content = response.content.decode()
    assert f"The newest {LIST_LIMIT} of {data.incident_count} incidents" in content
    assert content.count('class="incident-list__item"') == LIST_LIMIT


def test_the_page_weighs_the_same_for_a_year_of_history_as_for_twice_as_much(client):
    make_history(400)
    params = {"since": "2025-01-01", "until": "2025-12-31"}
    lighter = len(client.get(reverse("dashboard:history"), params).content)
    make_history(400)
    heavier = len(client.get(reverse("dashboard:history"), params).content)
    assert heavier < lighter * 1.2


def test_the_comparison_reads_uptime_from_the_rollups_and_counts_incident_minutes(client):
    from probes.history import rollups
    from probes.models import StatusChange

    provider = Provider.objects.create(slug="watched", name="Watched AI")
    StatusChange.objects.create(
        provider=provider, old_status="unknown", new_status="operational", at=utc(2025, 3, 1)
    )
    StatusChange.objects.create(
        provider=provider, old_status="operational", new_status="major_outage", at=utc(2025, 3, 2)
    )
    StatusChange.objects.create(
        provider=provider,
        old_status="major_outage",
        new_status="operational",
        at=utc(2025, 3, 2, 6),
    )
    Incident.objects.create(
        provider=provider,
        external_id="w1",
        title="Down",
        impact="major",
        status="resolved",
        started_at=utc(2025, 3, 2),
        resolved_at=utc(2025, 3, 2, 6),
    )
    with time_machine.travel(utc(2025, 3, 4), tick=False):
        rollups.rebuild(provider)
        response = client.get(
            reverse("dashboard:history"), {"since": "2025-03-01", "until": "2025-03-03"}
        )
    [row] = response.context["data"].comparison
    assert row.provider == "Watched AI"
    assert row.incident_minutes == 360
    assert row.uptime == pytest.approx(1 - 6 / 72)
    assert 'id="provider-comparison-data"' in response.content.decode()


def test_the_page_is_cached_until_a_change_moves_its_key(client, monkeypatch):
    from dashboard import history_page

    calls = []
    real = history_page.history_data
    monkeypatch.setattr(
        history_page, "history_data", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    make_history(3)
    params = {"since": "2025-01-01", "until": "2025-03-31"}
    client.get(reverse("dashboard:history"), params)
    client.get(reverse("dashboard:history"), params)
    assert len(calls) == 1
    make_history(1)  # what a poll writes: the key moves, the next request sees it
    response = client.get(reverse("dashboard:history"), params)
    assert len(calls) == 2
    assert response.context["data"].incident_count == 4


def test_the_cache_backend_away_does_not_break_the_page(client, cache_away):
    make_history(2)
    response = client.get(reverse("dashboard:history"), {"range": "all"})
    assert response.status_code == 200
    assert response.context["data"].incident_count == 2


def test_the_provider_pages_overall_row_is_translated(client):
    Provider.objects.create(slug="quiet", name="Quiet AI")
    response = client.get(
        reverse("dashboard:provider-detail", args=["quiet"]), headers={"Accept-Language": "fr"}
    )
    assert response.context["history"].subjects[0].name == "Quiet AI (ensemble)"
