"""Starting a plan-B drill: the Drill row and its [DRILL] alert, in one transaction.

The alert is an ordinary outbox event (type "drill", no provider, its thread closed at once so
no reminder follows it) delivered only to the channels chosen for drills. Nothing of the real
status data is written (probes.stack.drills).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from alerts.events import EventType
from alerts.models import Channel, Delivery, Event
from alerts.wakeup import wake_delivery_worker
from probes.models import Drill, Feature, Provider
from probes.parsers.types import Status, worst
from probes.stack.drills import Scenario, affected_features, drill_views
from probes.stack.rows import upstream_slugs


@transaction.atomic
def start_drill(scenario: Scenario, *, now: datetime) -> tuple[Drill, list[Delivery]]:
    names = dict(Provider.objects.values_list("slug", "name"))
    views = drill_views(
        Feature.objects.filter(enabled=True), scenario.hits, names, upstream_slugs()
    )
    affected = affected_features(views)
    drill = Drill.objects.create(
        title=scenario.title, scenario=scenario.as_json(), affected=affected, started_at=now
    )
    channels = list(Channel.objects.filter(enabled=True, drills=True).order_by("pk"))
    deliveries: list[Delivery] = []
    if channels:
        event = Event.objects.create(
            provider=None,
            type=EventType.DRILL,
            types=[EventType.DRILL.value],
            severity=worst([hit.status for hit in scenario.hits], Status.OPERATIONAL).value,
            at=now,
            thread_closed_at=now,
            payload={
                "title": scenario.title,
                "drill": {"id": drill.pk, "title": scenario.title, "affected": affected},
            },
        )
        deliveries = Delivery.objects.bulk_create(
            [Delivery(event=event, channel=channel, next_attempt_at=now) for channel in channels]
        )
        wake_delivery_worker()
    return drill, deliveries
