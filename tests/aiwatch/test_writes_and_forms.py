"""Every write needs CSRF and (outside preferences) a login; every form carries its token; no
secret is ever stored in the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from probes.models import Component, Incident, IncidentUpdate, Provider, Source, StatusChange

pytestmark = pytest.mark.django_db

# Writes anyone may make, by design: each still needs its CSRF token (tested below).
ANONYMOUS_WRITES = {
    # A cookie on the visitor's own browser.
    "dashboard:set-timezone",
    # The "I'm affected" button: one report, rate-limited per person and per network.
    "dashboard:provider-report",
    # Signing in: attempts are counted and limited (aiwatch.access); signing up is closed and
    # its form only says so; a password reset mails the address's owner (limited by allauth).
    "account_login",
    "account_signup",
    "account_reset_password",
}
SAMPLE_ARGS = {"slug": "example", "pk": 1, "id": 1, "object_id": "1"}


def _routes(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin guards itself; tested below through its own URLs
            space = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), space)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def site_urls() -> list[tuple[str, str]]:
    urls = []
    for name, _route in _routes(get_resolver().url_patterns):
        for attempt in ({}, {"slug": "example"}, {"pk": 1}):
            try:
                urls.append((name, reverse(name, kwargs=attempt)))
                break
            except NoReverseMatch:  # try the next argument shape
                continue
    return urls


@pytest.fixture
def data() -> Provider:
    provider = Provider.objects.create(slug="example", name="Example AI")
    source = Source.objects.create(provider=provider, url="https://status.example.com/x.json")
    component = Component.objects.create(
        provider=provider, source=source, external_id="c", name="API"
    )
    incident = Incident.objects.create(
        provider=provider,
        source=source,
        external_id="i",
        title="Down",
        impact="major",
        status="investigating",
        started_at=timezone.now() - timedelta(hours=1),
    )
    incident.components.add(component)
    IncidentUpdate.objects.create(
        incident=incident, key="u", status="investigating", body="Looking", at=timezone.now()
    )
    return provider


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Provider, Source, Component, Incident, IncidentUpdate, StatusChange)
    )


def test_the_site_has_routes_to_check():
    assert len(site_urls()) >= 3


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_write_without_a_csrf_token(data, method):
    client = Client(enforce_csrf_checks=True)
    before = _counts()
    for name, url in site_urls():
        response = getattr(client, method)(url, {"name": "changed"})
        assert response.status_code in (403, 404, 405), (name, url, response.status_code)
    assert _counts() == before


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_anonymous_writes_change_nothing(data, method):
    # Even with a valid token: only a signed-in admin changes data.
    client = Client()
    before = _counts()
    names_before = list(Provider.objects.values_list("name", flat=True))
    for name, url in site_urls():
        if name in ANONYMOUS_WRITES:
            continue
        response = getattr(client, method)(url, {"name": "changed", "title": "changed"})
        if response.status_code == 200:
            # A read-only view that ignores the method (e.g. a syndication feed) must answer
            # exactly as it does to GET: nothing was written.
            assert response.content == client.get(url).content, (name, url)
            continue
        assert response.status_code in (302, 401, 403, 404, 405), (name, url, response.status_code)
    assert _counts() == before
    assert list(Provider.objects.values_list("name", flat=True)) == names_before


def test_anonymous_admin_writes_are_sent_to_the_login(data):
    client = Client()
    for url in (
        reverse("admin:probes_provider_add"),
        reverse("admin:probes_provider_change", args=[data.pk]),
        reverse("admin:probes_provider_delete", args=[data.pk]),
        reverse("admin:probes_source_add"),
    ):
        response = client.post(url, {"slug": "x", "name": "x"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    assert Provider.objects.get(pk=data.pk).name == "Example AI"


class FormFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            method = (attributes.get("method") or "get").lower()
            self.forms.append({"method": method, "token": False})
        elif tag == "input" and self.forms and attributes.get("name") == "csrfmiddlewaretoken":
            self.forms[-1]["token"] = True


def test_every_post_form_on_every_page_carries_a_csrf_token(data):
    client = Client()
    checked = 0
    for _name, url in site_urls():
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        finder = FormFinder()
        finder.feed(response.content.decode())
        for form in finder.forms:
            if form["method"] == "post":
                checked += 1
                assert form["token"], url
    assert checked >= 1


# Field names that would hold a secret ("max_tokens", a count, is not one).
SECRET_NAME = re.compile(
    r"(^|_)(api_?key|apikey|secret|password|passwd|credentials?|bearer|token|auth)($|_)"
)


def test_no_model_stores_a_secret():
    # Probe API keys come only from the environment: a source may name the variable
    # (a field ending in "_env"), never hold the value.
    offenders = []
    for model in apps.get_models():
        if model._meta.app_label in ("auth", "sessions", "admin", "contenttypes"):
            continue
        if model._meta.app_label == "socialaccount":
            # allauth's tables for apps and tokens stay empty: the single sign-on client is
            # configured from the environment and its tokens are not kept
            # (tests/aiwatch/test_single_sign_on.py checks both after a sign-in).
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.Field):
                continue
            name = field.name.lower()
            if SECRET_NAME.search(name) and not name.endswith("_env"):
                offenders.append(f"{model.__name__}.{field.name}")
    assert offenders == []
