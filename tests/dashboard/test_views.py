"""The overview, provider and incident pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from probes.models import Provider
from tests.factories import (
    NOW,
    make_component,
    make_incident,
    make_provider,
    make_read_source,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        yield


def test_it_shows_an_operational_provider_with_word_and_freshness(client):
    provider = make_provider("anthropic", name="Anthropic")
    make_read_source(provider)
    make_component(provider, "API")

    response = client.get(reverse("dashboard:index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Anthropic" in html
    assert "Operational" in html
    assert "status--operational" in html
    assert "Updated <time" in html
    assert "2 min ago" in html
    assert 'title="15 Jan 2025 12:00 UTC"' in html


def test_it_never_shows_a_provider_with_an_unreadable_source_as_operational(client):
    provider = make_provider("openai", name="OpenAI", status="operational")
    make_read_source(
        provider,
        last_error="HTTP 503 from https://status.openai.com/api/v2/summary.json",
        error_since=NOW - timedelta(minutes=30),
        consecutive_failures=7,
    )

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "status--operational" not in html
    assert "Unknown:" in html
    assert "source unreadable since" in html
    assert "HTTP 503 from https://status.openai.com" in html
    assert "<strong>1</strong> unknown" in html
    assert "<strong>0</strong> operational" in html


def test_it_shows_a_never_read_provider_as_unknown(client):
    provider = make_provider("groq", status="operational")
    make_read_source(provider, last_success_at=None, last_polled_at=None)

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "Waiting for data" in html
    assert "not read yet" in html
    assert "status--operational" not in html


def test_it_shows_stale_data_as_unknown(client):
    provider = make_provider("mistral", status="operational")
    make_read_source(provider, at=NOW - timedelta(hours=3))

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "no fresh data since" in html
    assert "status--operational" not in html


def test_it_lists_components_that_are_not_operational_and_hides_the_rest(client):
    provider = make_provider("example", status="partial_outage")
    make_read_source(provider)
    make_component(provider, "Chat completions", status="partial_outage")
    make_component(provider, "Embeddings", status="operational")

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "Chat completions" in html
    assert "Partial outage" in html
    assert "Embeddings" not in html


def test_it_shows_an_open_incident_with_its_latest_update(client):
    provider = make_provider("example", status="major_outage")
    make_read_source(provider)
    incident = make_incident(
        provider,
        "Elevated errors on the API",
        updates=[
            ("investigating", "We are looking into it.", NOW - timedelta(minutes=20)),
            ("identified", "A **fix** is rolling out.", NOW - timedelta(minutes=5)),
        ],
    )
    make_incident(provider, "Old and done", status="resolved", resolved_at=NOW)

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "Elevated errors on the API" in html
    assert reverse("dashboard:incident-detail", args=[incident.pk]) in html
    assert "A <strong>fix</strong> is rolling out." in html
    assert "We are looking into it." not in html
    assert "Old and done" not in html


def test_it_puts_providers_with_problems_first(client):
    for slug, status in [
        ("alpha", "operational"),
        ("bravo", "major_outage"),
        ("charlie", "degraded_performance"),
    ]:
        make_read_source(make_provider(slug, status=status))

    html = client.get(reverse("dashboard:index")).content.decode()

    positions = [html.index(f'id="provider-{slug}"') for slug in ("bravo", "charlie", "alpha")]
    assert positions == sorted(positions)
    assert "<strong>2</strong> with problems" in html


def test_problems_get_full_cards_and_calm_providers_compact_tiles(client):
    make_read_source(make_provider("calm", name="Calm Co"))
    make_read_source(make_provider("down", name="Down Co", status="major_outage"))
    make_read_source(make_provider("fresh", name="Fresh Co"), last_success_at=None)

    html = client.get(reverse("dashboard:index")).content.decode()

    assert (
        '<article class="card card--major_outage" id="provider-down" data-provider="down"'
        ' data-name="down co" data-kind="model_api" data-state="problem" data-attention'
        ' data-status="major_outage">'
    ) in html
    assert (
        '<li class="tile tile--operational" id="provider-calm" data-provider="calm"'
        ' data-name="calm co" data-kind="model_api" data-state="operational"'
        ' data-status="operational">'
    ) in html
    assert (
        '<li class="tile tile--unknown" id="provider-fresh" data-provider="fresh"'
        ' data-name="fresh co" data-kind="model_api" data-state="unknown"'
        ' data-status="unknown" data-waiting>'
    ) in html
    assert (
        html.index("provider-down") < html.index("Working normally") < html.index("provider-calm")
    )
    assert (
        html.index("provider-calm") < html.index("Waiting for data") < html.index("provider-fresh")
    )


def test_an_operational_provider_with_an_open_incident_still_gets_a_card(client):
    provider = make_provider("example", status="operational")
    make_read_source(provider)
    make_incident(provider, "Minor blip", impact="none")

    html = client.get(reverse("dashboard:index")).content.decode()

    assert (
        '<article class="card card--operational" id="provider-example" data-provider="example"'
        ' data-name="example" data-kind="model_api" data-state="operational" data-attention'
        ' data-status="operational">'
    ) in html
    assert "Minor blip" in html


def test_when_all_is_well_the_page_says_so(client):
    make_read_source(make_provider("calm"))

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "Everything is working normally" in html


def test_it_leaves_out_disabled_providers(client):
    make_read_source(make_provider("hidden", name="Hidden Co", enabled=False))

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "Hidden Co" not in html


def test_it_says_how_to_start_when_there_are_no_providers(client):
    html = client.get(reverse("dashboard:index")).content.decode()

    assert "sync_catalog" in html


def _index_queries(client) -> int:
    """Queries of an overview that finds nothing cached: everything it reads, every time."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard:index")).status_code == 200
    return len(queries)


