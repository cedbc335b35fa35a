"""Team reports ("I'm affected"): rate-limited submission, counts over time, burst detection.

Rate limits, all over AIWATCH_REPORT_WINDOW_MINUTES: one report per person (browser session;
a post without one counts as its network, dashboard.team_reports) per provider; at most
AIWATCH_REPORT_MAX_PER_NETWORK from one address (a whole office shares one, so this is
looser); at most AIWATCH_REPORT_MAX_PER_PROVIDER per provider. People and
addresses are stored only as keyed digests.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from probes.models import Provider, TeamReport

# The usual level of reports is measured over this long before the current window.
USUAL_LEVEL_DAYS = 7
NOTE_MAX_LENGTH = 280


class ReportRefused(Exception):
    """The report was not stored; the message says why, in words fit to show."""


def digest(value: str, *, purpose: str) -> str:
    """A keyed digest: stable for rate limits, useless to anyone without the secret key."""
    key = f"aiwatch.reports.{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def window() -> timedelta:
    return timedelta(minutes=max(1, settings.AIWATCH_REPORT_WINDOW_MINUTES))


@transaction.atomic
def submit_report(
    provider: Provider, *, person: str, network: str, note: str, now: datetime
) -> TeamReport:
    """Store a report unless a rate limit says no (ReportRefused).

    `person` and `network` are already digests. The provider row is locked so two concurrent
    reports cannot both slip under a limit.
    """
    Provider.objects.select_for_update().filter(pk=provider.pk).first()
    start = now - window()
    recent = TeamReport.objects.filter(at__gt=start)
    minutes = int(window().total_seconds() // 60)
    if recent.filter(provider=provider, person=person).exists():
        raise ReportRefused(
            _("You already reported %(name)s in the last %(minutes)d minutes. Thank you.")
            % {"name": provider.name, "minutes": minutes}
        )
    if recent.filter(network=network).count() >= settings.AIWATCH_REPORT_MAX_PER_NETWORK:
        raise ReportRefused(_("Too many reports from your network just now. Try again later."))
    if recent.filter(provider=provider).count() >= settings.AIWATCH_REPORT_MAX_PER_PROVIDER:
        raise ReportRefused(
            _("%(name)s has had many reports in the last %(minutes)d minutes already.")
            % {"name": provider.name, "minutes": minutes}
        )
    return TeamReport.objects.create(
        provider=provider,
        at=now,
        note=" ".join(note.split())[:NOTE_MAX_LENGTH],
        person=person,
        network=network,
    )


@dataclass(frozen=True, slots=True)
class Burst:
    recent: int
    usual: float
    is_burst: bool


def burst_level(recent: int, earlier: int, *, windows: float) -> Burst:
    """Is `recent` (reports in the current window) a burst against the usual level?

    The usual level is the mean per window of the `earlier` reports over `windows` windows.
    """
    usual = earlier / windows if windows > 0 else 0.0
    threshold = max(settings.AIWATCH_REPORT_BURST_MIN, settings.AIWATCH_REPORT_BURST_FACTOR * usual)
    return Burst(recent, usual, recent >= threshold)


def bursts(providers: Sequence[Provider], *, now: datetime) -> dict[int, Burst]:
    """Burst state for each provider, in two queries."""
    ids = [provider.pk for provider in providers]
    start = now - window()
    usual_start = now - timedelta(days=USUAL_LEVEL_DAYS)
    recent = dict(
        TeamReport.objects.filter(provider_id__in=ids, at__gt=start, at__lte=now)
        .values_list("provider_id")
        .annotate(n=Count("pk"))
        .values_list("provider_id", "n")
    )
    earlier = dict(
        TeamReport.objects.filter(provider_id__in=ids, at__gt=usual_start, at__lte=start)
        .values_list("provider_id")
        .annotate(n=Count("pk"))
        .values_list("provider_id", "n")
    )
    windows = (start - usual_start) / window()
    return {pk: burst_level(recent.get(pk, 0), earlier.get(pk, 0), windows=windows) for pk in ids}


def report_counts(
    provider: Provider, *, start: datetime, end: datetime, step: timedelta
) -> list[tuple[datetime, int]]:
    """Reports per `step` from `start` to `end`, zeros included, oldest first."""
    count = max(1, int((end - start) / step))
    buckets = [0] * count
    for at in TeamReport.objects.filter(provider=provider, at__gte=start, at__lt=end).values_list(
        "at", flat=True
    ):
        index = int((at - start) / step)
        if 0 <= index < count:
            buckets[index] += 1
    return [(start + step * index, buckets[index]) for index in range(count)]
