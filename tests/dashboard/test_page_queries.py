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
from django.core.cache import cache
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import Playbook
from probes.models import Feature, Incident, ProbeResult, Provider, ServedModel, Source
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
    # Reads of the playbook's rows, joined to the providers' (the pages' version key only asks
    # its newest edit).
    playbook_reads = [q["sql"] for q in queries if '"alerts_playbook"."body"' in q["sql"]]
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


# -- constant query counts: more history and more providers in trouble cost no more queries ----


def _add_history(provider: Provider, days: int) -> None:
    """An incident and the status changes it caused every sixth day, for `days` days back,
    then the provider's uptime rollups rebuilt as the pipeline keeps them."""
    from probes.history import rollups
    from probes.models import StatusChange

    for day in range(2, days, 6):
        began = NOW - timedelta(days=day)
        if Incident.objects.filter(provider=provider, external_id=f"{provider.slug}-{day}"):
            continue  # written by an earlier call
        make_incident(
            provider,
            f"Errors {day}",
            external_id=f"{provider.slug}-{day}",
            started_at=began,
            resolved_at=began + timedelta(hours=1),
            status="resolved",
            updates=[("resolved", "Fixed.", began + timedelta(hours=1))],
        )
        for old, new, at in (
            ("operational", "major_outage", began),
            ("major_outage", "operational", began + timedelta(hours=1)),
        ):
            StatusChange.objects.create(provider=provider, old_status=old, new_status=new, at=at)
    rollups.rebuild(provider, now=NOW)


def _in_trouble(slug: str) -> Provider:
    """A provider down now: an open incident with an update, a component down, a capability
    others share (so the overview looks for alternatives), an upstream cloud."""
    provider = make_provider(slug, status="major_outage", capabilities=["chat"])
    make_read_source(provider)
    make_component(provider, "Chat", status="major_outage")
    make_incident(
        provider,
        f"{slug} is down",
        external_id=f"{slug}-now",
        started_at=NOW - timedelta(minutes=30),
        updates=[("investigating", "Looking.", NOW - timedelta(minutes=20))],
    )
    provider.upstreams.add(Provider.objects.get(slug="cloud"))
    return provider


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def calm_providers() -> list[Provider]:
    cloud = make_provider("cloud", name="Cloud", status="major_outage")
    make_read_source(cloud)
    calm = []
    for number in range(3):
        provider = make_provider(f"calm{number}", capabilities=["chat"])
        make_read_source(provider)
        calm.append(provider)
    return calm


def _first_and_cached(client, url: str) -> tuple[int, int]:
    """Queries of a request that finds nothing cached, then of one that finds it all cached."""
    cache.clear()
    return _queries(client, url), _queries(client, url)


# The pages' target (docs/performance.md): at most this many queries, whatever the history.
PAGE_QUERY_TARGET = 15


@pytest.fixture
def team_stack(calm_providers) -> None:
    """What a team sets up besides providers: a feature riding on them, the models they serve,
    a playbook: each is read by the pages, so a count without them would flatter."""
    Feature.objects.create(
        slug="support-bot",
        name="Support bot",
        criticality="critical",
        owner="Dana",
        depends_on=[{"provider": "down0"}, {"provider": "calm0"}],
    )
    for provider in calm_providers:
        ServedModel.objects.create(provider=provider, slug="chat-1", name="Chat 1")
    Playbook.objects.create(provider=calm_providers[0], body="1. Switch to **Other**.")


@pytest.mark.parametrize("url", [reverse("dashboard:index"), reverse("dashboard:overview-live")])
def test_the_overview_asks_as_much_with_a_year_of_history_and_six_providers_down(
    client, calm_providers, team_stack, url
):
    troubled = [_in_trouble(f"down{number}") for number in range(2)]
    for provider in [*calm_providers, *troubled]:
        _add_history(provider, 10)
    small = _first_and_cached(client, url)

    troubled += [_in_trouble(f"down{number}") for number in range(2, 6)]
    for provider in troubled[:2]:
        Playbook.objects.create(provider=provider, body="Use the other one.")
        ServedModel.objects.create(provider=provider, slug="chat-1", name="Chat 1")
    for provider in [*calm_providers, *troubled]:
        _add_history(provider, 365)
    large = _first_and_cached(client, url)

    assert large == small
    first, cached = large
    # Rendering the parts (once per change, language and zone, or a minute) reads each set of
    # rows once for every part: providers, bursts, clouds, models, features, plan B's
    # candidates' incidents, acknowledgements, the pipeline's health.
    assert first <= PAGE_QUERY_TARGET, first
    assert cached <= PAGE_QUERY_TARGET
    assert cached <= 2


# Each set of rows read once for all the page's parts (dashboard/provider_rows.py); the reads
# are listed in docs/performance.md ("Pages"). Flat with history and providers down (the live
# fragment asks one fewer).
PROVIDER_PAGE_UNCACHED = 12
# With what a provider in trouble may have besides: probes (their rollups; their newest
# results come with the sources), team reports in the last day, an observed outage, a
# playbook, a model it serves. One under the target (PAGE_QUERY_TARGET); the live fragment 13.
PROVIDER_PAGE_IN_FULL_TROUBLE = 14


