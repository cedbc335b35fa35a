"""The overview's and provider pages' cached parts: a change shows on the next request, each
language and time zone gets its own, and nothing of one viewer reaches another."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.messages import INFO
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aiwatch.roles import EDITOR, set_role
from dashboard import history_cache, page_shell
from probes.models import ProbeResult, Provider, Source, TeamReport
from probes.observe.verdicts import INCONCLUSIVE, OUR_NETWORK_DOWN
from probes.parsers.types import ParsedComponent, ParsedPage, Status
from probes.status import recording
from tests.factories import NOW, make_component, make_incident, make_provider, make_read_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

LATER = NOW + timedelta(minutes=2)


@pytest.fixture
def frozen_now() -> Iterator[None]:
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def example() -> Source:
    provider = make_provider("example", name="Example AI")
    make_component(provider, "Chat", external_id="chat")
    return make_read_source(provider, at=LATER)


def _page(components: Status) -> ParsedPage:
    return ParsedPage(
        platform="statuspage",
        components=(ParsedComponent(external_id="chat", name="Chat", status=components),),
        indicator=components,
        has_component_states=True,
    )


def _html(client: Client, url: str, *, language: str = "") -> str:
    response = client.get(url, headers={"accept-language": language} if language else None)
    assert response.status_code == 200
    return response.content.decode()


def _headline(html: str) -> str:
    """The status the page leads with for Example AI: its card's (the overview) or the
    provider page's headline badge."""
    found = re.search(r'id="provider-example"[^>]*data-status="(\w+)"', html) or re.search(
        r'class="card__official">.*?status--(\w+)', html
    )
    assert found, html
    return found.group(1)


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html)


OVERVIEW = reverse("dashboard:index")
PROVIDER = reverse("dashboard:provider-detail", args=["example"])
PROVIDER_LIVE = reverse("dashboard:provider-live", args=["example"])
OVERVIEW_LIVE = reverse("dashboard:overview-live")
HISTORY = reverse("dashboard:history")
INCIDENTS = reverse("dashboard:incident-list")


@pytest.mark.parametrize("url", [OVERVIEW, OVERVIEW_LIVE, PROVIDER, PROVIDER_LIVE])
def test_a_status_change_recorded_by_a_poll_shows_on_the_next_request(client, example, url):
    recording.record_poll(example, _page(Status.OPERATIONAL), at=LATER)
    assert _headline(_html(client, url)) == "operational"
    assert _headline(_html(client, url)) == "operational"  # now from the cache

    recording.record_poll(example, _page(Status.MAJOR_OUTAGE), at=LATER)

    assert Provider.objects.get(slug="example").status == "major_outage"
    assert _headline(_html(client, url)) == "major_outage"


@pytest.mark.parametrize("url", [OVERVIEW, PROVIDER])
def test_a_source_that_starts_failing_shows_on_the_next_request(client, example, url):
    other = make_read_source(example.provider, url="https://other.example/api/v2/summary.json")
    recording.record_poll(example, _page(Status.OPERATIONAL), at=LATER)
    assert "could not connect" not in _html(client, url)

    recording.record_failure(other, "could not connect: refused", at=LATER)

    assert "could not connect" in _html(client, url)


def test_a_new_open_incident_shows_on_the_next_request(client, example):
    assert "Chat is slow" not in _html(client, OVERVIEW)
    assert "Chat is slow" not in _html(client, PROVIDER)

    make_incident(example.provider, "Chat is slow", started_at=LATER - timedelta(minutes=1))

    assert "Chat is slow" in _html(client, OVERVIEW)
    assert "Chat is slow" in _html(client, PROVIDER)


@pytest.mark.parametrize("url", [OVERVIEW, PROVIDER])
def test_french_and_english_each_get_their_own_parts(client, example, url):
    english = _html(client, url, language="en")
    french = _html(client, url, language="fr")
    again = _html(client, url, language="en")

    assert "Components" in english or "operational" in english
    assert "Composants" in french or "opérationnel" in french.lower()
    assert "opérationnel" not in english.lower()
    assert _without_tokens(again) == _without_tokens(english)


@pytest.mark.parametrize("url", [OVERVIEW, PROVIDER])
def test_each_time_zone_gets_its_own_parts(example, url):
    provider = example.provider
    make_incident(provider, "Chat is down", started_at=NOW - timedelta(minutes=30))
    recording.record_poll(example, _page(Status.MAJOR_OUTAGE), at=NOW - timedelta(minutes=30))

    berlin, tokyo = Client(), Client()
    berlin.cookies["tz"] = "Europe/Berlin"
    tokyo.cookies["tz"] = "Asia/Tokyo"
    # 11:30 UTC is 12:30 in Berlin and 20:30 in Tokyo.
    assert "12:30" in _html(berlin, url)
    assert "20:30" not in _html(berlin, url)
    assert "20:30" in _html(tokyo, url)
    assert "12:30" not in _html(tokyo, url)


