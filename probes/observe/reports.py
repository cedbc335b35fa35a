"""Team reports ("I'm affected"): who may report, rate limits, counts, bursts, who is affected.

A signed-in teammate is one person, whatever browser or alert link they report from; their name
shows to other signed-in users. A visitor who is not signed in (when AIWATCH_REPORT_ANONYMOUS
allows it at all) is counted per network: everyone behind one address is one voice, and that
voice weighs AIWATCH_REPORT_ANONYMOUS_WEIGHT in the burst rule (a teammate's weighs 1).

Rate limits, all over AIWATCH_REPORT_WINDOW_MINUTES: one report per person per provider; at most
AIWATCH_REPORT_MAX_PER_NETWORK from one address; at most AIWATCH_REPORT_MAX_PER_PROVIDER per
provider. People and addresses are stored only as keyed digests.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Aggregate, Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from probes import signals
from probes.models import Provider, TeamReport

# The usual level of reports is measured over this long before the current window.
USUAL_LEVEL_DAYS = 7
NOTE_MAX_LENGTH = 280
# "Who is affected" lists the people who reported over this long.
AFFECTED_SPAN = timedelta(hours=1)


class ReportRefused(Exception):
    """The report was not stored; the message says why, in words fit to show."""


class AlreadyCounted(ReportRefused):
    """This person's report through this alert link is stored already (a replayed link)."""


class SignInToReport(ReportRefused):
    """Reports from visitors who are not signed in are not accepted here."""


