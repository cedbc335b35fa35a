"""The OpenAPI schema: valid OpenAPI 3, every route under /api/v1/ in it, docs served locally."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

from tests.aiwatch.test_login_walk import routes

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_every_route_under_api_v1_is_in_the_schema(client):
    documented = {
        re.sub(r"\{\w+\}", "{}", path)
        for path in client.get("/api/v1/openapi.json").json()["paths"]
    }
    # The schema, the docs and the root (which leads to the docs) describe the API, not part of it.
    own = {"/api/v1/", "/api/v1/openapi.json", "/api/v1/docs"}
    served = {
        re.sub(r"/example/", "/{}/", path)
        for path in routes()
        if path.startswith("/api/v1/") and path not in own
    }

    assert served - documented == set()
    assert "/api/v1/providers/{}/uptime/" in documented


def test_errors_have_one_shape_in_the_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    detail = schema["paths"]["/api/v1/providers/{slug}/"]["get"]["responses"]
    ref = detail["404"]["content"]["application/json"]["schema"]["$ref"]

    assert schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["required"] == ["error"]


def test_the_interactive_docs_load_only_files_of_this_site(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        # Served from the installed django-ninja package, never from a CDN.
        assert source.startswith("/static/ninja/"), source
        assert finders.find(source.removeprefix("/static/")), source
    # The site's CSP has no inline script: the docs page needs none (settings are JSON data).
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\b(?:src|type=\"application/json\"))[^>]*>", html)


def test_the_api_root_leads_to_the_docs(client):
    response = client.get("/api/v1/")

    assert response.status_code == 302
    assert response["Location"] == "/api/v1/docs"


def test_a_wrong_method_is_refused_in_the_error_shape(client):
    response = client.delete("/api/v1/providers/")

    assert response.status_code == 405
    assert "DELETE is not allowed" in response.json()["error"]
