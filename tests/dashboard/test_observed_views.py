"""Our own eyes on the pages and in the API: observed status, detection lead, team reports."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard import charts, history_cache
from probes.models import ObservedTransition, Provider, Source, TeamReport
from probes.status.polling import poll_source
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")


def shifted(payload: bytes, first_post: datetime) -> bytes:
    """The fixture with every time moved so that its first incident post lands at first_post."""
    text = payload.decode()
    stamps = [datetime.fromisoformat(s.replace("Z", "+00:00")) for s in ISO.findall(text)]
    data = json.loads(text)
    posts = [
        datetime.fromisoformat(update["created_at"].replace("Z", "+00:00"))
        for update in data["incidents"][0]["incident_updates"]
    ]
    delta = first_post - min(posts)
    assert stamps
    return ISO.sub(
        lambda m: (
            (datetime.fromisoformat(m.group().replace("Z", "+00:00")) + delta)
            .astimezone(UTC)
            .strftime("%Y-%m-%dT%H:%M:%S.000Z")
        ),
        text,
    ).encode()


@pytest.fixture(autouse=True)
def allow_local_addresses(settings):
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]


@pytest.fixture
def watched(status_server):
    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_operational.json"))
    status_server.set("/v1/models", b'{"error": {"type": "invalid_request_error"}}', status=401)
    provider = Provider.objects.create(slug="local-api", name="Local API")
    page = Source.objects.create(
        provider=provider, url=status_server.url("/api/v2/summary.json"), kind="statuspage"
    )
    Source.objects.create(
        provider=provider,
        url=status_server.url("/v1/models"),
        kind="http_probe",
        interval_seconds=60,
        timeout_seconds=2,
    )
    return provider, page


def api_provider(client: Client, slug: str) -> dict:
    return client.get(reverse("dashboard:api-provider-detail", args=[slug])).json()


def test_a_failing_local_api_is_observed_down_while_the_official_page_says_operational(
    client, status_server, watched
):
    _provider, page = watched
    assert poll_source(page).state == "ok"
    call_command("probe", "--provider", "local-api", stdout=StringIO())
    call_command("probe", stdout=StringIO())
    assert api_provider(client, "local-api")["observed_status"]["status"] == "operational"

    status_server.set("/v1/models", b"upstream unavailable", status=503)
    call_command("probe", "--provider", "local-api", stdout=StringIO())
    body = api_provider(client, "local-api")
    assert body["observed_status"]["status"] == "operational"  # one failure is not enough
    call_command("probe", "--provider", "local-api", stdout=StringIO())

    body = api_provider(client, "local-api")
    # The headline is never operational while fresh confirmed probes see an outage; the
    # provider's own word stays apart.
    assert body["status"] == "major_outage"
    assert body["headline"]["provenance"] == "observed"
    assert body["official_status"] == "operational"
    assert body["observed_status"]["status"] == "major_outage"
    assert body["observed_status"]["provenance"] == "observed"
    assert body["observed_status"]["fresh"] is True
    overview = client.get(reverse("dashboard:index")).content.decode()
    card = overview.split('id="provider-local-api"')[1].split("</article>")[0]
    assert "Observed" in card
    assert "Major outage" in card
    assert "Operational" in card

    # Our outage has no official incident yet: it is a silent outage, for now.
    assert len(body["detection"]["silent_outages"]) == 1
    confirmed = ObservedTransition.objects.get(source=None, new_status="major_outage").at

    # The provider posts three minutes after we confirmed.
    status_server.set(
        "/api/v2/summary.json",
        shifted(
            load_fixture("statuspage/summary_major_outage.json"),
            # Whole seconds on the wire: a second more keeps the lead at three full minutes.
            confirmed + timedelta(minutes=3, seconds=1),
        ),
    )
    assert poll_source(page).state == "ok"
    body = api_provider(client, "local-api")
    assert body["detection"]["silent_outages"] == []
    [lead] = body["detection"]["leads"]
    assert lead["lead_seconds"] == pytest.approx(181, abs=1)
    page_html = client.get(reverse("dashboard:provider-detail", args=["local-api"])).content
    assert b"3 min ahead" in page_html
    assert b"Requests to the API are failing" in page_html

    # A team report shows up in the report chart.
    response = client.post(reverse("dashboard:provider-report", args=["local-api"]), {"note": "x"})
    assert response.status_code == 303
    detail = client.get(reverse("dashboard:provider-detail", args=["local-api"]))
    figure = json.loads(
        detail.content.decode()
        .split('id="team-reports-chart-data" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert sum(figure["data"][0]["y"]) == 1


def test_the_report_form_needs_a_csrf_token(watched):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("dashboard:provider-report", args=["local-api"]), {"note": ""})
    assert response.status_code == 403
    assert TeamReport.objects.count() == 0

    page = client.get(reverse("dashboard:provider-detail", args=["local-api"]))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    response = client.post(
        reverse("dashboard:provider-report", args=["local-api"]),
        {"note": "timeouts", "csrfmiddlewaretoken": token.decode()},
    )
    assert response.status_code == 303
    assert TeamReport.objects.get().note == "timeouts"


def test_a_visitor_is_limited_per_window_and_told_why(client, watched):
    url = reverse("dashboard:provider-report", args=["local-api"])
    client.post(url, {"note": ""})
    response = client.post(url, {"note": ""}, follow=True)
    assert TeamReport.objects.count() == 1
    assert b"already reported" in response.content


def test_visitors_not_signed_in_count_once_per_network_and_refusals_create_nothing(
    watched, settings
):
    # Clients dropping their cookies, or many browsers behind one address: one network, so one
    # report, and they cannot raise the burst flag alone; refused posts create no session.
    from django.contrib.sessions.models import Session

    settings.AIWATCH_REPORT_BURST_MIN = 3
    url = reverse("dashboard:provider-report", args=["local-api"])
    answers = [Client().post(url, {"note": ""}) for _ in range(10)]
    assert [answer.status_code for answer in answers] == [303] * 10
    assert TeamReport.objects.count() == 1
    assert Session.objects.count() <= 1
    listed = Client().get(reverse("dashboard:api-providers")).json()["providers"][0]
    assert listed["team_reports"]["burst"] is False
    # Another address is another network.
    Client(REMOTE_ADDR="198.51.100.7").post(url, {"note": ""})
    assert TeamReport.objects.count() == 2


def test_reports_are_not_stored_with_the_raw_address(client, watched):
    client.post(reverse("dashboard:provider-report", args=["local-api"]), {"note": ""})
    report = TeamReport.objects.get()
    assert "127.0.0.1" not in (report.person + report.network)


def test_a_too_long_note_is_refused_without_storing(client, watched):
    url = reverse("dashboard:provider-report", args=["local-api"])
    response = client.post(url, {"note": "x" * 281}, follow=True)
    assert TeamReport.objects.count() == 0
    assert b"at most 280" in response.content


def test_a_burst_of_reports_raises_the_flag_on_the_overview(watched, settings):
    settings.AIWATCH_REPORT_BURST_MIN = 3
    provider, _ = watched
    now = timezone.now()
    for index in range(3):
        TeamReport.objects.create(
            provider=provider, at=now - timedelta(minutes=index), person=f"p{index}", network="n"
        )
    html = Client().get(reverse("dashboard:index")).content.decode()
    assert "Early warning from the team" in html
    assert "Local API" in html.split("Early warning from the team")[1].split("</div>")[0]
    listed = Client().get(reverse("dashboard:api-providers")).json()["providers"][0]
    assert listed["team_reports"]["burst"] is True


def test_the_latency_chart_has_p50_and_p95_per_probe():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    figure = charts.build_latency_chart(
        [charts.LatencySeries("GET api", [(start, 100.0, 180.0), (start, None, None)])]
    )
    assert [trace["name"] for trace in figure["data"]] == ["GET api p50", "GET api p95"]
    assert figure["data"][1]["y"] == [180.0, None]
    json.dumps(figure)


def test_the_latency_chart_carries_a_tenth_of_a_millisecond():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    figure = charts.build_latency_chart(
        [charts.LatencySeries("GET api", [(start, 204.30501575786695, 238.47319242892723)])]
    )
    assert [trace["y"] for trace in figure["data"]] == [[204.3], [238.5]]


def test_the_latency_chart_gives_its_legend_room_below_the_time_axis():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    one = charts.build_latency_chart([charts.LatencySeries("GET api", [(start, 1.0, 2.0)])])
    two = charts.build_latency_chart(
        [charts.LatencySeries(name, [(start, 1.0, 2.0)]) for name in ("GET api", "POST chat")]
    )
    # Anchored to the figure's bottom, under the axis title, whatever the ticks' height; the
    # figure grows with the legend's possible rows (one per trace on a phone).
    assert two["layout"]["legend"]["yref"] == "container"
    assert two["layout"]["xaxis"]["automargin"] is True
    assert two["layout"]["height"] - one["layout"]["height"] == 2 * 20


def test_the_latency_charts_come_from_the_rollups(client, watched):
    from probes.models import ProbeResult
    from probes.observe import rollups as probe_rollups

    provider, _ = watched
    probe = provider.sources.get(kind="http_probe")
    now = timezone.now()
    for minutes in range(0, 120, 10):
        ProbeResult.objects.create(
            source=probe,
            provider=provider,
            at=now - timedelta(minutes=minutes),
            verdict="up",
            status_code=401,
            latency_ms=100 + minutes,
        )
    probe_rollups.roll_up(now=now)
    html = client.get(reverse("dashboard:provider-detail", args=["local-api"])).content.decode()
    for key in ("24h", "7d", "90d"):
        assert f'id="latency-{key}-data"' in html


def test_an_observed_outage_makes_an_officially_calm_provider_a_full_card(client, watched):
    provider, _ = watched
    now = timezone.now()
    provider.sources.filter(kind="statuspage").update(last_success_at=now, last_polled_at=now)
    Provider.objects.filter(pk=provider.pk).update(
        status="operational", observed_status="major_outage", observed_checked_at=now
    )
    html = client.get(reverse("dashboard:index")).content.decode()
    # The headline is the observed outage; the card still shows the official word beside it.
    assert 'class="card card--major_outage" id="provider-local-api"' in html
    card = html.split('id="provider-local-api"')[1].split("</article>")[0]
    assert "Official" in card
    assert "Operational" in card

    # Stale observations say nothing: the provider goes back among the calm tiles. Only the
    # clock makes them stale, so the overview shows it once its parts expire (a minute at most).
    Provider.objects.filter(pk=provider.pk).update(observed_checked_at=now - timedelta(hours=1))
    with time_machine.travel(now + timedelta(seconds=history_cache.TTL + 1)):
        html = client.get(reverse("dashboard:index")).content.decode()
    assert 'id="provider-local-api"' in html
    assert 'class="card card--operational" id="provider-local-api"' not in html
    assert 'class="tile tile--operational" id="provider-local-api"' in html


def test_the_network_cap_holds_behind_a_proxy_whatever_the_client_writes(watched, settings):
    # The client invents the left of X-Forwarded-For; the proxy's entry on the right counts.
    from django.contrib.auth.models import User

    from aiwatch.roles import VIEWER, set_role

    settings.AIWATCH_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.AIWATCH_TRUSTED_PROXY_HOPS = 1
    settings.AIWATCH_REPORT_MAX_PER_NETWORK = 3
    url = reverse("dashboard:provider-report", args=["local-api"])
    for number in range(6):
        person = Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{number}, 203.0.113.9")
        teammate = User.objects.create_user(f"teammate{number}")
        set_role(teammate, VIEWER)
        person.force_login(teammate)
        person.post(url, {"note": ""})
    assert TeamReport.objects.count() == 3
