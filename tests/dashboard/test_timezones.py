"""The viewer's zone: cookie, middleware, picker."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse

from dashboard.timezones import zone_choices, zone_from_name
from tests.factories import make_incident, make_provider, make_read_source


@pytest.mark.parametrize(
    "name", ["Europe/Paris", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5"]
)
def test_valid_zone_names_are_accepted(name):
    assert zone_from_name(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Mars/Olympus_Mons",
        "../../etc/passwd",
        "/etc/localtime",
        "Europe/../UTC",
        "x" * 200,
        "Europe/Paris\x00",
        "<script>",
    ],
)
def test_invalid_zone_names_are_ignored(name):
    assert zone_from_name(name) is None


def test_the_picker_offers_the_viewers_own_zone():
    assert "Asia/Kathmandu" in zone_choices("Asia/Kathmandu")
    assert zone_choices("Asia/Kathmandu")[0] == "UTC"
    assert "Nowhere/Nope" not in zone_choices("Nowhere/Nope")


@pytest.fixture
def incident(db):
    provider = make_provider("example")
    make_read_source(provider)
    return make_incident(provider, "Down", started_at=datetime(2024, 12, 26, 17, 40, tzinfo=UTC))


def test_pages_show_times_in_the_cookies_zone(client, incident):
    client.cookies["tz"] = "Europe/Berlin"

    html = client.get(reverse("dashboard:incident-detail", args=[incident.pk])).content.decode()

    assert "26 Dec 2024 18:40" in html
    assert 'title="2024-12-26 17:40 UTC"' in html
    assert '<option value="Europe/Berlin" selected>' in html


def test_an_invalid_cookie_falls_back_to_utc(client, incident):
    client.cookies["tz"] = "Not/AZone"

    html = client.get(reverse("dashboard:incident-detail", args=[incident.pk])).content.decode()

    assert "26 Dec 2024 17:40" in html
    assert '<option value="UTC" selected>' in html


def test_the_zone_does_not_leak_into_the_next_request(client, incident):
    from django.utils import timezone

    client.cookies["tz"] = "Asia/Tokyo"
    client.get(reverse("dashboard:index"))

    assert timezone.get_current_timezone_name() == "UTC"


def test_choosing_a_zone_sets_the_cookie_and_returns(client, db):
    response = client.post(
        reverse("dashboard:set-timezone"), {"tz": "America/Chicago", "next": "/providers/x/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/providers/x/"
    assert response.cookies["tz"].value == "America/Chicago"
    assert response.cookies["tz"]["samesite"] == "Lax"


def test_choosing_a_bad_zone_changes_nothing_and_offsite_redirects_are_refused(client, db):
    response = client.post(
        reverse("dashboard:set-timezone"), {"tz": "Bad/Zone", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")
    assert "tz" not in response.cookies


def test_every_zone_can_be_chosen_on_its_own_page(client, db):
    client.cookies["tz"] = "America/Argentina/Salta"

    response = client.get(reverse("dashboard:set-timezone"), {"next": "/incidents/3/"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="Pacific">' in html
    assert '<option value="America/Argentina/Salta" selected>' in html
    assert '<input type="hidden" name="next" value="/incidents/3/">' in html


def test_the_zone_picker_accepts_only_get_and_post(client, db):
    assert client.put(reverse("dashboard:set-timezone")).status_code == 405


def test_the_zone_script_is_static_and_sets_the_cookie_from_the_browser():
    from django.contrib.staticfiles import finders

    path = finders.find("js/timezone.js")
    assert path is not None
    source = Path(path).read_text()
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in source
    assert "tz=" in source
