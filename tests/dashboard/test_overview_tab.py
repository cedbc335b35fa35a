"""What the overview gives its scripts: the tab's title, the stars, and the words they use."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories import NOW, make_provider, make_read_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def frozen_now() -> Iterator[None]:
    # A minute after the factories' reads, so they are fresh.
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        yield


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match is not None
    return match.group(1).strip()


def test_a_calm_overview_has_a_plain_title(client):
    make_read_source(make_provider("calm", name="Calm Co"))

    html = client.get(reverse("dashboard:index")).content.decode()

    assert _title(html) == "Overview · AI Watch"


def test_the_title_counts_every_kind_of_trouble_under_one_mark(client):
    make_read_source(make_provider("calm"))
    make_read_source(make_provider("down", status="major_outage"))
    make_read_source(make_provider("slow", status="degraded_performance"))
    make_read_source(make_provider("blind", status="unknown"))

    html = client.get(reverse("dashboard:index")).content.decode()

    assert _title(html) == "(2) ⚠ Overview · AI Watch"
    assert 'data-live-title="(2) ⚠ Overview · AI Watch"' in html


def test_unreadable_providers_show_in_the_title_when_nothing_worse_does(client):
    make_read_source(make_provider("calm"))
    # Read long ago and not since: unknown, and that is news.
    make_read_source(make_provider("blind"), at=NOW - timedelta(days=1))
    make_read_source(make_provider("later", status="under_maintenance"))

    html = client.get(reverse("dashboard:index")).content.decode()

    assert _title(html) == "(1) ? Overview · AI Watch"


def test_providers_waiting_for_their_first_read_are_no_news_for_the_title(client):
    make_read_source(make_provider("calm"))
    make_read_source(make_provider("fresh", status="unknown"), last_success_at=None)

    html = client.get(reverse("dashboard:index")).content.decode()

    assert _title(html) == "Overview · AI Watch"
    assert 'id="provider-fresh"' in html


def test_every_tile_and_card_has_a_star_naming_its_provider(client):
    make_read_source(make_provider("calm", name="Calm Co"))
    make_read_source(make_provider("down", name="Down Co", status="major_outage"))

    html = client.get(reverse("dashboard:index")).content.decode()

    for slug, name in [("calm", "Calm Co"), ("down", "Down Co")]:
        assert re.search(
            rf'<button type="button" class="watch-star" data-watch-star="{slug}"'
            rf' aria-pressed="false" aria-label="Watch {name}"',
            html,
        )


def test_the_tab_script_gets_its_marks_icons_and_severity_order_from_the_page(client):
    make_read_source(make_provider("calm"))

    html = client.get(reverse("dashboard:index")).content.decode()

    assert (
        'data-severity-order="operational under_maintenance unknown degraded_performance'
        ' partial_outage major_outage"'
    ) in html
    assert 'data-mark-problem="⚠"' in html
    assert 'data-icon-major_outage="/static/img/favicon-major_outage.svg"' in html
    for script in ("watchlist", "watch", "overview", "tab_status"):
        assert f'<script src="/static/js/{script}.js" defer></script>' in html


def test_the_scripts_words_come_in_the_pages_language(client):
    make_read_source(make_provider("calm", name="Calm Co"))

    html = client.get(reverse("dashboard:index"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert 'aria-label="Suivre Calm Co"' in html
    assert 'data-text-notify="{name} : {status} (auparavant : {before})"' in html
    assert 'data-text-seconds="{n} s"' in html
    assert 'data-title-base="Vue d\u2019ensemble · AI Watch"' in html
    assert '<option value="dark">Sombre</option>' in html


def test_the_theme_is_applied_by_a_blocking_script_of_our_own_before_the_body(client):
    html = client.get(reverse("dashboard:index")).content.decode()

    head = html.split("<body", 1)[0]
    assert '<script src="/static/js/theme.js"></script>' in head
    # No inline script: the site's CSP (script-src 'self') would refuse it.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)
