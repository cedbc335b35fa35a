"""The change forms' "Poll now" and "Detect", against a locally served status page, and the
bulk enable/disable actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from probes.models import Component, Incident, Provider, Source, StatusChange
from tests.conftest import load_fixture
from tests.factories import make_provider, make_source
from tests.probes.admin_pages import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_poll_now_on_the_source_form_polls_and_says_what_it_found(admin_client, status_server):
    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_major_outage.json"))
    provider = make_provider("acme", status="unknown")
    source = make_source(provider, url=status_server.url("/api/v2/summary.json"))

    response = admin_client.post(reverse("admin:probes_source_poll", args=[source.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:probes_source_change", args=[source.pk])
    (said,) = messages_of(response)
    assert "read as statuspage" in said
    assert "4 components followed" in said
    assert "Major outage" in said
    source.refresh_from_db()
    assert source.detected_format == "statuspage"
    assert Provider.objects.get(pk=provider.pk).status == "major_outage"
    assert Component.objects.filter(provider=provider).count() == 4


def test_poll_now_on_the_source_form_gives_the_reason_it_failed(admin_client, status_server):
    status_server.set("/api/v2/summary.json", b"oops", status=503)
    source = make_source(make_provider("acme"), url=status_server.url("/api/v2/summary.json"))

    response = admin_client.post(reverse("admin:probes_source_poll", args=[source.pk]), follow=True)

    (said,) = messages_of(response)
    assert "could not be read: HTTP 503 from" in said
    assert "Unknown" in said
    assert Source.objects.get(pk=source.pk).consecutive_failures == 1


def test_poll_now_on_the_source_form_runs_a_probe(admin_client, status_server):
    status_server.set("/v1/models", b"{}", status=401)
    probe = make_source(
        make_provider("acme"),
        kind="http_probe",
        url=status_server.url("/v1/models"),
        timeout_seconds=2,
    )
    response = admin_client.post(reverse("admin:probes_source_poll", args=[probe.pk]), follow=True)
    (said,) = messages_of(response)
    assert "Probed" in said
    assert "HTTP 401" in said
    assert probe.probe_results.count() == 1


def test_poll_now_on_the_provider_form_polls_each_enabled_source(admin_client, status_server):
    status_server.set("/a.json", load_fixture("statuspage/summary_operational.json"))
    provider = make_provider("acme")
    make_source(provider, url=status_server.url("/a.json"))
    make_source(provider, url=status_server.url("/off.json"), enabled=False)

    response = admin_client.post(
        reverse("admin:probes_provider_poll", args=[provider.pk]), follow=True
    )

    (said,) = messages_of(response)
    assert "read as statuspage" in said
    assert "Operational" in said
    assert [request.path for request in status_server.requests] == ["/a.json"]


def test_poll_now_refuses_a_disabled_source_and_a_get(admin_client, status_server):
    source = make_source(make_provider("acme"), url=status_server.url("/x.json"), enabled=False)
    url = reverse("admin:probes_source_poll", args=[source.pk])
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url, follow=True)
    assert "Nothing polled" in messages_of(response)[0]
    assert status_server.requests == []


def test_the_change_form_has_the_poll_now_and_detect_buttons(admin_client):
    source = make_source(make_provider("acme"))
    html = admin_client.get(reverse("admin:probes_source_change", args=[source.pk])).text
    assert reverse("admin:probes_source_poll", args=[source.pk]) in html
    assert 'name="_detect"' in html
    add = admin_client.get(reverse("admin:probes_source_add")).text
    assert 'name="_detect"' in add


def test_detect_on_the_add_form_shows_the_dry_run_and_saves_nothing(admin_client, status_server):
    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_major_outage.json"))
    provider = make_provider("acme")
    data = form_data(admin_client.get(reverse("admin:probes_source_add")).text, "source_form")
    data.update(
        {
            "provider": [str(provider.pk)],
            "kind": ["auto"],
            "url": [status_server.url("/api/v2/summary.json")],
            "filters_components": [],
            "filters_components_other": ["cmp0api00002"],
            "_detect": ["1"],
        }
    )

    response = admin_client.post(reverse("admin:probes_source_add"), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Detect: dry run, nothing saved" in html
    assert "reads as <strong>statuspage</strong>" in html
    assert "1 component followed (of 4 on the page)" in html
    # Every component of the page is now offered, the one typed in ticked.
    assert 'name="filters_components" value="cmp0con00003"' in html
    assert form_data(html, "source_form")["filters_components"] == ["cmp0api00002"]
    # The form comes back as typed, and nothing was written.
    assert form_data(html, "source_form")["url"] == data["url"]
    assert not Source.objects.exists()
    assert not Component.objects.exists()
    assert not Incident.objects.exists()
    assert not StatusChange.objects.exists()
    assert Provider.objects.get().status == "operational"


def test_detect_on_a_saved_source_leaves_it_as_it_was(admin_client, status_server):
    status_server.set("/feed.atom", load_fixture("statuspage/summary_operational.json"))
    source = make_source(make_provider("acme"), kind="statuspage", url="https://status.acme.test/x")
    before = Source.objects.filter(pk=source.pk).values().get()
    change = reverse("admin:probes_source_change", args=[source.pk])
    data = form_data(admin_client.get(change).text, "source_form")
    data.update({"url": [status_server.url("/feed.atom")], "kind": ["feed"], "_detect": ["1"]})

    html = admin_client.post(change, data).content.decode()

    assert "reads as <strong>statuspage</strong>" in html
    assert "The kind chosen is feed: a poll would refuse this page." in html
    assert Source.objects.filter(pk=source.pk).values().get() == before
    assert not LogEntry.objects.exists()


def test_detect_says_why_a_page_cannot_be_read(admin_client, status_server):
    status_server.set("/nothing", b"<html>hello</html>")
    source = make_source(make_provider("acme"))
    change = reverse("admin:probes_source_change", args=[source.pk])
    data = form_data(admin_client.get(change).text, "source_form")
    data.update({"url": [status_server.url("/nothing")], "_detect": ["1"]})
    html = admin_client.post(change, data).content.decode()
    assert "could not be read: unreadable:" in html


def test_detect_never_reads_an_address_the_policy_refuses(admin_client, settings, status_server):
    settings.AIWATCH_OUTBOUND_ALLOW = []
    source = make_source(make_provider("acme"))
    change = reverse("admin:probes_source_change", args=[source.pk])
    data = form_data(admin_client.get(change).text, "source_form")
    data.update({"url": [status_server.url("/api/v2/summary.json")], "_detect": ["1"]})
    response = admin_client.post(change, data)
    assert "cannot be polled" in str(response.context["adminform"].form.errors["url"])
    assert status_server.requests == []


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (Provider, lambda n: make_provider(f"p{n}")),
        (Source, lambda n: make_source(make_provider(f"p{n}"))),
    ],
)
def test_bulk_disable_and_enable(admin_client, model, make):
    rows = [make(n) for n in range(3)]
    model.objects.filter(pk=rows[2].pk).update(enabled=False)
    changelist = reverse(f"admin:probes_{model._meta.model_name}_changelist")
    selected = [str(row.pk) for row in rows]

    response = admin_client.post(
        changelist, {"action": "disable_selected", "_selected_action": selected}, follow=True
    )
    name = model._meta.verbose_name_plural
    assert f"Disabled 2 {name}. 1 was already so." in messages_of(response)
    assert not model.objects.filter(enabled=True).exists()
    # Each change is in the admin's history, under the one who made it.
    assert LogEntry.objects.filter(change_message__contains="enabled").count() == 2

    response = admin_client.post(
        changelist, {"action": "enable_selected", "_selected_action": selected}, follow=True
    )
    assert f"Enabled 3 {name}." in messages_of(response)
    assert model.objects.filter(enabled=True).count() == 3


def test_a_url_change_in_the_admin_polls_afresh_and_forgets_the_old_error(admin_client):
    provider = make_provider("acme")
    later = timezone.now() + timedelta(hours=1)
    source = make_source(
        provider,
        kind="auto",
        detected_format="statuspage",
        last_error="HTTP 404 from https://status.acme.test/old",
        error_since=timezone.now() - timedelta(hours=2),
        consecutive_failures=7,
        next_poll_at=later,
        etag='"v1"',
    )
    change = reverse("admin:probes_source_change", args=[source.pk])
    data = form_data(admin_client.get(change).text, "source_form")
    data["url"] = ["https://status.acme.test/api/v2/summary.json"]

    before = timezone.now()
    assert admin_client.post(change, data).status_code == 302
    source.refresh_from_db()
    assert before <= source.next_poll_at <= timezone.now()
    assert (source.last_error, source.error_since, source.consecutive_failures) == ("", None, 0)
    assert (source.detected_format, source.etag) == ("", "")


def test_the_source_form_speaks_french(admin_client, status_server):
    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_operational.json"))
    source = make_source(make_provider("acme"), url=status_server.url("/api/v2/summary.json"))
    change = reverse("admin:probes_source_change", args=[source.pk])
    html = admin_client.get(change, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Détecter" in html
    assert "Relever maintenant" in html
    assert "Composants à suivre" in html
    response = admin_client.post(
        reverse("admin:probes_source_poll", args=[source.pk]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    (said,) = messages_of(response)
    assert "lu comme statuspage" in said
    assert "Opérationnel" in said
