"""/metrics: Prometheus text computed from the database, in a fixed number of queries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from probes.models import Source
from probes.status.polling import poll_source
from tests.conftest import load_fixture
from tests.factories import make_component, make_incident, make_provider, make_read_source

pytestmark = pytest.mark.django_db

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def scrape(client, **headers) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def families(client) -> set[str]:
    text = client.get("/metrics").content.decode()
    return {family.name for family in text_string_to_metric_families(text)}


def status_of(samples, provider: str) -> str:
    [current] = [
        dict(labels)["status"]
        for (name, labels), value in samples.items()
        if name == "aiwatch_provider_status" and dict(labels)["provider"] == provider and value
    ]
    return current


def test_a_locally_served_outage_changes_the_gauge_within_one_poll(client, status_server):
    provider = make_provider("example", status="unknown")
    source = Source.objects.create(provider=provider, url=status_server.url("/api/v2/summary.json"))
    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_operational.json"))
    poll_source(source)
    assert status_of(scrape(client), "example") == "operational"

    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_major_outage.json"))
    poll_source(source)

    samples = scrape(client)
    assert status_of(samples, "example") == "major_outage"
    assert (
        samples[("aiwatch_provider_status", (("provider", "example"), ("status", "operational")))]
        == 0
    )


def test_sources_incidents_and_components_are_exposed(client):
    provider = make_provider("anthropic", status="major_outage")
    source = make_read_source(
        provider, last_error="fetch failed (timeout): timed out", consecutive_failures=2
    )
    make_component(provider, "API", status="partial_outage")
    make_incident(provider, "Down", impact="critical")

    samples = scrape(client)

    key = (("component", "API"), ("provider", "anthropic"), ("status", "partial_outage"))
    assert samples[("aiwatch_component_status", key)] == 1
    assert (
        samples[("aiwatch_open_incidents", (("impact", "critical"), ("provider", "anthropic")))]
        == 1
    )
    assert (
        samples[("aiwatch_open_incidents", (("impact", "minor"), ("provider", "anthropic")))] == 0
    )
    failures = (
        ("kind", "statuspage"),
        ("provider", "anthropic"),
        ("reason", "fetch_timeout"),
        ("source", str(source.pk)),
    )
    assert samples[("aiwatch_source_consecutive_failures", failures)] == 2
    ages = [
        v for (name, _), v in samples.items() if name == "aiwatch_source_last_success_age_seconds"
    ]
    assert len(ages) == 1
    assert ages[0] >= 0
    assert samples[("aiwatch_outbox_deliveries", (("state", "pending"),))] == 0
    assert samples[("aiwatch_team_reports", (("provider", "anthropic"),))] == 0


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/metrics").status_code == 200
    return len(queries)


def _add(number: int) -> None:
    provider = make_provider(f"p{number}", status="major_outage")
    make_read_source(provider)
    make_read_source(provider, kind=Source.Kind.HTTP_PROBE, url=f"https://api.p{number}.example/")
    make_component(provider, "API", status="major_outage", external_id=f"c{number}")
    make_incident(provider, f"Outage {number}", external_id=f"i{number}")


def test_a_scrape_costs_the_same_queries_for_one_provider_or_many(client):
    _add(0)
    one = _queries(client)
    for number in range(1, 12):
        _add(number)

    assert _queries(client) == one


def test_the_metrics_token_when_set_is_required(client, settings):
    settings.AIWATCH_METRICS_TOKEN = "s3cret-scrape"

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape").status_code == 200


def test_metrics_follow_the_pages_login_rule(client, settings, admin_user):
    assert client.get("/metrics").status_code == 200
    settings.AIWATCH_REQUIRE_LOGIN = True
    assert client.get("/metrics").status_code == 401
    client.force_login(admin_user)
    assert client.get("/metrics").status_code == 200


def test_every_metric_the_grafana_dashboard_and_the_alert_rules_name_exists(client):
    make_provider("example")
    exposed = families(client)
    dashboard = json.loads((DEPLOY / "grafana" / "aiwatch-dashboard.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    rules = (DEPLOY / "prometheus" / "aiwatch-alerts.yml").read_text()
    named = set(re.findall(r"\baiwatch_\w+", " ".join(exprs) + rules))

    assert exprs
    assert len(named) >= 8
    assert named - exposed == set()
