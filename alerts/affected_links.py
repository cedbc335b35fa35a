"""The "affected too? yes / no" links an alert carries: signed, expiring, one per event.

The token names the provider and the event (django.core.signing, salted for this use, with its
time), never a person: an alert goes to a team room, so whoever follows the link is the person
(dashboard.team_reports.affected_from_alert). The event's uuid lets a replayed link find the
report it already recorded. Written into the event's payload when the event is, so a retried
delivery carries the very same links.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from alerts.events import DOWN_STATUSES, EventType

SALT = "aiwatch.alerts.affected-link"
ANSWERS = ("yes", "no")


@dataclass(frozen=True, slots=True)
class LinkClaim:
    provider: str
    event: str


class LinkInvalid(Exception):
    """Not one of our links, or tampered with."""


class LinkExpired(LinkInvalid):
    """One of ours, older than AIWATCH_AFFECTED_LINK_HOURS."""


def affected_links(provider_slug: str, event_uuid: str) -> dict[str, str]:
    """Site-relative paths for each answer (messages make them absolute)."""
    token = signing.dumps({"p": provider_slug, "e": event_uuid}, salt=SALT)
    return {
        answer: reverse("dashboard:affected-from-alert", args=[token, answer]) for answer in ANSWERS
    }


def read_token(token: str) -> LinkClaim:
    try:
        data = signing.loads(
            token, salt=SALT, max_age=max(1, settings.AIWATCH_AFFECTED_LINK_HOURS) * 3600
        )
    except signing.SignatureExpired:
        raise LinkExpired(token) from None
    except signing.BadSignature:
        raise LinkInvalid(token) from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), str):
        raise LinkInvalid(token)
    return LinkClaim(provider=data["p"], event=str(data.get("e", "")))


def asks_who_is_affected(kind: str, payload: dict[str, Any]) -> bool:
    """News of trouble carries the links; recoveries and updates do not."""
    if kind in (EventType.INCIDENT_OPENED, EventType.OBSERVED_OUTAGE, EventType.REPORT_BURST):
        return True
    status = (payload.get("status") or {}).get("new")
    return kind == EventType.STATUS_CHANGED and status in DOWN_STATUSES


def with_affected_links(kind: str, payload: dict[str, Any], provider_slug: str) -> uuid.UUID:
    """A new event's uuid, with its links written into `payload` when the event asks."""
    event_uuid = uuid.uuid4()
    if asks_who_is_affected(kind, payload):
        payload["affected_links"] = affected_links(provider_slug, str(event_uuid))
    return event_uuid
