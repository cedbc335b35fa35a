"""plotly.js comes from the installed package via static files, never a CDN."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template import Context, Template

# Every script, stylesheet and icon a page loads; the CSRF token and text are not URLs.
_ASSET_URL = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href|data-plotly-src)=\"([^\"]+)\"")


def assert_assets_are_our_own(html: str) -> None:
    urls = _ASSET_URL.findall(html)
    assert urls
    for url in urls:
        assert url.startswith("/static/"), url
        assert "cdn" not in url.lower(), url


def test_plotly_is_found_as_a_static_file():
    path = finders.find("plotly/plotly.min.js")

    assert path is not None
    assert Path(path).read_bytes()[:200].strip()


def test_the_chart_scripts_reference_plotly_through_static():
    html = Template('{% include "includes/chart_scripts.html" %}').render(Context())

    assert '<script src="/static/plotly/plotly.min.js" defer>' in html
    assert_assets_are_our_own(html)


def test_every_page_can_fetch_plotly_on_demand_from_static(client, db):
    html = client.get("/").content.decode()

    assert (
        '<script src="/static/js/charts.js" data-plotly-src="/static/plotly/plotly.min.js"' in html
    )
    assert_assets_are_our_own(html)


def test_a_chart_is_a_div_with_its_figure_in_a_json_script():
    html = Template('{% load dashboard_extras %}{% chart figure "uptime" "Daily uptime" %}').render(
        Context({"figure": {"data": [{"type": "bar", "y": [1]}], "layout": {"title": "</script>"}}})
    )

    assert 'data-chart="uptime-data"' in html
    assert '<script id="uptime-data" type="application/json">' in html
    # json_script escapes the figure, so text in it cannot close the script element.
    assert '</script>"' not in html
    assert "\\u003C/script\\u003E" in html


def test_charts_js_draws_every_chart_with_plotly():
    path = finders.find("js/charts.js")
    assert path is not None
    source = Path(path).read_text()

    assert "Plotly.newPlot" in source
    assert "data-chart" in source
    # Only a page with a chart fetches plotly.js.
    assert 'querySelectorAll("[data-chart]")' in source
    assert "data-plotly-src" in source


def test_pages_without_charts_do_not_load_plotly_up_front(client, db):
    html = client.get("/").content.decode()

    assert '<script src="/static/plotly/plotly.min.js"' not in html


def test_pages_and_the_api_are_sent_compressed_to_a_client_that_accepts_gzip(client, db):
    from probes.models import Provider

    for number in range(10):
        Provider.objects.create(slug=f"provider-{number}", name=f"Provider {number}")
    for path in ("/", "/history/", "/api/v1/providers/"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})

        assert response.status_code == 200, path
        assert response["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in response["Vary"], path
