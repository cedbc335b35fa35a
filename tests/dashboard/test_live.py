"""Live pages: the overview and a provider page poll a fragment of their changing parts
(static/js/live.js) instead of reloading themselves whole."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from probes.models import Provider
from tests.factories import NOW, make_component, make_incident, make_provider, make_read_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

REGION = re.compile(r'data-live-region="([a-z-]+)"')


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        yield


def _regions(html: str) -> list[str]:
    return REGION.findall(html)


def test_the_overview_polls_its_fragment_with_a_static_script_and_never_reloads(client):
    html = client.get(reverse("dashboard:index")).content.decode()

    assert f'data-live-src="{reverse("dashboard:overview-live")}"' in html
    assert 'data-live-seconds="20"' in html
    assert 'src="/static/js/live.js"' in html
    assert "refresh.js" not in html
    assert "data-refresh-seconds" not in html
    assert "data-live-status" in html
    assert finders.find("js/live.js")
    assert not (settings.BASE_DIR / "static" / "js" / "refresh.js").exists()


def test_the_overview_fragment_holds_every_live_region_of_the_page(client):
    make_read_source(make_provider("anthropic", name="Anthropic"))

    page = client.get(reverse("dashboard:index")).content.decode()
    fragment = client.get(reverse("dashboard:overview-live"))

    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert _regions(body) == _regions(page) == ["banners", "counts", "warnings", "cards"]
    # A fragment, not a page: no layout, no scripts of its own.
    assert "<html" not in body
    assert "<script" not in body
    assert "Anthropic" in body


def test_the_overview_fragment_shows_an_outage_that_began_after_the_page_loaded(client):
    provider = make_provider("anthropic", name="Anthropic")
    make_read_source(provider)
    before = client.get(reverse("dashboard:overview-live")).content.decode()
    assert 'data-live-title="Overview · AI Watch"' in before

    Provider.objects.filter(pk=provider.pk).update(status="major_outage")
    make_component(provider, "API", status="major_outage")
    make_incident(provider, "Elevated errors on the API")

    after = client.get(reverse("dashboard:overview-live")).content.decode()
    assert after != before
    assert 'data-live-title="(1) ⚠ Overview · AI Watch"' in after
    assert "Elevated errors on the API" in after
    counts = re.search(r'data-live-region="counts">(.*?)</div>', after, re.S)
    assert counts is not None
    assert "<strong>1</strong> with problems" in counts.group(1)


def test_the_provider_fragment_holds_the_pages_changing_parts_only(client):
    provider = make_provider("anthropic", name="Anthropic")
    make_read_source(provider)
    make_component(provider, "API")

    page = client.get(reverse("dashboard:provider-detail", args=["anthropic"])).content.decode()
    fragment = client.get(reverse("dashboard:provider-live", args=["anthropic"]))

    assert fragment.status_code == 200
    body = fragment.content.decode()
    regions = ["head", "views", "open-incidents", "components"]
    assert _regions(body) == _regions(page) == regions
    assert 'src="/static/js/live.js"' in page
    assert 'id="recent-incidents"' not in body
    assert "<script" not in body


def test_the_provider_fragment_shows_a_new_open_incident(client):
    provider = make_provider("anthropic", name="Anthropic")
    make_read_source(provider)
    url = reverse("dashboard:provider-live", args=["anthropic"])
    assert "Elevated errors" not in client.get(url).content.decode()

    Provider.objects.filter(pk=provider.pk).update(status="partial_outage")
    make_incident(provider, "Elevated errors", updates=[("investigating", "Looking.", NOW)])

    body = client.get(url).content.decode()
    assert "Elevated errors" in body
    assert 'data-live-title="Partial outage · Anthropic · AI Watch"' in body


def test_the_provider_fragment_of_an_unknown_provider_is_a_404(client):
    assert client.get(reverse("dashboard:provider-live", args=["nope"])).status_code == 404


def test_the_live_script_pauses_while_hidden_or_typing_and_says_when_the_server_is_lost():
    path = finders.find("js/live.js")
    assert path
    with open(path, encoding="utf-8") as handle:
        script = handle.read()

    assert "document.hidden" in script
    assert "visibilitychange" in script
    assert "TEXTAREA" in script
    assert 'words("lost"' in script
    assert "location.reload" not in script


def test_the_overview_offers_search_and_filters_that_narrow_it_in_place(client):
    make_read_source(make_provider("anthropic", name="Anthropic", category="model_api"))
    make_read_source(make_provider("midjourney", name="Midjourney", category="image"))

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "data-overview-tools" in html
    assert 'src="/static/js/overview.js"' in html
    assert '<option value="image">Image</option>' in html
    # Tiles and cards say what the filters match on, in the live fragment too.
    fragment = client.get(reverse("dashboard:overview-live")).content.decode()
    assert 'data-name="midjourney" data-kind="image" data-state="operational"' in fragment
