"""The uptime API, the incident feed and the CSV export, with filters and search."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
import time_machine
from django.urls import reverse

from dashboard.history import FilterError, filter_incidents, parse_filters
from probes.models import Incident, IncidentUpdate, Provider, Source
from probes.parsers.types import ParsedComponent, ParsedPage, Status
from probes.status.recording import record_poll

pytestmark = pytest.mark.django_db


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def incidents() -> dict[str, Incident]:
    openai = Provider.objects.create(slug="openai", name="OpenAI")
    azure = Provider.objects.create(slug="azure", name="Microsoft Azure", category="infrastructure")
    made = {
        "power": Incident.objects.create(
            provider=openai,
            external_id="6bwlxnvdncnm",
            title="ChatGPT down after a power failure",
            impact="critical",
            status="resolved",
            started_at=utc(2024, 12, 26, 18, 40),
            resolved_at=utc(2024, 12, 27, 2, 20),
            provenance="archive",
            postmortem_url="https://status.openai.com/incidents/6bwlxnvdncnm",
        ),
        "latency": Incident.objects.create(
            provider=openai,
            external_id="lat1",
            title="=Slow image generation",
            impact="minor",
            status="resolved",
            started_at=utc(2025, 3, 1, 10),
            resolved_at=utc(2025, 3, 1, 11),
        ),
        "azure": Incident.objects.create(
            provider=azure,
            external_id="scus",
            title="Power incident in South Central US",
            impact="major",
            status="resolved",
            started_at=utc(2024, 12, 26, 18, 44),
            resolved_at=utc(2024, 12, 26, 22),
        ),
    }
    IncidentUpdate.objects.create(
        incident=made["latency"],
        key="u1",
        status="investigating",
        body="Image generation requests are queueing behind a busy cluster.",
        at=utc(2025, 3, 1, 10),
    )
    IncidentUpdate.objects.create(
        incident=made["latency"],
        key="u2",
        status="resolved",
        body="The cluster is healthy again.",
        at=utc(2025, 3, 1, 11),
    )
    return made


def titles(params: dict[str, str]) -> list[str]:
    found = filter_incidents(Incident.objects.order_by("started_at"), parse_filters(params))
    return [incident.external_id for incident in found]


def test_filters_select_by_provider_impact_and_overlapping_dates(incidents):
    assert titles({"provider": "openai"}) == ["6bwlxnvdncnm", "lat1"]
    assert titles({"impact": "major"}) == ["scus"]
    # The power failure started on the 26th and ended on the 27th: a search for the 27th finds it.
    assert titles({"since": "2024-12-27", "until": "2024-12-27"}) == ["6bwlxnvdncnm"]
    assert titles({"until": "2024-12-25"}) == []


def test_search_covers_titles_and_update_bodies_and_lists_each_incident_once(incidents):
    assert titles({"q": "power"}) == ["6bwlxnvdncnm", "scus"]
    assert titles({"q": "cluster"}) == ["lat1"]  # only in the updates, twice
    assert titles({"q": "CLUSTER queueing"}) == ["lat1"]
    assert titles({"q": "cluster power"}) == []


def test_bad_filters_are_named():
    with pytest.raises(FilterError, match="'impact' must be one of"):
        parse_filters({"impact": "apocalyptic"})
    with pytest.raises(FilterError, match="'since' must be a date"):
        parse_filters({"since": "yesterday"})
    with pytest.raises(FilterError, match="must not be after"):
        parse_filters({"since": "2025-01-02", "until": "2025-01-01"})


def test_the_csv_export_uses_the_same_filters_and_defuses_formulas(client, incidents):
    response = client.get(reverse("dashboard:incident-csv"), {"provider": "openai"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["external_id"] for row in rows] == ["lat1", "6bwlxnvdncnm"]
    assert rows[0]["title"] == "'=Slow image generation"
    assert rows[1]["started_at"] == "2024-12-26T18:40:00+00:00"
    assert rows[1]["duration_minutes"] == "460"
    assert rows[1]["provenance"] == "archive"
    assert client.get(reverse("dashboard:incident-csv"), {"impact": "x"}).status_code == 400


ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_atom_feed_lists_incidents_newest_first_and_narrows_to_a_provider(client, incidents):
    response = client.get(reverse("dashboard:incident-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "OpenAI: =Slow image generation",
        "Microsoft Azure: Power incident in South Central US",
        "OpenAI: ChatGPT down after a power failure",
    ]
    link = entries[2].find(f"{ATOM}link").get("href")
    assert link.endswith(reverse("dashboard:incident-detail", args=[incidents["power"].pk]))
    assert "2024-12-26 18:40 UTC" in entries[2].findtext(f"{ATOM}summary")

    only = ElementTree.fromstring(
        client.get(reverse("dashboard:incident-feed"), {"provider": "azure"}).content
    )
    assert len(only.findall(f"{ATOM}entry")) == 1
    assert client.get(reverse("dashboard:incident-feed"), {"provider": "nobody"}).status_code == 404


def page(status: Status) -> ParsedPage:
    return ParsedPage(
        platform="statuspage",
        components=(ParsedComponent(external_id="api", name="API", status=status),),
        has_component_states=True,
    )


def test_the_uptime_api_gives_one_entry_per_day_with_null_for_no_data(client):
    provider = Provider.objects.create(slug="example", name="Example")
    source = Source.objects.create(provider=provider, url="https://status.example.com/s.json")
    record_poll(source, page(Status.OPERATIONAL), at=utc(2025, 1, 2, 0))
    record_poll(source, page(Status.MAJOR_OUTAGE), at=utc(2025, 1, 3, 12))
    record_poll(source, page(Status.OPERATIONAL), at=utc(2025, 1, 3, 13))
    Incident.objects.create(
        provider=provider,
        external_id="i1",
        title="API down",
        impact="critical",
        status="resolved",
        started_at=utc(2025, 1, 3, 12),
        resolved_at=utc(2025, 1, 3, 13),
    )
    with time_machine.travel(utc(2025, 1, 4, 12), tick=False):
        response = client.get(
            reverse("dashboard:api-provider-uptime", args=["example"]), {"days": 4}
        )
    assert response.status_code == 200
    days = response.json()["days"]
    assert [d["date"] for d in days] == ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]
    assert days[0]["uptime"] is None
    assert days[0]["minutes_down"] == 0
    assert days[1]["uptime"] == 100.0
    assert days[2]["minutes_down"] == 60.0
    assert days[2]["uptime"] == pytest.approx(100 * (1 - 1 / 24), abs=0.001)
    assert [i["title"] for i in days[2]["incidents"]] == ["API down"]
    assert days[3]["uptime"] == 100.0  # carried on to now from the last change


def test_the_uptime_api_defaults_to_ninety_days_and_refuses_bad_input(client):
    Provider.objects.create(slug="example", name="Example")
    url = reverse("dashboard:api-provider-uptime", args=["example"])
    body = client.get(url).json()
    assert len(body["days"]) == 90
    assert all(day["uptime"] is None for day in body["days"])
    assert body["uptime"] is None
    assert client.get(url, {"days": "0"}).status_code == 400
    assert client.get(url, {"days": "366"}).status_code == 400
    assert client.get(url, {"days": "ten"}).status_code == 400
    missing = reverse("dashboard:api-provider-uptime", args=["nobody"])
    assert client.get(missing).status_code == 404


def test_days_are_utc_days_whatever_zone_the_viewer_picked(client):
    # The same answer with a New York viewer cookie: buckets never move with the viewer's zone.
    Provider.objects.create(slug="example", name="Example")
    url = reverse("dashboard:api-provider-uptime", args=["example"])
    with time_machine.travel(utc(2025, 3, 9, 3), tick=False):
        plain = client.get(url, {"days": 2}).json()
        client.cookies["tz"] = "America/New_York"
        zoned = client.get(url, {"days": 2}).json()
    assert plain == zoned
    assert [d["date"] for d in plain["days"]] == ["2025-03-08", "2025-03-09"]


def test_the_incidents_api_accepts_q_and_impact(client, incidents):
    url = reverse("dashboard:api-incidents")
    found = client.get(url, {"q": "cluster"}).json()["incidents"]
    assert [i["title"] for i in found] == ["=Slow image generation"]
    found = client.get(url, {"impact": "critical", "provider": "openai"}).json()["incidents"]
    assert [i["title"] for i in found] == ["ChatGPT down after a power failure"]
    assert client.get(url, {"q": "power", "impact": "major"}).json()["incidents"][0][
        "provider"
    ] == ("azure")
    assert client.get(url, {"impact": "huge"}).status_code == 400


def test_the_archived_outage_is_found_by_the_incidents_api_in_utc(client):
    from django.core.management import call_command

    call_command("load_archive", verbosity=0)
    response = client.get(
        reverse("dashboard:api-incidents"),
        {"provider": "openai", "since": "2024-12-26T00:00:00Z", "until": "2024-12-28T00:00:00Z"},
    )
    [incident] = response.json()["incidents"]
    assert incident["started_at"] == "2024-12-26T18:40:00Z"


def test_upstream_incidents_are_the_linked_ones_plus_overlapping_ones_of_upstream_providers():
    from dashboard.history import related_upstream_incidents

    cloud = Provider.objects.create(slug="cloud", name="Cloud", category="infrastructure")
    app = Provider.objects.create(slug="app", name="App")
    app.upstreams.add(cloud)
    outage = Incident.objects.create(
        provider=app,
        external_id="a1",
        title="App down",
        impact="critical",
        status="resolved",
        started_at=utc(2025, 5, 1, 10),
        resolved_at=utc(2025, 5, 1, 12),
    )

    def cloud_incident(external_id: str, start: datetime, end: datetime) -> Incident:
        return Incident.objects.create(
            provider=cloud,
            external_id=external_id,
            title=external_id,
            impact="major",
            status="resolved",
            started_at=start,
            resolved_at=end,
        )

    overlapping = cloud_incident("during", utc(2025, 5, 1, 11), utc(2025, 5, 1, 13))
    cloud_incident("before", utc(2025, 5, 1, 6), utc(2025, 5, 1, 9))
    linked = cloud_incident("linked-earlier", utc(2025, 4, 30), utc(2025, 4, 30, 1))
    outage.upstream_incidents.add(linked)
    found = related_upstream_incidents(outage, now=utc(2025, 6, 1))
    assert found == [linked, overlapping]
