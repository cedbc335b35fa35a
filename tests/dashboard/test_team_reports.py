"""Reports with a name: a teammate counts once whatever browser, their name shows to signed-in
users only, their note on the provider page; an alert's "affected too?" link in one click."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aiwatch.roles import VIEWER, set_role
from alerts import affected_links
from probes.models import Provider, TeamReport
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider() -> Provider:
    return make_provider("example", name="Example AI")


def viewer(name: str, **fields: Any) -> User:
    user = User.objects.create_user(name, **fields)
    set_role(user, VIEWER)
    return user


@pytest.fixture
def alice() -> User:
    return viewer("alice", first_name="Alice", last_name="Martin")


def signed_in(user: User, **headers: Any) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def report_url() -> str:
    return reverse("dashboard:provider-report", args=["example"])


def page(client: Client) -> str:
    return client.get(reverse("dashboard:provider-detail", args=["example"])).content.decode()


def test_a_teammate_counts_once_from_any_browser_or_network(provider, alice):
    signed_in(alice).post(report_url(), {"note": "502 on chat"})
    other_browser = signed_in(alice, REMOTE_ADDR="203.0.113.9")
    response = other_browser.post(report_url(), {"note": ""}, follow=True)
    assert b"already reported" in response.content
    report = TeamReport.objects.get()
    assert report.user == alice
    assert report.weight == 1.0


def test_names_show_to_signed_in_teammates_only_and_notes_to_all(provider, alice):
    bob = viewer("bob")
    signed_in(alice).post(report_url(), {"note": "chat completions time out"})
    signed_in(bob).post(report_url(), {"note": ""})

    inside = page(signed_in(bob))
    assert "2 teammates affected in the last 60 minutes" in inside
    assert "Alice Martin" in inside
    assert "chat completions time out" in inside

    outside = page(Client())
    assert "2 teammates affected" in outside
    assert "Alice Martin" not in outside
    assert "bob" not in outside.split('id="affected"')[1]
    assert "chat completions time out" in outside
    assert "Sign in to see who they are." in outside


def test_with_anonymous_reports_off_a_visitor_is_asked_to_sign_in(provider, settings):
    settings.AIWATCH_REPORT_ANONYMOUS = False
    html = page(Client())
    assert "Sign in to report that you are affected" in html
    assert 'name="note"' not in html
    response = Client().post(report_url(), {"note": ""}, follow=True)
    assert TeamReport.objects.count() == 0
    assert b"Sign in to report" in response.content


def test_anonymous_reports_are_marked_and_weigh_the_setting(provider, settings):
    settings.AIWATCH_REPORT_ANONYMOUS_WEIGHT = 0.3
    Client().post(report_url(), {"note": "slow here"})
    report = TeamReport.objects.get()
    assert report.user is None
    assert report.weight == pytest.approx(0.3)
    assert "1 report from visitors not signed in" in page(Client())


def links_for(provider: Provider, event: str = "e-1") -> dict[str, str]:
    return affected_links.affected_links(provider.slug, event)


def test_one_click_from_an_alert_records_a_report_and_a_replay_counts_nothing(provider, alice):
    client = signed_in(alice)
    yes = links_for(provider)["yes"]
    first = client.get(yes)
    assert first.status_code == 303
    assert first["Location"].endswith("/providers/example/#team-reports")
    report = TeamReport.objects.get()
    assert (report.user, report.via_alert) == (alice, "e-1")
    # Replayed hours later, after the rate-limit window: still one report.
    TeamReport.objects.update(at=timezone.now() - timedelta(hours=3))
    again = client.get(yes, follow=True)
    assert TeamReport.objects.count() == 1
    assert b"already counted" in again.content


def test_no_withdraws_the_report_that_link_recorded(provider, alice):
    client = signed_in(alice)
    client.get(links_for(provider)["yes"])
    response = client.get(links_for(provider)["no"], follow=True)
    assert TeamReport.objects.count() == 0
    assert b"withdrawn" in response.content


def test_with_login_required_the_link_works_after_signing_in(provider, alice, settings):
    settings.AIWATCH_REQUIRE_LOGIN = True
    yes = links_for(provider)["yes"]
    client = Client()
    response = client.get(yes)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert TeamReport.objects.count() == 0
    client.force_login(alice)
    # The login page sends the teammate back to `next`: the very link.
    assert client.get(yes).status_code == 303
    assert TeamReport.objects.get().user == alice


def test_a_visitor_not_signed_in_confirms_with_one_button(provider):
    # Link previews and mail scanners fetch without a session: a GET alone records nothing.
    yes = links_for(provider)["yes"]
    client = Client(enforce_csrf_checks=True)
    shown = client.get(yes)
    assert shown.status_code == 200
    assert TeamReport.objects.count() == 0
    token = shown.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert client.post(yes, {"csrfmiddlewaretoken": token}).status_code == 303
    report = TeamReport.objects.get()
    assert report.user is None
    assert report.via_alert == "e-1"


def test_a_signed_in_user_without_a_role_may_not_report(provider):
    nobody = User.objects.create_user("nobody")
    assert signed_in(nobody).get(links_for(provider)["yes"]).status_code == 403
    assert signed_in(nobody).post(report_url(), {"note": ""}).status_code == 403
    assert TeamReport.objects.count() == 0


def test_a_bad_or_expired_link_says_so_and_records_nothing(provider, alice, settings):
    client = signed_in(alice)
    yes = links_for(provider)["yes"]
    broken = yes.replace("/yes/", "x/yes/")
    assert client.get(broken).status_code == 400
    settings.AIWATCH_AFFECTED_LINK_HOURS = 1
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=0):
        old = links_for(provider)["yes"]
    response = client.get(old)
    assert response.status_code == 410
    assert b"expired" in response.content
    assert client.get(yes.replace("/yes/", "/maybe/")).status_code == 404
    assert TeamReport.objects.count() == 0
