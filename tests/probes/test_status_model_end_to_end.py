"""The status model end to end, through real local HTTP: one provider with a Statuspage
summary.json, its history.atom and a probe, replayed through outage → feed breaks → feed returns
→ resolution; and a local model server with nothing but probes.

What pages, the API and the stored rows say is checked at every step: one headline, one "since".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from dashboard.summaries import summarise_provider
from probes.models import Provider, Source, StatusChange
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


def test_an_outage_reads_major_throughout_with_one_since(client, status_server, example):
    provider, page, feed, probe = example
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
