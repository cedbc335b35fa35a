"""A changed URL, kind, filters or interval takes effect at once, wherever it is saved (the
admin, the catalog sync): the next poll is due now, and what the source read and the error it
had before a change of page are forgotten. An unchanged save changes neither."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from probes.catalog import read_catalog, sync_catalog
from probes.models import Source
from probes.status import scheduling
from tests.factories import make_provider, make_source

pytestmark = pytest.mark.django_db

CATALOG = """
[[provider]]
slug = "acme"
name = "Acme AI"
url = "https://status.acme.test"
category = "model_api"

[[provider.source]]
url = "https://status.acme.test/api/v2/summary.json"
kind = "auto"
interval_seconds = 120
"""


def failing(source: Source, *, next_poll_in: timedelta = timedelta(hours=1)) -> Source:
    """The source as a run of failed polls leaves it, the next poll an hour away."""
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(
        last_error="HTTP 404 from the old page",
        error_since=now - timedelta(hours=3),
        consecutive_failures=9,
        next_poll_at=now + next_poll_in,
        last_success_at=now - timedelta(days=1),
        indicator="none",
        detected_format="statuspage",
        etag='"old"',
        body_hash="abc",
    )
    return Source.objects.get(pk=source.pk)


def test_a_new_url_polls_now_and_forgets_the_old_page():
    source = failing(make_source(make_provider("acme")))
    source.url = "https://status.acme.test/api/v2/summary.json"
    before = timezone.now()
    source.save()

    stored = Source.objects.get(pk=source.pk)
    assert before <= stored.next_poll_at <= timezone.now()
    assert stored.last_error == ""
    assert stored.error_since is None
    assert stored.consecutive_failures == 0
    # What was read from the old page says nothing of the new one: not read yet, not failing.
    assert stored.last_success_at is None
    assert stored.indicator == ""
    assert (stored.detected_format, stored.etag, stored.body_hash) == ("", "", "")


def test_new_filters_or_kind_forget_the_old_reading_too():
    source = failing(make_source(make_provider("acme")))
    source.filters = {"components": ["cmp-api"]}
    source.save()
    assert Source.objects.get(pk=source.pk).last_error == ""

    source = failing(source)
    source.kind = "statuspage"
    source.save()
    assert Source.objects.get(pk=source.pk).consecutive_failures == 0


def test_a_new_interval_polls_now_and_keeps_what_was_read():
    source = failing(make_source(make_provider("acme")))
    source.interval_seconds = 600
    before = timezone.now()
    source.save()
    stored = Source.objects.get(pk=source.pk)
    assert before <= stored.next_poll_at <= timezone.now()
    # Same page: its last error stands until the poll that is now due answers.
    assert stored.last_error == "HTTP 404 from the old page"
    assert stored.consecutive_failures == 9
    assert stored.detected_format == "statuspage"


def test_a_save_that_changes_no_poll_setting_leaves_the_schedule_and_the_error():
    source = failing(make_source(make_provider("acme")))
    planned = source.next_poll_at
    source.enabled = False
    source.save()
    stored = Source.objects.get(pk=source.pk)
    assert stored.next_poll_at == planned
    assert stored.last_error == "HTTP 404 from the old page"


def test_a_partial_save_counts_only_the_fields_it_writes():
    source = failing(make_source(make_provider("acme")))
    source.url = "https://status.acme.test/new"
    source.save(update_fields=["enabled"])
    stored = Source.objects.get(pk=source.pk)
    assert stored.url != "https://status.acme.test/new"
    assert stored.last_error == "HTTP 404 from the old page"


def test_the_catalog_sync_resets_a_source_it_re_points_and_nothing_else():
    sync_catalog(read_catalog(CATALOG))
    source = failing(Source.objects.get())
    planned = source.next_poll_at

    sync_catalog(read_catalog(CATALOG))  # nothing changed in the file
    stored = Source.objects.get()
    assert stored.next_poll_at == planned
    assert stored.last_error == "HTTP 404 from the old page"
    assert stored.consecutive_failures == 9

    sync_catalog(read_catalog(CATALOG.replace("interval_seconds = 120", "interval_seconds = 300")))
    stored = Source.objects.get()
    assert stored.interval_seconds == 300
    assert stored.next_poll_at <= timezone.now()
    assert stored.last_error == "HTTP 404 from the old page"

    failing(stored)
    sync_catalog(read_catalog(CATALOG.replace("/api/v2/summary.json", "/history.atom")))
    stored = Source.objects.get()
    assert stored.url == "https://status.acme.test/history.atom"
    assert stored.next_poll_at <= timezone.now()
    assert (stored.last_error, stored.consecutive_failures) == ("", 0)


def test_filters_changed_in_place_count_as_changed():
    source = failing(make_source(make_provider("acme"), filters={"components": ["a"]}))
    source.filters["components"].append("b")
    source.save()
    assert Source.objects.get(pk=source.pk).last_error == ""


def test_a_changed_setting_is_claimed_at_the_next_tick_even_with_a_poll_still_queued():
    # The workers are behind: the poll claimed a minute ago has not run yet.
    source = make_source(make_provider("acme"))
    claimed = timezone.now() - timedelta(minutes=1)
    Source.objects.filter(pk=source.pk).update(claimed_at=claimed, next_poll_at=claimed)
    source = Source.objects.get(pk=source.pk)
    assert scheduling.claim_due_sources(timezone.now()) == []

    source.url = "https://status.acme.test/history.atom"
    source.save()

    assert scheduling.claim_due_sources(timezone.now()) == [source.pk]
