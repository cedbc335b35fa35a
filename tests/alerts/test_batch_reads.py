"""A batch of polls reads the rows every alert is routed by once, and a new batch afresh."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aiwatch.roles import VIEWER, set_role
from alerts.models import Channel, Delivery, Event, PersonalSubscription
from probes import batch_reads
from probes.models import Provider, Source
from probes.status.batches import poll_batch
from tests.alerts.test_personal_subscriptions import own_email_channel
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db


def test_rows_are_read_once_inside_a_shared_block_and_afresh_outside():
    loads: list[int] = []

    def load() -> list[int]:
        loads.append(1)
        return [len(loads)]

    assert batch_reads.read_once("n", load) == [1]
    assert batch_reads.read_once("n", load) == [2]
    with batch_reads.shared():
        assert batch_reads.read_once("n", load) == [3]
        assert batch_reads.read_once("n", load) == [3]
        assert batch_reads.read_once("other", load) == [4]
    with batch_reads.shared():
        assert batch_reads.read_once("n", load) == [5]
    assert batch_reads.read_once("n", load) == [6]


def sources_going_down(status_server, count: int, prefix: str) -> list[Source]:
    sources = []
    for index in range(count):
        path = f"/{prefix}{index}/summary.json"
        status_server.set(path, load_fixture("statuspage/summary_operational.json"))
        provider = Provider.objects.create(slug=f"{prefix}{index}", name=f"{prefix} {index}")
        sources.append(
            Source.objects.create(provider=provider, url=status_server.url(path), kind="statuspage")
        )
    poll_batch(fresh(sources))
    for index in range(count):
        status_server.set(
            f"/{prefix}{index}/summary.json", load_fixture("statuspage/summary_major_outage.json")
        )
    return sources


def fresh(sources: list[Source]) -> list[Source]:
    return list(Source.objects.select_related("provider").filter(pk__in=[s.pk for s in sources]))


def reads(captured: CaptureQueriesContext, table: str) -> int:
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and f'FROM "{table}"' in query["sql"]
    )


ROUTING_TABLES = (
    "alerts_channel",
    "alerts_personalsubscription",
    "probes_feature",
    "alerts_playbook",
)


def routing_reads(status_server, count: int, prefix: str) -> dict[str, int]:
    """The reads of the routing tables while a batch of `count` pages going down records, after
    checking that every event went to every channel that wants it."""
    sources = sources_going_down(status_server, count, prefix)
    with CaptureQueriesContext(connection) as captured:
        results = poll_batch(fresh(sources))
    assert {result.state for result in results.values()} == {"ok"}
    events = Event.objects.filter(provider__in=[s.provider_id for s in sources])
    assert events.count() == count
    wanted = set(Channel.objects.values_list("pk", flat=True))
    for event in events:
        assert set(Delivery.objects.filter(event=event).values_list("channel", flat=True)) == wanted
    return {table: reads(captured, table) for table in ROUTING_TABLES}


def test_a_batch_of_outages_reads_channels_subscriptions_features_and_playbooks_once(
    status_server,
):
    Channel.objects.create(name="team", url="json://127.0.0.1:9/hook")
    person = User.objects.create_user("vera", "vera@example.com", "a long passphrase 42")
    set_role(person, VIEWER)
    PersonalSubscription.objects.create(
        owner=person, channel=own_email_channel(person), events=["outage"]
    )
    one = routing_reads(status_server, 1, "one")
    assert one["alerts_channel"] >= 1
    assert one["alerts_personalsubscription"] >= 1
    # Three events, the same reads as one: each set of rows once for the batch.
    assert routing_reads(status_server, 3, "three") == one


def test_a_channel_added_between_two_batches_hears_from_the_second(status_server):
    first = sources_going_down(status_server, 1, "x")
    poll_batch(fresh(first))
    assert not Delivery.objects.exists()  # no channel yet

    later = sources_going_down(status_server, 1, "y")
    channel = Channel.objects.create(name="new", url="json://127.0.0.1:9/hook")
    poll_batch(fresh(later))
    assert list(Delivery.objects.values_list("channel", flat=True)) == [channel.pk]
