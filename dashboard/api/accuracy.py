"""Status-page accuracy per provider: how late its first post came, which of our confirmed
outages it never posted, and how its "resolved" compares with our observed recovery, over 90
days (probes/observe/accuracy.py). Durations are whole seconds; positive means the provider was
later than our probes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.decorators import decorate_view

from dashboard.api.errors import ApiError, ErrorOut
from dashboard.api.read_cache import cached_read
from probes.models import Provider
from probes.observe.accuracy import Scorecard, is_probed, scorecard_for, scorecards

router = Router(tags=["history"])


class DelayOut(Schema):
    count: int
    median_seconds: int | None
    p90_seconds: int | None


class AccuracyOut(Schema):
    provider: str
    name: str
    # False: no probe of ours watches it, so there is nothing to compare its page with.
    probed: bool
    days: int
    confirmed_outages: int
    posted: int
    never_posted: int
    never_posted_share: float | None
    first_post_delay: DelayOut
    resolved_gap: DelayOut


class AccuracyListOut(Schema):
    days: int
    providers: list[AccuracyOut]


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds())


def as_json(card: Scorecard, *, probed: bool = True) -> dict[str, Any]:
    share = card.never_posted_share
    return {
        "provider": card.slug,
        "name": card.name,
        "probed": probed,
        "days": card.days,
        "confirmed_outages": card.outages,
        "posted": card.posted,
        "never_posted": card.never_posted,
        "never_posted_share": None if share is None else round(share, 4),
        "first_post_delay": {
            "count": len(card.lateness),
            "median_seconds": _seconds(card.median_lateness),
            "p90_seconds": _seconds(card.p90_lateness),
        },
        "resolved_gap": {
            "count": len(card.recovery_gaps),
            "median_seconds": _seconds(card.median_recovery_gap),
            "p90_seconds": _seconds(card.p90_recovery_gap),
        },
    }


@router.get("/accuracy/", response=AccuracyListOut, url_name="api-accuracy")
@decorate_view(cached_read)
def accuracy_list(request: HttpRequest) -> dict[str, Any]:
    """Every provider we probe: its status page set against our confirmed outages.

    `confirmed_outages` counts outages of ours that are over (one still running may yet be
    posted); `first_post_delay` is the provider's first post minus our confirmation, per
    matched incident; `resolved_gap` its "resolved" minus our observed recovery.
    """
    cards = scorecards(now=timezone.now())
    return {"days": 90, "providers": [as_json(card) for card in cards]}


@router.get(
    "/providers/{slug:slug}/accuracy/",
    response={200: AccuracyOut, 404: ErrorOut},
    url_name="api-provider-accuracy",
)
@decorate_view(cached_read)
def provider_accuracy(request: HttpRequest, slug: str) -> dict[str, Any]:
    """One provider's status-page accuracy over 90 days (`probed` false: no probe of ours
    watches it, and every count is zero)."""
    provider = Provider.objects.filter(slug=slug, enabled=True).first()
    if provider is None:
        raise ApiError(f"no enabled provider {slug!r}", status=404)
    return as_json(scorecard_for(provider, now=timezone.now()), probed=is_probed(provider))