def _in_full_trouble(provider: Provider) -> None:
    """What the page also reads for a provider in trouble: its probe seeing the outage, the
    team reporting it, a playbook and a model it serves."""
    from probes.models import ObservedTransition, TeamReport

    probe = make_read_source(
        provider, url=f"https://api.{provider.slug}.example/v1", kind=Source.Kind.HTTP_PROBE
    )
    ProbeResult.objects.create(source=probe, provider=provider, at=NOW, verdict="down")
    for status, at in (("operational", NOW - timedelta(days=1)), ("major_outage", NOW)):
        ObservedTransition.objects.create(provider=provider, at=at, new_status=status)
    Provider.objects.filter(pk=provider.pk).update(
        observed_status="major_outage", observed_status_changed_at=NOW
    )
    TeamReport.objects.create(provider=provider, at=NOW, person="p", network="n", note="Down.")
    Playbook.objects.create(provider=provider, body="Use the other one.")
    ServedModel.objects.create(provider=provider, slug="chat-1", name="Chat 1")


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard:provider-detail", args=["down0"]),
        reverse("dashboard:provider-live", args=["down0"]),
    ],
)
@pytest.mark.parametrize(
    ("full_trouble", "limit"),
    [(False, PROVIDER_PAGE_UNCACHED), (True, PROVIDER_PAGE_IN_FULL_TROUBLE)],
    ids=["down", "in-full-trouble"],
)
def test_the_provider_page_asks_as_much_with_a_year_of_history(
    client, calm_providers, team_stack, url, full_trouble, limit
):
    provider = _in_trouble("down0")
    if full_trouble:
        _in_full_trouble(provider)
    _in_trouble("down1")
    _add_history(provider, 10)
    small = _first_and_cached(client, url)
    _add_history(provider, 365)
    for number in range(2, 6):
        _in_trouble(f"down{number}")
    large = _first_and_cached(client, url)

    assert large == small
    first, cached = large
    assert cached <= 2
    assert first <= limit, first


def _first_and_cached_in_full_trouble(client, url: str) -> list[tuple[int, int]]:
    """The queries of `url` with two providers in full trouble and 10 days of history, then
    with five and a year."""
    counts = []
    troubled: list[Provider] = []
    for days, down in ((10, 2), (365, 5)):
        while len(troubled) < down:
            troubled.append(_in_trouble(f"down{len(troubled)}"))
            _in_full_trouble(troubled[-1])
        for provider in [*Provider.objects.filter(slug__startswith="calm"), *troubled]:
            _add_history(provider, days)
        counts.append(_first_and_cached(client, url))
    return counts


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard:index"),
        reverse("dashboard:overview-live"),
        reverse("dashboard:history") + "?range=1y",
    ],
)
def test_the_overview_and_history_ask_as_much_with_providers_in_full_trouble(
    client, team_stack, url
):
    small, large = _first_and_cached_in_full_trouble(client, url)
    assert large == small
    first, cached = large
    # The overview reads the observed outages' transitions in one query for all of them.
    assert first <= PAGE_QUERY_TARGET, first
    assert cached <= 2


def _probed(provider: Provider) -> None:
    """A probe of the provider with an observed outage and an incident to match it against."""
    from probes.models import ObservedTransition

    make_read_source(
        provider, url=f"https://api.{provider.slug}.example/v1", kind=Source.Kind.HTTP_PROBE
    )
    began = NOW - timedelta(days=3)
    for status, at in (("major_outage", began), ("operational", began + timedelta(hours=1))):
        ObservedTransition.objects.create(provider=provider, at=at, new_status=status)


def test_the_history_page_asks_as_much_over_a_year_and_with_more_providers(client, calm_providers):
    for provider in calm_providers:
        _add_history(provider, 30)
        _probed(provider)
    url = reverse("dashboard:history") + "?range=1y"
    small = _first_and_cached(client, url)
    for provider in calm_providers:
        _add_history(provider, 365)
    for number in range(6):
        more = make_provider(f"more{number}")
        make_read_source(more)
        _add_history(more, 365)
        _probed(more)
    _in_trouble("down0")

    assert _first_and_cached(client, url) == small
    first, cached = small
    # The accuracy scorecard reads every probed provider in the same three queries.
    assert first <= PAGE_QUERY_TARGET, first
    assert cached <= 2


def test_a_cached_provider_page_asks_fewer_queries_and_a_change_shows_at_once(client):
    provider = make_provider("example", name="Example AI")
    make_read_source(provider)
    _add_history(provider, 30)
    url = reverse("dashboard:provider-detail", args=["example"])
    first = _queries(client, url)
    again = _queries(client, url)
    assert again < first
    make_incident(provider, "Fresh trouble", external_id="fresh", started_at=NOW)
    assert "Fresh trouble" in client.get(url).context["history"].incidents_by_day[NOW.date()]