@pytest.fixture
def down(example) -> Provider:
    make_incident(example.provider, "Chat is down", started_at=LATER - timedelta(minutes=10))
    recording.record_poll(example, _page(Status.MAJOR_OUTAGE), at=LATER)
    return example.provider


def _signed_in(name: str, role: str | None = None) -> Client:
    user = User.objects.create_user(name, first_name=name.title())
    if role:
        set_role(user, role)
    client = Client()
    client.force_login(user)
    return client


def test_the_viewers_own_forms_stay_theirs_when_the_parts_are_cached(down, settings):
    settings.AIWATCH_REPORT_ANONYMOUS = False
    editor = _signed_in("erin", EDITOR)
    anonymous = Client()

    report_form = 'action="/providers/example/report/"'
    first = _html(editor, PROVIDER)
    assert 'name="target" value="incident:' in first
    assert report_form in first

    # Same state, parts now cached: the anonymous viewer gets neither form.
    seen = _html(anonymous, PROVIDER)
    assert 'name="target" value="incident:' not in seen
    assert report_form not in seen
    assert "Sign in as an editor to acknowledge." in seen
    assert "Sign in to report that you are affected" in seen

    # And the editor's forms come back with a token of their own, masked afresh.
    again = _html(editor, PROVIDER)
    assert 'name="target" value="incident:' in again
    assert again != first
    assert _without_tokens(again) == _without_tokens(first)
    assert 'name="target" value="incident:' in _html(editor, PROVIDER_LIVE)
    assert 'name="target" value="incident:' not in _html(anonymous, PROVIDER_LIVE)


def test_who_is_affected_is_named_to_signed_in_viewers_only(down):
    user = User.objects.create_user("alice", first_name="Alice")
    TeamReport.objects.create(provider=down, at=LATER, person="Alice", user=user)
    teammate = _signed_in("bob")

    assert "A teammate" in _html(Client(), PROVIDER)
    signed_in = _html(teammate, PROVIDER)
    assert "Alice" in signed_in
    assert "A teammate" not in signed_in
    assert "Alice" not in _html(Client(), PROVIDER)


# -- whole pages cached for viewers with nothing of their own ---------------------------------


def _token(html: str) -> str:
    found = re.findall(r'name="csrfmiddlewaretoken" value="(\w+)"', html)
    assert found, "no form with a token"
    assert len(set(found)) == 1
    return found[0]


@pytest.mark.parametrize("url", [OVERVIEW, PROVIDER, HISTORY, INCIDENTS])
def test_each_anonymous_viewer_gets_a_token_of_their_own_that_works(example, url):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    one = _html(first, url)
    two = _html(second, url)  # the page cached whole by now

    assert _token(one) != _token(two)
    assert _without_tokens(one) == _without_tokens(two)
    # Each token is the one its own browser's cookie accepts, and no other.
    refused = second.post(
        reverse("set_language"), {"language": "fr", "csrfmiddlewaretoken": _token(one)}
    )
    assert refused.status_code == 403
    taken = second.post(
        reverse("set_language"), {"language": "fr", "next": url, "csrfmiddlewaretoken": _token(two)}
    )
    assert taken.status_code == 302


@pytest.mark.parametrize("url", [OVERVIEW, PROVIDER, HISTORY, INCIDENTS])
def test_the_pickers_come_back_to_each_viewers_own_address(client, example, url):
    _html(client, url)
    html = _html(Client(), url + "?from=a&to=%22b%22")

    assert f'name="next" value="{url}?from=a&amp;to=%22b%22"' in html
    assert "?next=" + quote(f"{url}?from=a&to=%22b%22", safe="/") + '"' in html
    # And the next viewer gets their own again.
    assert f'name="next" value="{url}"' in _html(Client(), url)


@pytest.mark.parametrize(
    "url", [OVERVIEW, OVERVIEW_LIVE, PROVIDER, PROVIDER_LIVE, HISTORY, INCIDENTS]
)
def test_a_page_cached_whole_is_the_page_rendered_for_the_viewer(client, example, url):
    gzipped = client.get(url, headers={"accept-encoding": "gzip"})
    plain = client.get(url)
    again = client.get(url, headers={"accept-encoding": "gzip, br"})

    assert gzipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in gzipped["Vary"]
    assert not plain.has_header("Content-Encoding")
    body = gzip.decompress(again.content).decode()
    assert _without_tokens(body) == _without_tokens(plain.content.decode())
    assert _without_tokens(gzip.decompress(gzipped.content).decode()) == _without_tokens(body)
    for mark in (page_shell.CSRF_MARK, page_shell.PATH_MARK, page_shell.QUOTED_PATH_MARK):
        assert mark not in body