def digest(value: str, *, purpose: str) -> str:
    """A keyed digest: stable for rate limits, useless to anyone without the secret key."""
    key = f"aiwatch.reports.{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def window() -> timedelta:
    return timedelta(minutes=max(1, settings.AIWATCH_REPORT_WINDOW_MINUTES))


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who a report counts as: digests for the limits, the user for the name, the weight."""

    person: str
    network: str
    user: Any = None
    weight: float = 1.0


def reporter_for(user: Any, address: str) -> Reporter:
    """The reporter a request stands for: its signed-in user, or (when anonymous reports are
    allowed) its network. Raises SignInToReport otherwise."""
    network = digest(address, purpose="network")
    if user is not None and user.is_authenticated:
        return Reporter(digest(f"user:{user.pk}", purpose="person"), network, user)
    if not settings.AIWATCH_REPORT_ANONYMOUS:
        raise SignInToReport(_("Sign in to report that you are affected."))
    return Reporter(
        digest(address, purpose="person-without-session"),
        network,
        None,
        max(0.0, settings.AIWATCH_REPORT_ANONYMOUS_WEIGHT),
    )


def display_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


@transaction.atomic
def submit_report(
    provider: Provider,
    *,
    person: str,
    network: str,
    note: str,
    now: datetime,
    user: Any = None,
    weight: float = 1.0,
    via_alert: str = "",
) -> TeamReport:
    """Store a report unless a rate limit says no (ReportRefused).

    `person` and `network` are already digests. The provider row is locked so two concurrent
    reports cannot both slip under a limit, and so only one of them can start a burst.
    """
    Provider.objects.select_for_update().filter(pk=provider.pk).first()
    if via_alert and TeamReport.objects.filter(person=person, via_alert=via_alert).exists():
        raise AlreadyCounted(
            _("Your report about %(name)s from this alert is already counted. Thank you.")
            % {"name": provider.name}
        )
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
    before = bursts([provider], now=now)[provider.pk]
    report = TeamReport.objects.create(
        provider=provider,
        at=now,
        note=" ".join(note.split())[:NOTE_MAX_LENGTH],
        person=person,
        network=network,
        user=user if user is not None and user.is_authenticated else None,
        weight=weight,
        via_alert=via_alert,
    )
    after = bursts([provider], now=now)[provider.pk]
    if after.is_burst and not before.is_burst:
        signals.report_burst_started.send(sender=TeamReport, provider=provider, burst=after, at=now)
    return report


def submit_as(
    provider: Provider, reporter: Reporter, *, note: str, now: datetime, via_alert: str = ""
) -> TeamReport:
    return submit_report(
        provider,
        person=reporter.person,
        network=reporter.network,
        note=note,
        now=now,
        user=reporter.user,
        weight=reporter.weight,
        via_alert=via_alert,
    )


@dataclass(frozen=True, slots=True)
class Burst:
    # Reports in the current window, and what they weigh together.
    recent: int
    usual: float
    is_burst: bool
    weighted: float = 0.0
    # Reports over the usual level's days, the current window's among them (None: not counted).
    reports: int | None = None


def burst_level(recent: float, earlier: float, *, windows: float, count: int = 0) -> Burst:
    """Is `recent` (the weight of the current window's reports) a burst against the usual level?

    The usual level is the mean weight per window of the `earlier` reports over `windows`
    windows. `count` is how many reports `recent` adds up (for display).
    """
    usual = earlier / windows if windows > 0 else 0.0
    threshold = max(settings.AIWATCH_REPORT_BURST_MIN, settings.AIWATCH_REPORT_BURST_FACTOR * usual)
    # A hair of tolerance: two anonymous halves must make one whole, whatever the floats say.
    return Burst(count, usual, recent + 1e-9 >= threshold, recent)


def _burst_counts(now: datetime) -> tuple[QuerySet[TeamReport], dict[str, Aggregate]]:
    """The reports a burst is judged on, and what is counted of each provider's: reports and
    their weight in the current window, the earlier ones' weight, and all of them."""
    current = Q(at__gt=now - window())
    counted = TeamReport.objects.filter(
        at__gt=now - timedelta(days=USUAL_LEVEL_DAYS), at__lte=now
    ).order_by()
    return counted, {
        "n": Count("pk", filter=current),
        "recent_weight": Sum("weight", filter=current),
        "earlier_weight": Sum("weight", filter=~current),
        "total": Count("pk"),
    }


def bursts(providers: Sequence[Provider], *, now: datetime) -> dict[int, Burst]:
    """Burst state for each provider, in one query."""
    ids = [provider.pk for provider in providers]
    counted, aggregates = _burst_counts(now)
    found = {
        pk: tuple(values)
        for pk, *values in counted.filter(provider_id__in=ids)
        .values_list("provider_id")
        .annotate(**aggregates)
        .values_list("provider_id", *aggregates)
    }
    return _levels(ids, found, now=now)


def burst_columns(*, now: datetime) -> dict[str, Subquery]:
    """What `bursts()` counts of each provider, as annotations of a query of providers: a page
    that reads them anyway reads their bursts with them (`bursts_of()`)."""
    counted, aggregates = _burst_counts(now)
    mine = counted.filter(provider=OuterRef("pk")).values("provider")
    return {
        f"burst_{name}": Subquery(mine.annotate(value=aggregate).values("value"))
        for name, aggregate in aggregates.items()
    }


def bursts_of(providers: Sequence[Provider], *, now: datetime) -> dict[int, Burst]:
    """`bursts()` of providers read with `burst_columns(now=now)`, without a query."""
    names = _burst_counts(now)[1]
    found = {
        provider.pk: tuple(getattr(provider, f"burst_{name}") for name in names)
        for provider in providers
    }
    return _levels([provider.pk for provider in providers], found, now=now)


def _levels(
    ids: Sequence[int], found: dict[int, tuple[Any, ...]], *, now: datetime
) -> dict[int, Burst]:
    """Each provider's burst from what `_burst_counts()` counted of it (none: no report)."""
    windows = (timedelta(days=USUAL_LEVEL_DAYS) - window()) / window()
    levels = {}
    for pk in ids:
        count, weight, earlier, total = found.get(pk) or (0, 0.0, 0.0, 0)
        level = burst_level(
            float(weight or 0.0), float(earlier or 0.0), windows=windows, count=count or 0
        )
        levels[pk] = replace(level, reports=total or 0)
    return levels


@dataclass(frozen=True, slots=True)
class AffectedPerson:
    name: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class Affected:
    """Who reported a provider over AFFECTED_SPAN: teammates by name, others as networks."""

    teammates: tuple[AffectedPerson, ...]
    # Reports from visitors who were not signed in (one per network per window), with notes.
    anonymous: tuple[AffectedPerson, ...]

    @property
    def total(self) -> int:
        return len(self.teammates) + len(self.anonymous)


def affected(
    provider: Provider, *, now: datetime, reports: Iterable[TeamReport] | None = None
) -> Affected:
    """Each teammate once (their latest report and note), newest first; anonymous reports as
    they came. One query, none when `reports` (the provider's, newest first, with their
    users, over AFFECTED_SPAN at least) are given."""
    teammates: dict[int, AffectedPerson] = {}
    anonymous: list[AffectedPerson] = []
    if reports is None:
        reports = (
            TeamReport.objects.filter(provider=provider, at__gt=now - AFFECTED_SPAN, at__lte=now)
            .select_related("user")
            .order_by("-at", "-pk")
        )
    rows = [row for row in reports if now - AFFECTED_SPAN < row.at <= now]
    for row in rows:
        if row.user is None or row.user_id is None:
            anonymous.append(AffectedPerson("", row.at, row.note))
        elif row.user_id not in teammates:
            teammates[row.user_id] = AffectedPerson(display_name(row.user), row.at, row.note)
    return Affected(tuple(teammates.values()), tuple(anonymous))


def report_counts(
    provider: Provider,
    *,
    start: datetime,
    end: datetime,
    step: timedelta,
    times: Iterable[datetime] | None = None,
) -> list[tuple[datetime, int]]:
    """Reports per `step` from `start` to `end`, zeros included, oldest first. `times`: when
    the provider's reports came, if already read (any span: those outside are left out)."""
    count = max(1, int((end - start) / step))
    buckets = [0] * count
    if times is None:
        times = TeamReport.objects.filter(provider=provider, at__gte=start, at__lt=end).values_list(
            "at", flat=True
        )
    for at in times:
        if not start <= at < end:
            continue
        index = int((at - start) / step)
        if 0 <= index < count:
            buckets[index] += 1
    return [(start + step * index, buckets[index]) for index in range(count)]