def _add_busy_provider(number: int) -> None:
    provider = make_provider(f"p{number}", status="major_outage")
    make_read_source(provider)
    group = make_component(provider, "Group", is_group=True, external_id=f"g{number}")
    make_component(provider, "API", status="major_outage", group=group, external_id=f"a{number}")
    make_incident(
        provider,
        f"Outage {number}",
        external_id=f"i{number}",
        updates=[("investigating", "Looking.", NOW), ("identified", "Found it.", NOW)],
    )


def test_the_overview_query_count_does_not_grow_with_providers(client):
    _add_busy_provider(0)
    one = _index_queries(client)
    for number in range(1, 10):
        _add_busy_provider(number)

    assert _index_queries(client) == one


def test_the_provider_page_shows_status_sources_components_and_incidents(client):
    provider = make_provider("example", name="Example AI", status="degraded_performance")
    make_read_source(provider, detected_format="statuspage", kind="auto")
    make_read_source(
        provider,
        url="https://example.com/feed.json",
        last_error="not JSON: the page format changed",
        error_since=NOW - timedelta(hours=1),
        consecutive_failures=3,
        enabled=False,
    )
    group = make_component(provider, "Model APIs", is_group=True)
    make_component(provider, "Chat", status="degraded_performance", group=group)
    make_component(provider, "Embeddings", group=group)
    make_component(provider, "Website")
    make_incident(provider, "Slow chat", impact="minor")
    for day in range(25):
        make_incident(
            provider,
            f"Past incident {day}",
            status="resolved",
            started_at=NOW - timedelta(days=day + 1),
            resolved_at=NOW - timedelta(days=day + 1) + timedelta(minutes=95),
        )

    response = client.get(reverse("dashboard:provider-detail", args=["example"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Example AI" in html
    assert "Degraded performance" in html
    # Source health: the format, the last success, and a disabled failing source with its reason.
    assert "statuspage" in html
    assert "not JSON: the page format changed" in html
    assert "3 failures in a row" in html
    # The group rolls up its worst child and lists them all.
    assert "Model APIs" in html
    assert "Embeddings" in html
    assert "Website" in html
    assert "Slow chat" in html
    assert "1 h 35 min" in html
    # Only the last 20 incidents (with the open one) in the table; the uptime chart's hover
    # text names every incident of its 90 days, so look at the table alone.
    recent = html[html.index('id="recent-incidents"') : html.index('id="sources"')]
    assert "Past incident 18" in recent
    assert "Past incident 19" not in recent


def test_the_provider_page_is_404_for_an_unknown_or_disabled_provider(client):
    make_provider("off", enabled=False)

    assert client.get(reverse("dashboard:provider-detail", args=["nope"])).status_code == 404
    assert client.get(reverse("dashboard:provider-detail", args=["off"])).status_code == 404


def test_the_incident_page_shows_facts_and_a_labelled_timeline(client):
    provider = make_provider("example", name="Example AI")
    make_read_source(provider)
    chat = make_component(provider, "Chat")
    incident = make_incident(
        provider,
        "Errors <b>everywhere</b>",
        impact="critical",
        status="resolved",
        started_at=NOW - timedelta(hours=2),
        resolved_at=NOW - timedelta(minutes=15),
        external_id="abc123",
        updates=[
            ("investigating", "First word.", NOW - timedelta(hours=2)),
            ("resolved", "All good <script>alert(1)</script>now.", NOW - timedelta(minutes=15)),
        ],
    )
    incident.components.add(chat)

    html = client.get(reverse("dashboard:incident-detail", args=[incident.pk])).content.decode()

    assert "Errors &lt;b&gt;everywhere&lt;/b&gt;" in html
    assert "Critical" in html
    assert "1 h 45 min" in html
    assert "Chat" in html
    assert "abc123" in html
    assert "Live poll" in html
    assert 'href="https://status.example.example/incidents/abc123"' in html
    assert "newest first" in html
    assert html.index("All good") < html.index("First word.")
    assert "<script>alert(1)" not in html
    assert reverse("dashboard:provider-detail", args=["example"]) in html


def test_the_incident_page_is_404_for_an_unknown_incident(client):
    assert client.get(reverse("dashboard:incident-detail", args=[999])).status_code == 404


def test_pages_carry_no_inline_script_or_style(client):
    provider = make_provider("example", status="major_outage")
    make_read_source(provider)
    incident = make_incident(provider, "Down", updates=[("investigating", "x", NOW)])
    for url in (
        reverse("dashboard:index"),
        reverse("dashboard:provider-detail", args=["example"]),
        reverse("dashboard:incident-detail", args=[incident.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<script>" not in html
        assert " style=" not in html
        assert "<style" not in html
        assert "https://cdn" not in html
        assert 'src="/static/js/timezone.js"' in html


def _provider_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard:provider-detail", args=["p0"]))
        assert response.status_code == 200
    return len(queries)


def test_the_provider_page_query_count_does_not_grow_with_its_data(client):
    _add_busy_provider(0)
    one = _provider_page_queries(client)
    provider = Provider.objects.get(slug="p0")
    for number in range(1, 10):
        make_component(
            provider, f"Part {number}", status="partial_outage", external_id=f"x{number}"
        )
        make_read_source(provider, url=f"https://status.example.com/{number}.json")
        make_incident(
            provider,
            f"More trouble {number}",
            external_id=f"more{number}",
            updates=[("investigating", "Looking.", NOW)],
        )

    assert _provider_page_queries(client) == one


def test_a_missing_page_gets_a_calm_404_page(client):
    response = client.get("/providers/nope/")

    assert response.status_code == 404
    assert "Back to the overview" in response.content.decode()


def test_the_500_page_renders_without_a_request_context():
    from django.template import loader

    html = loader.get_template("500.html").render()

    assert "Something went wrong" in html


def test_scheduled_maintenance_is_marked_and_shows_its_window(client):
    provider = make_provider("example", status="operational")
    make_read_source(provider)
    make_incident(
        provider,
        "Database upgrade",
        impact="maintenance",
        status="scheduled",
        is_maintenance=True,
        started_at=NOW + timedelta(days=1),
        scheduled_for=NOW + timedelta(days=1),
        scheduled_until=NOW + timedelta(days=1, hours=2),
    )

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "Database upgrade" in html
    assert '<span class="tag tag--maintenance">Maintenance</span>' in html
    assert "16 Jan 2025 12:00</time> \u2013 <time" in html
    assert "Scheduled" in html


def test_a_card_in_trouble_says_for_how_long(client):
    provider = make_provider("example", status="major_outage")
    Provider.objects.filter(pk=provider.pk).update(status_changed_at=NOW - timedelta(hours=1))
    make_read_source(provider)

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "For 1 h 2 min, since <time" in html


def test_names_and_titles_from_status_pages_are_escaped_everywhere(client):
    payload = '<img src=x onerror="alert(1)">'
    provider = make_provider("example", name=f"Evil {payload}", status="major_outage")
    make_read_source(provider, last_error=f"bad {payload}", error_since=NOW)
    group = make_component(provider, f"Group {payload}", is_group=True)
    make_component(provider, f"Part {payload}", status="major_outage", group=group)
    incident = make_incident(provider, f"Title {payload}", updates=[("identified", payload, NOW)])

    for url in (
        reverse("dashboard:index"),
        reverse("dashboard:provider-detail", args=["example"]),
        reverse("dashboard:incident-detail", args=[incident.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<img" not in html, url
        assert "&lt;img src=x onerror=" in html, url
