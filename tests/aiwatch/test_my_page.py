"""A person's page (/me/): watchlist, language and time zone, channels, subscriptions."""

from __future__ import annotations

import json
from datetime import time

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from aiwatch.roles import VIEWER, set_role
from alerts.delivery import deliver_pending
from alerts.models import Channel, Delivery, PersonalSubscription
from people.models import Profile, Watch
from probes.models import Provider

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def quiet_delivery(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AIWATCH_ALERT_ENQUEUE_ON_COMMIT = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def make_person(name: str, role: str | None = VIEWER) -> User:
    user = User.objects.create_user(name, f"{name}@example.com", PASSWORD)
    if role:
        set_role(user, role)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def vera(client) -> User:
    user = make_person("vera")
    client.force_login(user)
    return user


@pytest.fixture
def providers() -> list[Provider]:
    return [
        Provider.objects.create(slug="openai", name="OpenAI"),
        Provider.objects.create(slug="anthropic", name="Anthropic"),
    ]


def post_json(client, path: str, body) -> tuple[int, dict]:
    response = client.post(path, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_the_page_needs_a_sign_in(client):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_shows_the_persons_things(client, vera, providers):
    Watch.objects.create(user=vera, provider=providers[0])

    page = client.get("/me/").content.decode()

    assert "OpenAI" in page
    assert "viewer" in page
    assert "Add a channel" in page


def test_the_page_speaks_french(client, vera):
    Profile.objects.create(user=vera, language="fr")
    client.cookies["django_language"] = "fr"

    page = client.get("/me/").content.decode()

    assert "Ma page" in page
    assert "Ajouter un canal" in page


def test_saving_language_and_time_zone_sets_this_browsers_cookies(client, vera):
    channel = Channel.objects.create(
        name="vera: e-mail", kind="email", url="vera@example.com", owner=vera
    )

    response = client.post("/me/", {"language": "fr", "time_zone": "Europe/Paris"})

    assert response.status_code == 303
    assert response.cookies["django_language"].value == "fr"
    assert response.cookies["tz"].value == "Europe/Paris"
    profile = Profile.objects.get(user=vera)
    assert (profile.language, profile.time_zone) == ("fr", "Europe/Paris")
    channel.refresh_from_db()
    assert channel.time_zone == "Europe/Paris"


def test_a_zone_that_does_not_exist_is_refused(client, vera):
    response = client.post("/me/", {"language": "", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert not Profile.objects.filter(user=vera, time_zone="Mars/Olympus").exists()


def test_saved_choices_follow_the_person_to_a_new_browser(vera):
    Profile.objects.create(user=vera, language="fr", time_zone="Asia/Tokyo")
    browser = Client()

    browser.post("/accounts/login/", {"login": "vera", "password": PASSWORD})
    response = browser.get("/me/")

    assert browser.cookies["django_language"].value == "fr"
    assert browser.cookies["tz"].value == "Asia/Tokyo"
    assert response.status_code == 200


def test_a_person_adds_an_email_channel_and_sends_it_a_test(client, vera):
    response = client.post(
        "/me/channels/",
        {
            "label": "work",
            "kind": "email",
            "url": "vera@example.com",
            "quiet_from": "22:00",
            "quiet_until": "07:00",
        },
    )
    assert response.status_code == 303
    channel = Channel.objects.get(owner=vera)
    assert channel.name == "vera: work"
    assert channel.quiet_from == time(22)

    client.post(f"/me/channels/{channel.pk}/test/")
    deliver_pending()

    assert Delivery.objects.get(channel=channel).state == Delivery.State.SENT
    assert [m.to for m in mail.outbox] == [["vera@example.com"]]


def test_a_personal_apprise_url_is_held_to_the_outbound_rules(client, vera, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = []
    response = client.post(
        "/me/channels/", {"label": "hook", "kind": "apprise", "url": "json://127.0.0.1:9/hook"}
    )
    assert response.status_code == 400
    assert not Channel.objects.filter(owner=vera).exists()
    secret = client.post(
        "/me/channels/",
        {"label": "x", "kind": "apprise", "url": "ntfys://${AIWATCH_SECRET_TOKEN}@ntfy.sh/t"},
    )
    assert secret.status_code == 400


def test_a_person_subscribes_through_their_own_channel_only(client, vera, providers):
    mine = Channel.objects.create(name="vera: mail", kind="email", url="v@example.com", owner=vera)
    otto = make_person("otto")
    ottos = Channel.objects.create(name="otto: mail", kind="email", url="o@example.com", owner=otto)

    refused = client.post("/me/subscriptions/", {"channel": ottos.pk, "events": ["outage"]})
    accepted = client.post(
        "/me/subscriptions/",
        {
            "channel": mine.pk,
            "providers": [providers[0].pk],
            "events": ["outage", "recovery"],
            "components": "API, Chat",
        },
    )

    assert refused.status_code == 400
    assert accepted.status_code == 303
    subscription = PersonalSubscription.objects.get()
    assert subscription.owner == vera
    assert subscription.events == ["outage", "recovery"]
    assert subscription.components == ["API", "Chat"]
    assert list(subscription.providers.all()) == [providers[0]]


def test_nobody_touches_anothers_channel_or_subscription(client, vera):
    otto = make_person("otto")
    ottos = Channel.objects.create(name="otto: mail", kind="email", url="o@example.com", owner=otto)
    subscription = PersonalSubscription.objects.create(owner=otto, channel=ottos)

    assert client.post(f"/me/channels/{ottos.pk}/delete/").status_code == 404
    assert client.post(f"/me/channels/{ottos.pk}/test/").status_code == 404
    assert client.post(f"/me/subscriptions/{subscription.pk}/delete/").status_code == 404
    assert Channel.objects.filter(pk=ottos.pk).exists()
    assert "otto" not in client.get("/me/").content.decode()


def test_a_user_without_a_role_may_not_subscribe(client):
    client.force_login(make_person("nora", role=None))
    response = client.post("/me/channels/", {"label": "x", "kind": "email", "url": "n@example.com"})
    assert response.status_code == 403


def test_team_channels_stay_out_of_personal_pages_and_personal_ones_out_of_the_admin(client, vera):
    Channel.objects.create(name="team-slack", url="json://127.0.0.1/hook")
    Channel.objects.create(name="vera: mail", kind="email", url="v@example.com", owner=vera)
    admin = make_person("boss", role="admin")
    staff = Client()
    staff.force_login(admin)

    assert "team-slack" not in client.get("/me/").content.decode()
    listing = staff.get("/admin/alerts/channel/").content.decode()
    assert "team-slack" in listing
    assert "vera: mail" not in listing


# The watchlist endpoint --------------------------------------------------------------------


def test_the_watchlist_needs_a_sign_in(client):
    assert client.get("/me/watchlist.json").status_code in (302, 401)
    anonymous = client.get("/me/watchlist.json", HTTP_ACCEPT="application/json")
    assert anonymous.status_code == 401


def test_stars_are_added_and_removed_on_the_server(client, vera, providers):
    status, body = post_json(client, "/me/watchlist.json", {"add": ["openai", "anthropic", "nope"]})
    assert status == 200
    assert body == {"providers": ["anthropic", "openai"], "ignored": ["nope"]}

    status, body = post_json(client, "/me/watchlist.json", {"remove": ["anthropic"]})
    assert body["providers"] == ["openai"]
    assert client.get("/me/watchlist.json").json() == {"providers": ["openai"]}


def test_the_browser_list_moves_to_the_server_once_and_twice_changes_nothing(
    client, vera, providers
):
    Watch.objects.create(user=vera, provider=providers[0])
    for _ in range(2):
        status, _body = post_json(client, "/me/watchlist.json", {"add": ["openai", "anthropic"]})
        assert status == 200
    assert Watch.objects.filter(user=vera).count() == 2


def test_the_watchlist_refuses_what_is_not_a_list_of_slugs(client, vera):
    status, _ = post_json(client, "/me/watchlist.json", {"add": "openai"})
    assert status == 400
    response = client.post("/me/watchlist.json", b"not json", content_type="application/json")
    assert response.status_code == 400


def test_the_watchlist_write_needs_the_csrf_token(vera, providers):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(vera)
    response = strict.post(
        "/me/watchlist.json", json.dumps({"add": ["openai"]}), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Watch.objects.exists()


def test_a_user_without_a_role_keeps_no_watchlist(client, providers):
    client.force_login(make_person("nora", role=None))
    status, _ = post_json(client, "/me/watchlist.json", {"add": ["openai"]})
    assert status == 403


def test_every_page_carries_a_signed_in_persons_list_for_the_stars(client, vera, providers):
    Watch.objects.create(user=vera, provider=providers[1])

    page = client.get("/").content.decode()

    assert '<script id="watchlist-server" type="application/json">' in page
    assert '"providers": ["anthropic"]' in page
    assert '"url": "/me/watchlist.json"' in page
    client.logout()
    assert "watchlist-server" not in client.get("/").content.decode()