def test_a_message_waiting_for_a_viewer_stays_theirs(example):
    _html(Client(), OVERVIEW)
    storage = CookieStorage(RequestFactory().get("/"))
    told = Client()
    told.cookies[storage.cookie_name] = storage._encode([Message(INFO, "Only for you, Tom")])

    assert "Only for you, Tom" in _html(told, OVERVIEW)
    assert "Only for you, Tom" not in _html(Client(), OVERVIEW)


@pytest.mark.parametrize("url", [OVERVIEW, PROVIDER, HISTORY, INCIDENTS])
def test_signed_in_and_anonymous_viewers_never_share_a_page(example, url):
    person = _signed_in("sam")
    anonymous = _html(Client(), url)
    mine = _html(person, url)

    assert "Sign in" in anonymous
    assert "My page" in mine
    assert "My page" not in _html(Client(), url)
    assert "My page" in _html(person, url)


def test_a_provider_switched_off_is_gone_from_its_cached_page(client, example):
    assert _html(client, PROVIDER)
    Provider.objects.filter(pk=example.provider.pk).update(enabled=False)
    assert client.get(PROVIDER).status_code == 404


def test_a_probe_batch_that_blames_our_network_shows_on_the_cached_overview(client, example):
    probe = make_read_source(
        example.provider, url="https://api.example.example/v1", kind=Source.Kind.HTTP_PROBE
    )
    ProbeResult.objects.create(
        source=probe, provider=example.provider, at=LATER, verdict="up", message="HTTP 200"
    )
    assert "Our own network looks down" not in _html(client, OVERVIEW)
    assert "Our own network looks down" not in _html(client, OVERVIEW)  # cached whole

    ProbeResult.objects.create(
        source=probe,
        provider=example.provider,
        at=LATER,
        verdict=INCONCLUSIVE,
        message=OUR_NETWORK_DOWN + "dns lookup failed",
    )

    assert "Our own network looks down" in _html(client, OVERVIEW)
    assert "Our own network looks down" in _html(Client(), OVERVIEW_LIVE)


def test_a_new_incident_shows_on_the_cached_history_page(client, example):
    assert "Chat is slow" not in _html(client, HISTORY)
    assert "Chat is slow" not in _html(client, HISTORY)  # cached whole

    make_incident(example.provider, "Chat is slow", started_at=LATER - timedelta(hours=1))

    assert "Chat is slow" in _html(client, HISTORY)
    assert "Chat is slow" in _html(Client(), HISTORY + "?range=7d")


def test_the_cached_history_of_all_time_asks_one_query_and_starts_at_the_first_incident(
    client, example
):
    everything = HISTORY + "?range=all"
    _html(client, everything)
    with CaptureQueriesContext(connection) as captured:
        _html(client, everything)
    # The key only: where "all" starts is kept under the history's version.
    assert len(captured) == 1, [q["sql"][:200] for q in captured]

    make_incident(example.provider, "Long ago", started_at=LATER - timedelta(days=400))
    first_day = (LATER - timedelta(days=400)).date().isoformat()
    assert first_day in _html(client, everything)


def test_a_new_incident_shows_on_the_cached_incident_list_and_each_filter_has_its_own(
    client, example
):
    make_incident(example.provider, "Chat is slow", started_at=LATER - timedelta(hours=1))
    assert "Chat is slow" in _html(client, INCIDENTS)
    assert "Chat is slow" in _html(client, INCIDENTS)  # cached whole
    assert "Chat is slow" not in _html(client, INCIDENTS + "?q=login")

    make_incident(example.provider, "Sign-in fails", started_at=LATER - timedelta(minutes=5))

    assert "Sign-in fails" in _html(client, INCIDENTS)
    assert "Sign-in fails" not in _html(client, INCIDENTS + "?q=slow")
    assert "Chat is slow" in _html(client, INCIDENTS + "?q=slow")
    assert client.get(INCIDENTS, {"impact": "terrible"}).status_code == 400


def test_the_history_pages_one_query_gives_both_its_keys(example):
    make_incident(example.provider, "Chat is slow", started_at=LATER - timedelta(hours=1))
    state, version = history_cache.state_and_history_version()
    assert state == history_cache.state_version()
    assert version == history_cache.history_version()
