"""/healthz, /readyz and the pipeline-is-behind checks behind the overview banner."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from probes import health, tasks
from probes.models import Provider, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_db(redis_server, settings):
    settings.CELERY_BROKER_URL = redis_server.celery_url
    client = redis_server.client()
    client.delete(health.HEARTBEAT_KEY)
    yield client
    client.delete(health.HEARTBEAT_KEY)


@pytest.fixture
def source() -> Source:
    provider = Provider.objects.create(slug="example", name="Example AI")
    return Source.objects.create(
        provider=provider,
        url="https://status.example.com/api/v2/summary.json",
        interval_seconds=60,
    )


def test_healthz_answers_whatever_the_host_header(client):
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_with_database_redis_and_a_fresh_heartbeat(client, redis_db):
    health.record_dispatch_heartbeat(timezone.now(), redis_db)
    response = client.get("/readyz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "beat": "ok"}


def test_readyz_is_not_ready_when_beat_stopped_ticking(client, redis_db):
    health.record_dispatch_heartbeat(timezone.now() - timedelta(minutes=10), redis_db)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"].startswith("error")


def test_readyz_is_not_ready_without_redis(client, settings):
    settings.CELERY_BROKER_URL = "redis+socket:///nonexistent/redis.sock"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"


def test_every_dispatcher_tick_writes_the_heartbeat(redis_db, source):
    with mock.patch.object(tasks.poll_sources_task, "apply_async"):
        tasks.dispatch_due_polls()
    assert health.last_dispatch(redis_db) is not None


def test_a_pipeline_keeping_up_has_no_problems(redis_db, source):
    now = timezone.now()
    health.record_dispatch_heartbeat(now, redis_db)
    Source.objects.filter(pk=source.pk).update(last_success_at=now - timedelta(minutes=1))
    assert health.check_pipeline(now, redis_db).problems == []


def test_nothing_to_poll_is_never_behind(redis_db):
    assert not health.check_pipeline(timezone.now(), redis_db).behind


def test_it_is_behind_when_beat_has_not_ticked_for_three_ticks(redis_db, source, settings):
    settings.AIWATCH_DISPATCH_SECONDS = 15
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(last_success_at=now)
    health.record_dispatch_heartbeat(now - timedelta(seconds=4 * 15), redis_db)
    problems = health.check_pipeline(now, redis_db).problems
    assert len(problems) == 1
    assert "scheduler" in problems[0]


@pytest.mark.parametrize(("silent", "behind"), [(8, False), (29, False), (31, True)])
def test_a_short_tick_waiting_behind_busy_workers_is_not_called_a_stopped_scheduler(
    redis_db, source, settings, silent, behind
):
    # Three 2 s ticks is 6 s: a tick queued behind a batch of changed pages is often later.
    settings.AIWATCH_DISPATCH_SECONDS = 2
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(last_success_at=now)
    health.record_dispatch_heartbeat(now - timedelta(seconds=silent), redis_db)

    problems = health.check_pipeline(now, redis_db).problems

    assert any("scheduler" in problem for problem in problems) is behind
    assert health.beat_is_fresh(now, redis_db) is not behind


def test_it_is_behind_after_three_intervals_without_a_good_poll(redis_db, source):
    now = timezone.now()
    health.record_dispatch_heartbeat(now, redis_db)
    Source.objects.filter(pk=source.pk).update(last_success_at=now - timedelta(minutes=4))
    problems = health.check_pipeline(now, redis_db).problems
    assert problems == ["No source has been read successfully since 4 minutes ago."]


def test_it_is_behind_when_the_queue_backs_up(redis_db, source, settings):
    settings.AIWATCH_QUEUE_WARN = 5
    now = timezone.now()
    health.record_dispatch_heartbeat(now, redis_db)
    Source.objects.filter(pk=source.pk).update(last_success_at=now)
    key = "aiwatch-test-queue"
    redis_db.delete(key)
    redis_db.rpush(key, *[b"x"] * 6)
    try:
        with mock.patch.object(health, "QUEUE_KEY", key):
            problems = health.check_pipeline(now, redis_db).problems
    finally:
        redis_db.delete(key)
    assert problems == ["6 polls are waiting in the queue: the workers cannot keep up."]


def test_it_says_so_when_redis_is_unreachable(source, settings):
    settings.CELERY_BROKER_URL = "redis+socket:///nonexistent/redis.sock"
    problems = health.check_pipeline(timezone.now()).problems
    assert problems == ["Cannot reach Redis: no polls can be scheduled or run."]


def test_the_banner_lists_the_problems_and_is_silent_otherwise():
    behind = health.PipelineHealth(problems=["The scheduler (celery beat) has not run yet."])
    html = render_to_string("includes/pipeline_banner.html", {"pipeline_health": behind})
    assert 'role="alert"' in html
    assert "has not run yet" in html
    assert (
        render_to_string(
            "includes/pipeline_banner.html", {"pipeline_health": health.PipelineHealth()}
        ).strip()
        == ""
    )
    assert (
        render_to_string("includes/pipeline_banner.html", {"pipeline_health": None}).strip() == ""
    )


def test_a_probe_answering_does_not_hide_a_status_page_that_is_not_read(redis_db, source):
    now = timezone.now()
    health.record_dispatch_heartbeat(now, redis_db)
    Source.objects.filter(pk=source.pk).update(last_success_at=now - timedelta(minutes=4))
    Source.objects.create(
        provider=source.provider,
        url="https://api.example.com/v1/models",
        kind="http_probe",
        interval_seconds=30,
        last_success_at=now,
    )
    problems = health.check_pipeline(now, redis_db).problems
    assert problems == ["No source has been read successfully since 4 minutes ago."]


def test_the_overview_shows_the_banner_once_and_other_pages_not_at_all(client, redis_db, source):
    health.record_dispatch_heartbeat(timezone.now(), redis_db)
    overview = client.get("/").content.decode()
    assert overview.count("The statuses below may be out of date.") == 1
    assert "No source has been read successfully yet." in overview
    provider_page = client.get(f"/providers/{source.provider.slug}/").content.decode()
    assert "may be out of date" not in provider_page


def test_the_overview_keeps_its_banner_when_its_live_part_refreshes(client, redis_db, source):
    # static/js/live.js swaps the page's regions for /live/ every few seconds: a banner that
    # /live/ left out would vanish from an open overview while the pipeline stays behind.
    health.record_dispatch_heartbeat(timezone.now(), redis_db)

    live = client.get("/live/").content.decode()

    assert live.count("The statuses below may be out of date.") == 1
    assert "No source has been read successfully yet." in live
