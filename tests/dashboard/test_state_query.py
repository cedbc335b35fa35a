"""The page cache's key query: every change to the sources it reads in one pass moves it, a
provider's own version moves with that provider only, and on PostgreSQL it runs prepared,
counted and logged like any other query."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import history_cache
from probes.models import Source, StatusChange
from probes.status import recording
from tests.factories import NOW, make_incident, make_provider, make_read_source

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


@pytest.fixture
def sources() -> tuple[Source, Source]:
    provider = make_provider("example")
    return make_read_source(provider), make_read_source(
        provider, url="https://other.example/api/v2/summary.json"
    )


def _moves(change) -> bool:
    before = history_cache.state_version()
    change()
    return history_cache.state_version() != before


def test_every_change_of_a_source_a_status_is_computed_from_moves_the_state(sources):
    first, second = sources
    assert _moves(lambda: recording.record_failure(first, "refused", at=NOW))
    assert _moves(lambda: recording.record_failure(second, "refused", at=NOW))
    # Still two failing sources, the newest since a later time.
    later = NOW + timedelta(minutes=1)
    assert _moves(lambda: Source.objects.filter(pk=first.pk).update(error_since=later))
    assert _moves(lambda: Source.objects.filter(pk=second.pk).update(last_error=""))
    assert _moves(lambda: Source.objects.filter(pk=first.pk).update(enabled=False))
    assert _moves(lambda: Source.objects.filter(pk=first.pk).update(enabled=True))
    assert _moves(lambda: make_read_source(first.provider, url="https://third.example/"))
    assert _moves(lambda: Source.objects.filter(pk=second.pk).delete())
    # What only the clock moves is left to the cache's lifetime.
    assert not _moves(lambda: Source.objects.update(last_polled_at=later))


def test_the_sources_are_read_in_one_pass_as_five_subqueries_read_them(sources):
    first, second = sources
    make_read_source(first.provider, url="https://third.example/")
    recording.record_failure(first, "refused", at=NOW)
    recording.record_failure(second, "refused", at=NOW + timedelta(minutes=1))
    Source.objects.filter(pk=second.pk).update(enabled=False)
    table = connection.ops.quote_name(Source._meta.db_table)
    failing, enabled = f"FROM {table} WHERE last_error <> ''", f"FROM {table} WHERE enabled"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) {failing}), (SELECT SUM(id) {failing}),"
            f" (SELECT MAX(error_since) {failing}), (SELECT COUNT(*) {enabled}),"
            f" (SELECT SUM(id) {enabled})"
        )
        expected = cursor.fetchone()
    # After the newest change, incident edit, incident, update and observed transition.
    row = history_cache._read_row(history_cache._state_query())
    assert row[5:10] == expected
    assert expected[0] == 2
    assert expected[3] == 2


def test_a_providers_version_moves_with_its_own_changes_only():
    one, other = make_provider("one"), make_provider("other")
    before = history_cache.state_and_provider_version("one")
    StatusChange.objects.create(
        provider=other, old_status="operational", new_status="major_outage", at=NOW
    )
    state, own = history_cache.state_and_provider_version("one")
    assert state != before[0]
    assert own == before[1]
    assert own == history_cache.provider_version(one)

    make_incident(one, "Chat is slow", started_at=NOW, updates=[("investigating", "Look.", NOW)])

    assert history_cache.state_and_provider_version("one")[1] != own


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [statement for (statement,) in cursor.fetchall()]


@on_postgresql
def test_the_key_query_is_prepared_once_per_connection():
    make_provider("example")
    assert settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] == 0
    first = history_cache.state_and_provider_version("example")
    for _ in range(3):
        assert history_cache.state_and_provider_version("example") == first
        history_cache.state_version()
    statements = _prepared_statements()
    assert statements.count(history_cache._state_query()) == 1
    assert len([text for text in statements if "slug = $1" in text]) == 1


@on_postgresql
def test_without_prepared_statements_the_key_query_reads_the_same():
    make_provider("example")
    prepared = history_cache.overview_state(), history_cache.state_and_provider_version("example")
    connection.connection.prepare_threshold = None  # AIWATCH_DB_PREPARED=false
    try:
        connection.connection._prepared.clear()
        plain = history_cache.overview_state(), history_cache.state_and_provider_version("example")
        assert _prepared_statements() == []
    finally:
        connection.connection.prepare_threshold = 0
    assert plain == prepared


def test_the_key_query_is_counted_and_logged_with_its_values():
    make_provider("example")
    with CaptureQueriesContext(connection) as queries:
        history_cache.state_and_provider_version("example")
    (query,) = queries.captured_queries
    assert '"probes_source"' in query["sql"]
    assert "slug = 'example'" in query["sql"]


def test_prepared_statements_can_be_switched_off_for_a_pooler():
    def threshold(**env: str) -> str:
        code = (
            "from django.conf import settings;"
            "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
        )
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "aiwatch.settings", **env}
        environment.pop("PYTEST_CURRENT_TEST", None)
        found = subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return found.stdout.strip()

    url = "postgres://aiwatch@db.invalid:5432/aiwatch"
    assert threshold(DATABASE_URL=url) == "0"
    assert threshold(DATABASE_URL=url, AIWATCH_DB_PREPARED="false") == "None"
