"""The status model end to end, through real local HTTP: one provider with a Statuspage
summary.json, its history.atom and a probe, replayed through outage → feed breaks → feed returns
→ resolution; and a local model server with nothing but probes.

What pages, the API and the stored rows say is checked at every step: one headline, one "since";
and what a team channel hears: one outage alert, one recovery quoting the provider's closing words.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from alerts.models import Channel, Delivery, Event
from dashboard.summaries import summarise_provider
from probes.models import Incident, IncidentUpdate, Provider, Source, StatusChange
from probes.observe.probing import run_probes
from probes.status.headline import provider_headline
from probes.status.polling import poll_source
from tests.alerts.pages import incident, summary

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
INCIDENT = "k2v9x8w7q1rt"
TITLE = "Requests to the API are failing"


def entry(time: str, word: str, body: str) -> str:
    return (
        f"&lt;p&gt;&lt;small&gt;Nov &lt;var data-var='date'&gt;20&lt;/var&gt;, "
        f"&lt;var data-var='time'&gt;{time}&lt;/var&gt; UTC&lt;/small&gt;&lt;br&gt;"
        f"&lt;strong&gt;{word}&lt;/strong&gt; - {body}&lt;/p&gt;"
    )


def history_atom(*updates: tuple[str, str, str]) -> bytes:
    """The page's history.atom with one entry for INCIDENT; `updates` newest first."""
    content = "".join(entry(*update) for update in updates)
    entries = (
        f"""<entry>
    <id>tag:status.example-ai.test,2005:Incident/31000002</id>
    <published>2026-11-20T10:10:00Z</published>
    <updated>2026-11-20T10:{updates[0][0][3:]}:00Z</updated>
    <link rel="alternate" type="text/html" href="https://status.example-ai.test/incidents/{INCIDENT}"/>
    <title>{TITLE}</title>
    <content type="html">{content}</content>
  </entry>"""
        if updates
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">
  <id>tag:status.example-ai.test,2005:/history</id>
  <link rel="alternate" type="text/html" href="https://status.example-ai.test"/>
  <title>Example AI Status - Incident History</title>
  <updated>2026-11-20T10:50:00Z</updated>
  {entries}
</feed>""".encode()


INVESTIGATING = ("10:10", "Investigating", "We are investigating elevated error rates on the API.")
IDENTIFIED = ("10:11", "Identified", "A failed database failover is the cause.")
RESOLVED = ("10:50", "Resolved", "Traffic is back on the primary; all requests succeed.")


def resolved_incident_document() -> bytes:
    """The incident's own endpoint after the fix: what a resolved incident's page answers."""
    document = incident(
        INCIDENT,
        TITLE,
        status="resolved",
        components=("api",),
        updates=(
            ("u1", "investigating", INVESTIGATING[2]),
            ("u2", "identified", IDENTIFIED[2]),
            ("u3", "resolved", RESOLVED[2]),
        ),
    )
    times = {"u1": INVESTIGATING[0], "u2": IDENTIFIED[0], "u3": RESOLVED[0]}
    updates: list[dict[str, str]] = document["incident_updates"]  # type: ignore[assignment]
    for update in updates:
        stamp = f"2026-11-20T{times[update['id']]}:00.000Z"
        update.update(created_at=stamp, updated_at=stamp, display_at=stamp)
    document["resolved_at"] = "2026-11-20T10:50:00.000Z"
    return json.dumps({"incident": document}).encode()


def outage_summary() -> bytes:
    return summary(
        {"api": "major_outage"},
        incidents=(
            incident(
                INCIDENT,
                TITLE,
                components=("api",),
                updates=(
                    ("u1", "investigating", INVESTIGATING[2]),
                    ("u2", "identified", IDENTIFIED[2]),
                ),
            ),
        ),
    )


@pytest.fixture(autouse=True)
def allow_local_addresses(settings):
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    settings.AIWATCH_ALERT_ENQUEUE_ON_COMMIT = False  # delivered below with `notify`


@pytest.fixture
def team_channel(status_server):
    """A team room with no filters: it hears everything, on a receiver of the same server."""
    status_server.set("/hook", b"{}")
    return Channel.objects.create(name="team", url=f"json://127.0.0.1:{status_server.port}/hook")


def heard(status_server) -> list[dict[str, str]]:
    """Deliver the outbox, then every message the team room received so far."""
    call_command("notify", stdout=StringIO())
    return [json.loads(r.body) for r in status_server.requests if r.path == "/hook"]


@pytest.fixture
def example(status_server):
    provider = Provider.objects.create(slug="example", name="Example AI", capabilities=["chat"])
    page = Source.objects.create(
        provider=provider, url=status_server.url("/api/v2/summary.json"), kind="statuspage"
    )
    feed = Source.objects.create(
        provider=provider, url=status_server.url("/history.atom"), kind="statuspage_feed"
    )
    probe = Source.objects.create(
        provider=provider,
        url=status_server.url("/v1/models"),
        kind="http_probe",
        interval_seconds=60,
        timeout_seconds=2,
    )
    return provider, page, feed, probe


def step(status_server, sources, minute: int, *, probe: Source | None = None) -> datetime:
    """Poll every official source and run the probe at T0 + minute."""
    at = T0 + timedelta(minutes=minute)
    for source in sources:
        source.refresh_from_db()
        poll_source(source, now=at)
    if probe is not None:
        probe.refresh_from_db()
        run_probes([probe], now=at)
    return at


def shown(client: Client, provider: Provider, at: datetime) -> tuple[str, object, str]:
    """(headline status, its since, the API's status) as pages and the API say it at `at`."""
    with time_machine.travel(at + timedelta(seconds=5), tick=False):
        loaded = Provider.objects.for_dashboard().get(pk=provider.pk)
        card = summarise_provider(loaded, now=at + timedelta(seconds=5))
        api = client.get(reverse("dashboard:api-provider-detail", args=[provider.slug])).json()
        overview = client.get(reverse("dashboard:index")).content.decode()
    assert api["status"] == card.status.value
    assert provider_headline(provider, now=at + timedelta(seconds=5)).status == card.status
    if card.category == "problem":
        assert "<strong>1</strong> with problems" in overview
    return card.status.value, card.since, api["headline"]["since"]


def test_an_outage_reads_major_throughout_with_one_since(
    client, status_server, example, team_channel
):
    provider, page, feed, probe = example
    status_server.set(f"/api/v2/incidents/{INCIDENT}.json", resolved_incident_document())
    official = [page, feed]
    status_server.set("/api/v2/summary.json", summary({"api": "operational"}))
    status_server.set("/history.atom", history_atom())
    status_server.set("/v1/models", b'{"data": []}')
    at = step(status_server, official, 0, probe=probe)
    step(status_server, official, 1, probe=probe)
    assert shown(client, provider, at)[0] == "operational"

    # Outage: the page, its feed and our probe all see it.
    status_server.set("/api/v2/summary.json", outage_summary())
    status_server.set("/history.atom", history_atom(IDENTIFIED, INVESTIGATING))
    status_server.set("/v1/models", b"upstream unavailable", status=503)
    began = step(status_server, official, 12, probe=probe)
    step(status_server, official, 13, probe=probe)
    status, since, api_since = shown(client, provider, began + timedelta(minutes=1))
    assert (status, since) == ("major_outage", began)
    assert api_since == began.strftime("%Y-%m-%dT%H:%M:%SZ")

    # The feed breaks: the summary still speaks, the provider is partly unreadable. (The probe
    # rests meanwhile: its results go stale, so the official word alone carries the headline.)
    status_server.set("/history.atom", b"<html>Service unavailable</html>", status=503)
    for minute in (20, 21, 22):
        at = step(status_server, official, minute)
        assert shown(client, provider, at)[:2] == ("major_outage", began)
        assert provider_headline(provider, now=at).provenance == "official"
    with time_machine.travel(at + timedelta(seconds=5), tick=False):
        body = client.get(reverse("dashboard:api-provider-detail", args=["example"])).json()
        detail = client.get(reverse("dashboard:provider-detail", args=["example"])).content
    assert body["headline"]["partly_unreadable"] is True
    assert body["headline"]["unreadable_sources"][0]["url"].endswith("/history.atom")
    assert b"Partly unreadable" in detail
    assert b"the other sources still speak" in detail

    # The feed returns.
    status_server.set("/history.atom", history_atom(IDENTIFIED, INVESTIGATING))
    at = step(status_server, official, 30)
    assert shown(client, provider, at)[:2] == ("major_outage", began)
    assert not provider_headline(provider, now=at).partly_unreadable

    # Never unknown on the way, and exactly one transition into the outage.
    provider_changes = StatusChange.objects.filter(provider=provider, component__isnull=True)
    assert list(provider_changes.values_list("new_status", flat=True)) == [
        "operational",
        "major_outage",
    ]

    # Resolution: the summary drops the incident, the feed says resolved, the probe answers.
    status_server.set("/api/v2/summary.json", summary({"api": "operational"}))
    status_server.set("/history.atom", history_atom(RESOLVED, IDENTIFIED, INVESTIGATING))
    status_server.set("/v1/models", b'{"data": []}')
    step(status_server, official, 50, probe=probe)
    at = step(status_server, official, 51, probe=probe)
    assert shown(client, provider, at)[0] == "operational"
    assert list(provider_changes.values_list("new_status", flat=True)) == [
        "operational",
        "major_outage",
        "operational",
    ]
    step(status_server, official, 52, probe=probe)

    # One incident, each of its three updates stored once, though two sources told it.
    assert Incident.objects.filter(provider=provider).count() == 1
    updates = IncidentUpdate.objects.filter(incident__provider=provider).order_by("at")
    assert [(u.status, u.at.strftime("%H:%M")) for u in updates] == [
        ("investigating", "10:10"),
        ("identified", "10:11"),
        ("resolved", "10:50"),
    ]

    # The team room: one outage alert, the unreadable feed and its return as threaded notes,
    # one recovery quoting the provider's closing words. Our probe's agreement (its own outage
    # a minute after the page's, its recovery a minute after) joins the thread unsent.
    messages = heard(status_server)
    assert [m["title"] for m in messages] == [
        "Example AI: Major outage",
        "Update: Example AI: one status source unreadable; the others still say Major outage",
        "Update: Example AI: status source readable again",
        "Update: Example AI is operational again",
    ]
    outage, recovery = messages[0], messages[-1]
    assert outage["type"] == "failure"
    assert recovery["type"] == "success"
    assert RESOLVED[2] in recovery["message"]
    assert IDENTIFIED[2] not in recovery["message"]
    root = Event.objects.get(provider=provider, root__isnull=True)
    assert f"Update to alert {root.uuid}" in recovery["message"]
    observed = Event.objects.filter(type__startswith="observed_").order_by("at")
    assert [(e.type, e.root_id) for e in observed] == [
        ("observed_outage", root.pk),
        ("observed_recovered", root.pk),
    ]
    assert not Delivery.objects.filter(event__in=observed).exists()

    # Polling and delivering once more changes nothing.
    step(status_server, official, 53, probe=probe)
    assert len(heard(status_server)) == 4
    assert IncidentUpdate.objects.filter(incident__provider=provider).count() == 3


def test_a_recovery_before_the_closing_words_does_not_quote_the_old_update(
    status_server, example, team_channel
):
    """The incident's endpoint cannot be read and the feed lags: the recovery says the closing
    words are not out yet instead of passing the failover note off as the resolution."""
    _provider, page, _feed, _probe = example
    status_server.set("/api/v2/summary.json", summary({"api": "operational"}))
    step(status_server, [page], 0)
    status_server.set("/api/v2/summary.json", outage_summary())
    step(status_server, [page], 12)
    status_server.set("/api/v2/summary.json", summary({"api": "operational"}))
    step(status_server, [page], 50)

    outage, recovery = heard(status_server)
    assert IDENTIFIED[2] in outage["message"]
    assert IDENTIFIED[2] not in recovery["message"]
    assert "closing words are not published yet" in recovery["message"]


def test_every_page_unreadable_and_back_keeps_the_outage_since(client, status_server, example):
    provider, page, feed, _probe = example
    official = [page, feed]
    status_server.set("/api/v2/summary.json", outage_summary())
    status_server.set("/history.atom", history_atom(IDENTIFIED, INVESTIGATING))
    began = step(status_server, official, 12)
    status_server.set("/api/v2/summary.json", b"oops", status=500)
    status_server.set("/history.atom", b"oops", status=500)
    at = step(status_server, official, 20)
    assert shown(client, provider, at)[0] == "unknown"
    status_server.set("/api/v2/summary.json", outage_summary())
    at = step(status_server, [page], 25)
    assert shown(client, provider, at)[:2] == ("major_outage", began)


def test_a_probe_only_local_model_server_shows_its_observed_status(client, status_server):
    provider = Provider.objects.create(
        slug="local-llm", name="Local model server", category="local", url=""
    )
    probe = Source.objects.create(
        provider=provider,
        url=status_server.url("/v1/models"),
        kind="http_probe",
        expected_statuses="200",
        interval_seconds=60,
        timeout_seconds=2,
    )
    with time_machine.travel(T0, tick=False):
        html = client.get(reverse("dashboard:index")).content.decode()
    tile = html.split('id="provider-local-llm"')[1].split("</li>")[0]
    assert "waiting for our probes" in tile

    status_server.set("/v1/models", b'{"data": [{"id": "llama3"}]}')
    step(status_server, [], 0, probe=probe)
    at = step(status_server, [], 1, probe=probe)
    assert shown(client, provider, at)[0] == "operational"
    with time_machine.travel(at + timedelta(seconds=5), tick=False):
        body = client.get(reverse("dashboard:api-provider-detail", args=["local-llm"])).json()
        html = client.get(reverse("dashboard:index")).content.decode()
        detail = client.get(reverse("dashboard:provider-detail", args=["local-llm"])).content
    assert (body["status"], body["headline"]["provenance"]) == ("operational", "observed")
    assert body["official_status"] == "unknown"
    assert "<strong>1</strong> operational" in html
    assert "<strong>0</strong> unknown" in html
    assert b"status page not read yet" not in detail
    assert b"no status source we can read" in detail

    status_server.set("/v1/models", b"", status=502)
    step(status_server, [], 2, probe=probe)
    at = step(status_server, [], 3, probe=probe)
    status, since, _ = shown(client, provider, at)
    assert status == "major_outage"
    assert since == at
    with time_machine.travel(at + timedelta(seconds=5), tick=False):
        html = client.get(reverse("dashboard:index")).content.decode()
    card = html.split('id="provider-local-llm"')[1].split("</article>")[0]
    assert "Observed" in card
    assert "Major outage" in card


def test_a_room_that_hears_only_our_checks_still_hears_them(status_server, example, team_channel):
    """Folding our probe's agreement is per channel: a room subscribed to observed events alone
    never heard the page's outage, so it gets our checks' outage and their recovery."""
    _provider, page, _feed, probe = example
    status_server.set("/observed", b"{}")
    Channel.objects.create(
        name="sre",
        url=f"json://127.0.0.1:{status_server.port}/observed",
        events=["observed_outage", "observed_recovered"],
    )
    status_server.set(f"/api/v2/incidents/{INCIDENT}.json", resolved_incident_document())
    status_server.set("/api/v2/summary.json", summary({"api": "operational"}))
    status_server.set("/v1/models", b'{"data": []}')
    for minute in (0, 1):
        step(status_server, [page], minute, probe=probe)
    status_server.set("/api/v2/summary.json", outage_summary())
    status_server.set("/v1/models", b"upstream unavailable", status=503)
    for minute in (12, 13, 14):
        step(status_server, [page], minute, probe=probe)
    status_server.set("/api/v2/summary.json", summary({"api": "operational"}))
    status_server.set("/v1/models", b'{"data": []}')
    for minute in (50, 51, 52):
        step(status_server, [page], minute, probe=probe)

    team = [m["title"] for m in heard(status_server)]
    sre = [json.loads(r.body)["title"] for r in status_server.requests if r.path == "/observed"]
    assert team == ["Example AI: Major outage", "Update: Example AI is operational again"]
    assert sre == [
        "Update: Example AI: outage confirmed by our own checks (Major outage)",
        "Update: Example AI: our own checks see it working again",
    ]
