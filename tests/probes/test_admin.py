"""The admin: pages render for every model, pipeline fields are read-only, "Poll now" enqueues."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from probes.models import Component, Incident, IncidentUpdate, Provider, Source, StatusChange

pytestmark = pytest.mark.django_db

AT = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # admin_client's user gets a password; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def provider() -> Provider:
    provider = Provider.objects.create(slug="example", name="Example AI", status="major_outage")
    source = Source.objects.create(
        provider=provider,
        url="https://status.example.com/api/v2/summary.json",
        last_error="HTTP 503 from https://status.example.com/api/v2/summary.json",
        error_since=AT,
        consecutive_failures=4,
    )
    Source.objects.create(provider=provider, url="https://status.example.com/x.json", enabled=False)
    group = Component.objects.create(provider=provider, external_id="g", name="APIs", is_group=True)
    component = Component.objects.create(
        provider=provider, source=source, external_id="c", name="Chat", group=group
    )
    incident = Incident.objects.create(
        provider=provider, external_id="i1", title="Down", status="investigating", started_at=AT
    )
    incident.components.add(component)
    IncidentUpdate.objects.create(incident=incident, key="u1", status="investigating", at=AT)
    StatusChange.objects.create(
        provider=provider, old_status="operational", new_status="major_outage", at=AT
    )
    return provider


@pytest.mark.parametrize("model", [Provider, Source, Component, Incident, StatusChange])
def test_it_renders_the_list_and_change_pages(admin_client, provider, model):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    obj = model.objects.order_by("pk").first()
    change = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )
    assert change.status_code == 200


def test_the_source_list_shows_health_at_a_glance(admin_client, provider):
    html = admin_client.get(reverse("admin:probes_source_changelist")).content.decode()

    assert "HTTP 503 from https://status.example.com" in html
    assert "Example AI" in html


def test_the_source_list_runs_a_fixed_number_of_queries(
    admin_client, provider, django_assert_max_num_queries
):
    for number in range(10):
        Source.objects.create(provider=provider, url=f"https://status.example.com/{number}.json")
    with django_assert_max_num_queries(12):
        admin_client.get(reverse("admin:probes_source_changelist"))


def test_pipeline_fields_are_read_only():
    source_admin = site._registry[Source]
    for field in Source._meta.concrete_fields:
        if not field.editable and not field.primary_key:
            assert field.name in source_admin.readonly_fields, field.name
    provider_admin = site._registry[Provider]
    assert {"status", "status_changed_at"} <= set(provider_admin.readonly_fields)


def test_status_changes_cannot_be_added_changed_or_deleted(admin_client, provider):
    change = StatusChange.objects.get()
    assert admin_client.get(reverse("admin:probes_statuschange_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:probes_statuschange_change", args=[change.pk]),
        {"old_status": "operational", "new_status": "operational"},
    )
    assert response.status_code == 403
    StatusChange.objects.get(new_status="major_outage")


def test_poll_now_on_sources_enqueues_enabled_sources_after_commit(
    admin_client, provider, django_capture_on_commit_callbacks
):
    ids = list(Source.objects.order_by("pk").values_list("pk", flat=True))
    with mock.patch("probes.tasks.poll_sources_task.apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = admin_client.post(
                reverse("admin:probes_source_changelist"),
                {"action": "poll_now", "_selected_action": [str(pk) for pk in ids]},
                follow=True,
            )
        # Nothing goes to the broker until the transaction commits.
        apply_async.assert_not_called()
        for callback in callbacks:
            callback()
    apply_async.assert_called_once()
    assert apply_async.call_args.args[0] == ([ids[0]],)  # the disabled source is skipped
    assert "Queued 1 poll:" in response.content.decode()


def test_poll_now_on_providers_enqueues_each_enabled_source(
    admin_client, provider, django_capture_on_commit_callbacks
):
    second = Source.objects.create(provider=provider, url="https://status.example.com/y.json")
    first = Source.objects.filter(provider=provider, enabled=True).order_by("pk")[0]
    with (
        mock.patch("probes.tasks.poll_sources_task.apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post(
            reverse("admin:probes_provider_changelist"),
            {"action": "poll_now", "_selected_action": [str(provider.pk)]},
            follow=True,
        )
    assert [call.args for call in apply_async.call_args_list] == [(([first.pk, second.pk],),)]
    assert "Queued 2 polls:" in response.content.decode()


def test_poll_now_says_so_when_there_is_nothing_to_poll(admin_client, provider):
    Source.objects.update(enabled=False)
    with mock.patch("probes.tasks.poll_sources_task.apply_async") as apply_async:
        response = admin_client.post(
            reverse("admin:probes_source_changelist"),
            {
                "action": "poll_now",
                "_selected_action": [str(pk) for pk in Source.objects.values_list("pk", flat=True)],
            },
            follow=True,
        )
    apply_async.assert_not_called()
    assert "No enabled sources to poll." in response.content.decode()


def test_editable_source_fields_have_examples_in_their_help_text():
    fields = {field.name: field for field in Source._meta.concrete_fields}
    for name in ("url", "interval_seconds", "filters", "kind"):
        assert fields[name].help_text, name
    assert "e.g." in str(fields["url"].help_text).lower()


def test_an_inference_probe_shows_what_it_costs(admin_client):
    from decimal import Decimal

    from django.utils import timezone

    from probes.models import ProbeResult

    provider = Provider.objects.create(slug="paid", name="Paid AI")
    probe = Source.objects.create(
        provider=provider,
        url="https://api.paid.test/v1/chat/completions",
        kind="inference",
        api_shape="openai",
        model="small",
        api_key_env="PAID_KEY",
        interval_seconds=300,
        price_input_per_mtok=Decimal("0.15"),
        price_output_per_mtok=Decimal("0.60"),
    )
    response = admin_client.get(reverse("admin:probes_source_change", args=[probe.pk]))
    assert "15 in + 1 out tokens per call (estimated) x 288 calls/day = 4,608 tokens/day" in (
        response.text
    )
    ProbeResult.objects.create(
        source=probe,
        provider=provider,
        at=timezone.now(),
        verdict="up",
        input_tokens=20,
        output_tokens=1,
    )
    response = admin_client.get(reverse("admin:probes_source_change", args=[probe.pk]))
    # (20 x 0.15 + 1 x 0.60) / 1M x 288 calls = 0.0010368 per day
    assert "20 in + 1 out tokens per call (measured)" in response.text
    assert "≈ 0.0010 per day" in response.text


def test_poll_now_sends_probes_to_a_batch_and_pages_to_polls(admin_client, provider):
    from unittest import mock

    probe = Source.objects.create(
        provider=provider, url="https://api.example-ai.test/v1/models", kind="http_probe"
    )
    with (
        mock.patch("probes.tasks.poll_sources_task.apply_async") as polls,
        mock.patch("probes.tasks.run_probe_batch_task.apply_async") as batches,
        mock.patch("probes.admin_actions.transaction.on_commit", side_effect=lambda f: f()),
    ):
        from probes.admin_actions import enqueue_polls

        enqueue_polls(list(Source.objects.order_by("pk").values_list("pk", flat=True)))
    assert all(probe.pk not in call.args[0][0] for call in polls.call_args_list)
    batches.assert_called_once()
    assert batches.call_args.args[0] == ([probe.pk],)


def test_poll_now_batches_probes_like_the_dispatcher(admin_client, provider):
    from probes.tasks import PROBE_BATCH_SIZE

    Source.objects.bulk_create(
        Source(provider=provider, url=f"https://api.example-ai.test/v{n}", kind="http_probe")
        for n in range(PROBE_BATCH_SIZE + 1)
    )
    probes = list(Source.objects.probes().order_by("pk").values_list("pk", flat=True))
    with (
        mock.patch("probes.tasks.poll_sources_task.apply_async"),
        mock.patch("probes.tasks.run_probe_batch_task.apply_async") as batches,
        mock.patch("probes.admin_actions.transaction.on_commit", side_effect=lambda f: f()),
    ):
        admin_client.post(
            reverse("admin:probes_provider_changelist"),
            {"action": "poll_now", "_selected_action": [str(provider.pk)]},
        )
    assert [call.args[0] for call in batches.call_args_list] == [
        (probes[:PROBE_BATCH_SIZE],),
        (probes[PROBE_BATCH_SIZE:],),
    ]


def test_the_provider_list_counts_failing_sources(admin_client, provider):
    html = admin_client.get(reverse("admin:probes_provider_changelist")).content.decode()

    assert '<td class="field-failing_sources">1</td>' in html
