"""`manage.py probe`, the observed-status signal, the beat entries and the thin tasks."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from aiwatch.celery import _build_schedule
from probes import signals, tasks
from probes.models import Provider, Source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def allow_local_addresses(settings):
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]


@pytest.fixture
def probe(status_server) -> Source:
    status_server.set("/v1/models", status=503)
    provider = Provider.objects.create(slug="local-api", name="Local API")
    return Source.objects.create(
        provider=provider, url=status_server.url("/v1/models"), kind="http_probe", timeout_seconds=2
    )


def test_probe_prints_one_line_per_probe_and_the_providers_views(probe):
    out = StringIO()
    call_command("probe", stdout=out)
    call_command("probe", "--provider", "local-api", stdout=out)
    text = out.getvalue()
    assert "local-api" in text
    assert "down (overloaded, 503" in text
    assert "provider observed unknown → major_outage" in text
    assert "local-api: observed major outage, official unknown" in text


def test_probe_refuses_a_provider_without_probes(probe):
    Provider.objects.create(slug="pages-only", name="Pages only")
    with pytest.raises(CommandError, match="no enabled probes for: nope, pages-only"):
        call_command("probe", "--provider", "nope", "--provider", "pages-only", stdout=StringIO())


def test_poll_leaves_probes_alone(probe):
    out = StringIO()
    call_command("poll", stdout=out)
    assert out.getvalue() == ""


def test_the_signal_is_sent_inside_the_recording_transaction_for_probe_and_provider(probe):
    seen = []

    def receiver(sender, provider, source, old, new, at, transition, **kwargs):
        seen.append(
            (
                source.pk if source else None,
                old.value,
                new.value,
                transaction.get_connection().in_atomic_block,
            )
        )

    signals.observed_status_changed.connect(receiver)
    try:
        call_command("probe", stdout=StringIO())
        call_command("probe", stdout=StringIO())
    finally:
        signals.observed_status_changed.disconnect(receiver)
    assert seen == [
        (probe.pk, "unknown", "major_outage", True),
        (None, "unknown", "major_outage", True),
    ]


def test_beat_rolls_up_often_and_prunes_nightly():
    schedule = _build_schedule()
    assert schedule["roll-up-probe-results"]["task"] == "probes.roll_up_probe_results"
    assert schedule["prune-probe-results"]["task"] == "probes.prune_probe_results"


def test_the_rollup_and_prune_tasks_call_their_functions():
    with mock.patch("probes.tasks.probe_rollups.roll_up", autospec=True) as roll_up:
        tasks.roll_up_probe_results_task()
    roll_up.assert_called_once()
    with mock.patch("probes.tasks.probe_rollups.prune", autospec=True) as prune:
        tasks.prune_probe_results_task()
    prune.assert_called_once()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_due_probes_in_one_batch(redis_server, status_server, tmp_path):
    from tests.workers import client_app, start_worker, stop, wait_for

    status_server.set("/a", status=401)
    status_server.set("/b", status=503)
    provider = Provider.objects.create(slug="batch", name="Batch")
    probes = [
        Source.objects.create(provider=provider, url=status_server.url(path), kind="http_probe")
        for path in ("/a", "/b")
    ]
    worker = start_worker(redis_server.celery_url, log=tmp_path / "worker.log")
    try:
        client_app(redis_server.celery_url).send_task("probes.dispatch_due_polls")
        wait_for(
            lambda: all(
                Source.objects.get(pk=probe.pk).last_polled_at is not None for probe in probes
            ),
            timeout=45,
            what="the worker to run both probes",
        )
    finally:
        stop(worker)
    verdicts = {
        result.source_id: (result.verdict, result.error_class)
        for result in provider.probe_results.all()
    }
    assert verdicts == {probes[0].pk: ("up", ""), probes[1].pk: ("down", "overloaded")}


def test_backfill_leaves_probes_alone(probe):
    with mock.patch("probes.management.commands.backfill.backfill_source") as backfill:
        call_command("backfill", stdout=StringIO())
    backfill.assert_not_called()


def test_the_admin_form_refuses_bad_probe_settings(probe):
    from django.core.exceptions import ValidationError

    probe.expected_statuses = "2xx"
    with pytest.raises(ValidationError) as refused:
        probe.clean()
    assert "expected_statuses" in refused.value.message_dict

    chat = Source(provider=probe.provider, url=probe.url, kind="inference")
    with pytest.raises(ValidationError) as refused:
        chat.clean()
    assert {"api_shape", "model"} <= set(refused.value.message_dict)
