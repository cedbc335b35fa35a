"""Matching one update across the sources of a page, and only across them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from probes.models import IncidentUpdate, Provider, Source
from probes.parsers.types import Impact, IncidentStatus, ParsedIncident, ParsedPage, ParsedUpdate
from probes.status import recording
from probes.status.matching import StoredUpdate, same_update, update_text

T0 = datetime(2026, 11, 20, 10, 0, 11, tzinfo=UTC)


def stored(body: str, at: datetime = T0, status: str = "investigating") -> StoredUpdate:
    return StoredUpdate("api-1", status, at, update_text(body), source_id=1)


def parsed(body: str, at: datetime = T0, status=IncidentStatus.UPDATE) -> ParsedUpdate:
    return ParsedUpdate(key="feed-digest", status=status, body=body, at=at)


def test_the_feed_rendering_of_an_api_update_is_the_same_update():
    api = 'We\'re looking into it. Contact [support](mailto:support@example.test "Support").'
    feed = "We\u2019re looking into it. Contact support."
    assert same_update(stored(api), parsed(feed, at=T0.replace(second=0)))


def test_the_same_words_far_apart_in_time_are_two_updates():
    body = "We are continuing to investigate this issue."
    assert not same_update(stored(body), parsed(body, at=T0 + timedelta(minutes=30)))


def test_different_words_at_the_same_minute_are_two_updates():
    assert not same_update(stored("Errors on the API."), parsed("Errors on the console."))


def test_empty_bodies_match_only_with_the_same_state():
    assert same_update(stored(""), parsed("", status=IncidentStatus.INVESTIGATING))
    assert not same_update(stored(""), parsed("", status=IncidentStatus.RESOLVED))


@pytest.mark.django_db
def test_one_sources_alike_updates_minutes_apart_stay_two():
    provider = Provider.objects.create(slug="example", name="Example AI")
    source = Source.objects.create(provider=provider, url="https://status.example-ai.test/s.json")
    body = "We are continuing to investigate this issue."

    def page(*updates: ParsedUpdate) -> ParsedPage:
        incident = ParsedIncident(
            external_id="inc1",
            title="Errors",
            impact=Impact.MINOR,
            status=IncidentStatus.INVESTIGATING,
            started_at=T0,
            resolved_at=None,
            url="",
            updates=updates,
        )
        return ParsedPage(platform="statuspage", incidents=(incident,))

    first = ParsedUpdate("u1", IncidentStatus.INVESTIGATING, body, T0)
    second = ParsedUpdate("u2", IncidentStatus.INVESTIGATING, body, T0 + timedelta(seconds=50))
    recording.record_poll(source, page(first), at=T0)
    recording.record_poll(source, page(first, second), at=T0 + timedelta(minutes=1))
    assert sorted(IncidentUpdate.objects.values_list("key", flat=True)) == ["u1", "u2"]
