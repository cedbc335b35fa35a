"""A team, not one admin: the whole "Done when" of the feature, walked as the team would.

A viewer signs in through an OpenID Connect provider served on 127.0.0.1, stars a provider and
subscribes their own e-mail channel to its outages on /me/. The provider's status page, served
locally too, goes down and is read by the real poll: the viewer hears it exactly once, and so does
the team channel (a JSON receiver). The viewer says "I'm affected"; a teammate signed in sees
their name, an anonymous visitor does not. An editor (a local account) acknowledges the outage
and the overview says so. With AIWATCH_REQUIRE_LOGIN on, anonymous callers of pages, the API,
feeds, exports, badges and metrics see none of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client

from aiwatch.roles import EDITOR, VIEWER, role_of, set_role
from alerts.models import Channel, Delivery, PersonalSubscription
from people.models import Watch
from probes.models import Acknowledgement, Provider, TeamReport
from tests.aiwatch.oidc_provider import OidcProvider, sign_in, signed_in_user, use_provider
from tests.conftest import load_fixture
from tests.factories import configured_provider, make_source
from tests.fakeserver import FakeServer

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"
SUMMARY = "/example/summary.json"


@pytest.fixture(autouse=True)
def team_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The outbox is delivered by the `notify` command below, not by a woken worker.
    settings.AIWATCH_ALERT_ENQUEUE_ON_COMMIT = False


@pytest.fixture
def oidc(settings) -> Iterator[OidcProvider]:
    with OidcProvider() as provider:
        use_provider(settings, provider, domains=["example.com"], role=VIEWER)
        yield provider


@pytest.fixture
def example(status_server: FakeServer) -> Provider:
    """Example AI, read from a Statuspage summary served on 127.0.0.1 (operational for now)."""
    status_server.set(SUMMARY, load_fixture("statuspage/summary_operational.json"))
    provider = configured_provider("example")
    make_source(provider, url=status_server.url(SUMMARY), kind="statuspage")
    return provider


def poll_and_notify() -> None:
    """What the beat does each minute: read every source, then deliver the outbox."""
    call_command("poll", stdout=StringIO())
    call_command("notify", stdout=StringIO())


def local_sign_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def test_a_team_signs_in_watches_hears_reports_and_acknowledges(
    oidc, example, status_server, receiver, settings
):
    team_room = Channel.objects.create(
        name="team-room", url=f"json://127.0.0.1:{receiver.port}/hook"
    )
    erin = User.objects.create_user("erin", "erin@example.com", PASSWORD, first_name="Erin")
    set_role(erin, EDITOR)

    # A viewer signs in through the identity provider and gets the default role.
    vera = Client()
    oidc.sign_in_as("vera@example.com", given_name="Vera", family_name="Lopez")
    assert sign_in(vera, oidc).status_code == 302
    person = signed_in_user(vera)
    assert person is not None
    assert role_of(person) == VIEWER

    # They star Example AI: the watchlist is kept on the server, and /me/ lists it.
    starred = vera.post(
        "/me/watchlist.json", json.dumps({"add": ["example"]}), content_type="application/json"
    )
    assert starred.json()["providers"] == ["example"]
    assert Watch.objects.filter(user=person, provider=example).exists()
    assert "Example AI" in vera.get("/me/").content.decode()

    # They add their own e-mail channel and subscribe it to Example AI's outages.
    added = vera.post(
        "/me/channels/", {"label": "work", "kind": "email", "url": "vera@example.com"}
    )
    assert added.status_code == 303
    channel = Channel.objects.get(owner=person)
    subscribed = vera.post(
        "/me/subscriptions/",
        {"channel": channel.pk, "providers": [example.pk], "events": ["outage"]},
    )
    assert subscribed.status_code == 303
    assert PersonalSubscription.objects.get(owner=person).events == ["outage"]

    # All is well: nobody hears anything.
    poll_and_notify()
    assert mail.outbox == []
    assert receiver.requests == []

    # The page reports a major outage; the next polls read it (the same page twice).
    status_server.set(SUMMARY, load_fixture("statuspage/summary_major_outage.json"))
    poll_and_notify()
    poll_and_notify()

    assert [message.to for message in mail.outbox] == [["vera@example.com"]]
    assert mail.outbox[0].subject == "Example AI: Major outage"
    assert len(receiver.requests) == 1
    assert "Example AI" in receiver.requests[0].body.decode()
    assert Delivery.objects.filter(channel=team_room, state=Delivery.State.SENT).count() == 1
    assert Delivery.objects.filter(channel=channel, state=Delivery.State.SENT).count() == 1

    # The viewer says they are affected, with a note.
    reported = vera.post("/providers/example/report/", {"note": "chat times out from the office"})
    assert reported.status_code == 303
    assert TeamReport.objects.get().user == person

    # A teammate signed in (the editor, a local account) sees who; an anonymous visitor not.
    editor = local_sign_in("erin")
    inside = editor.get("/providers/example/").content.decode()
    affected = inside.split('id="affected"')[1]
    assert "1 teammate affected" in affected
    assert "Vera Lopez" in affected
    outside = Client().get("/providers/example/").content.decode()
    assert "1 teammate affected" in outside
    assert "Vera Lopez" not in outside
    assert "chat times out from the office" in outside

    # The editor acknowledges the open incident; the overview says who is on it.
    target = re.search(r'name="target" value="([a-z]+:\d+)"', inside)
    assert target is not None
    acknowledged = editor.post(
        "/providers/example/acknowledge/",
        {"target": target.group(1), "on_it": "Erin and Sam", "plan_b_in_place": "1"},
    )
    assert acknowledged.status_code == 303
    assert Acknowledgement.objects.get().by == erin
    for client in (vera, Client()):
        overview = client.get("/").content.decode()
        banner = overview.split('id="acknowledged"')[1].split("</div>")[0]
        assert "Example AI" in banner
        assert "acknowledged by Erin" in banner
        assert "on it: Erin and Sam" in banner

    # The acknowledgement goes to the team room as a follow-up; the viewer asked for outages
    # only and still has their one message.
    poll_and_notify()
    assert len(receiver.requests) == 2
    assert len(mail.outbox) == 1

    # Now the dashboard is private: anonymous callers see nothing of it.
    settings.AIWATCH_REQUIRE_LOGIN = True
    anonymous = Client()
    for path in (
        "/",
        "/providers/example/",
        "/incidents/",
        "/history/",
        "/incidents/export.csv",
        "/feeds/incidents.atom",
        "/feeds/maintenance.ics",
        "/stack/",
        "/api/v1/providers/",
        "/api/v1/providers/example/",
        "/api/v1/incidents/",
        "/metrics",
        "/badge/example.svg",
        "/embed/example/",
        "/me/",
        "/me/watchlist.json",
    ):
        response = anonymous.get(path)
        body = response.content.decode(errors="replace")
        assert response.status_code in (302, 401), (path, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), path
        assert "Example AI" not in body, path
        assert "Vera" not in body, path
    refused = anonymous.post("/providers/example/report/", {"note": "anonymous"})
    assert refused.status_code == 302
    assert TeamReport.objects.count() == 1
    # The teammates still see everything.
    assert "Example AI" in vera.get("/").content.decode()
    assert "Vera Lopez" in editor.get("/providers/example/").content.decode()
