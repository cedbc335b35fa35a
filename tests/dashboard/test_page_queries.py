"""What the pages ask the database: the view gathers everything, the templates only format it."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import FrameType

import pytest
import time_machine
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import Playbook
from probes.models import Incident, ProbeResult, Provider, Source
from tests.factories import (
    NOW,
    make_component,
    make_incident,
    make_provider,
    make_read_source,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        yield


def _context_processors() -> set[tuple[str, str]]:
    """(file, function) of each configured context processor: what they compute lazily (the
    pipeline banner) is theirs, not the template's."""
    processors = engines["django"].engine.template_context_processors  # type: ignore[attr-defined]
    return {(str(Path(inspect.getfile(p)).resolve()), p.__name__) for p in processors}


def _stack() -> list[tuple[str, str]]:
    """(file, qualified function name) of every frame calling this one, innermost first."""
    frames = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        frames.append((str(Path(code.co_filename).resolve()), code.co_qualname))
        frame = frame.f_back
    return frames


def template_queries(client, url: str) -> list[str]:
    """The SQL run while a template renders (a tag or a lazy queryset), with the tag's file."""
    processors = _context_processors()
    found: list[str] = []

    def record(execute, sql, params, many, context):
        stack = _stack()
        rendering = any(name.endswith("django/template/base.py") for name, _ in stack)
        lazy_processor = any(
            (name, qualname.split(".")[0]) in processors for name, qualname in stack
        )
        if rendering and not lazy_processor:
            tags = [name for name, _ in stack if "/templatetags/" in name]
            found.append(f"{sql} (from {tags[0] if tags else 'the template'})")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200
    return found


def _down_provider_with_everything() -> Provider:
    """A provider in a major outage with components, incidents, a probe, a playbook, an
    alternative, an upstream cloud with an overlapping incident, and a downstream incident."""
    provider = make_provider(
        "example", name="Example AI", status="major_outage", capabilities=["chat"]
    )
    make_read_source(provider)
    probe = make_read_source(
        provider, url="https://api.example.com/v1/models", kind=Source.Kind.HTTP_PROBE
    )
    ProbeResult.objects.create(
        source=probe, provider=provider, at=NOW, verdict="down", error_class="http_5xx"
    )
    group = make_component(provider, "APIs", is_group=True)
    make_component(provider, "Chat", status="major_outage", group=group)
    Playbook.objects.create(provider=provider, body="1. Switch the bot to **Other AI**.")
    make_read_source(make_provider("other", name="Other AI", capabilities=["chat"]))

    cloud = make_provider("cloud", name="Cloud", status="major_outage")
    make_read_source(cloud)
    provider.upstreams.add(cloud)
    make_incident(cloud, "Region down", started_at=NOW - timedelta(hours=1))
    make_incident(
        provider,
        "Chat is down",
        started_at=NOW - timedelta(minutes=30),
        details={"recoveries": [{"product": "Chat", "at": NOW.isoformat()}]},
        updates=[("investigating", "Looking.", NOW - timedelta(minutes=30))],
    )
    downstream = make_provider("tool", name="Tool")
    make_read_source(downstream)
    make_incident(downstream, "Tool is down").upstream_incidents.add(
        Incident.objects.get(title="Chat is down")
    )
    return provider


def test_no_page_queries_the_database_while_its_template_renders(client):
    _down_provider_with_everything()
    incident = Incident.objects.get(title="Chat is down")
    for url in (
        reverse("dashboard:index"),
        reverse("dashboard:provider-detail", args=["example"]),
        reverse("dashboard:incident-detail", args=[incident.pk]),
        reverse("dashboard:history"),
        reverse("dashboard:incident-list"),
        reverse("dashboard:api-docs"),
    ):
        assert template_queries(client, url) == [], url


def test_the_provider_page_reads_its_plan_b_once(client):
    # The plan is shown twice (prominently while down, folded while calm): one read serves both.
    _down_provider_with_everything()

    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("dashboard:provider-detail", args=["example"])).content.decode()

    assert "Plan B while Example AI is major outage" in html
    assert "Switch the bot to" in html
    playbook_reads = [q["sql"] for q in queries if "alerts_playbook" in q["sql"]]
    assert len(playbook_reads) == 1, playbook_reads


def _incident_page_queries(client, incident: Incident) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard:incident-detail", args=[incident.pk])).status_code
    return len(queries)


def test_the_incident_page_query_count_does_not_grow_with_its_links(client):
    provider = _down_provider_with_everything()
    incident = Incident.objects.get(title="Chat is down")
    one = _incident_page_queries(client, incident)
    cloud = Provider.objects.get(slug="cloud")
    for number in range(5):
        incident.upstream_incidents.add(
            make_incident(cloud, f"Linked {number}", started_at=NOW - timedelta(days=number + 2))
        )
        make_incident(cloud, f"Overlapping {number}", started_at=NOW - timedelta(minutes=number))
        make_incident(make_provider(f"tool{number}"), "Also down").upstream_incidents.add(incident)
        make_component(provider, f"Part {number}").incidents.add(incident)

    assert _incident_page_queries(client, incident) == one
