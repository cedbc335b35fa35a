"""What /history/ shows for a chosen range: a fixed number of queries and a bounded size.

However long the range, the page lists at most LIST_LIMIT incidents (the newest; the incident
list has the rest), draws one bar per incident only up to TIMELINE_BAR_LIMIT and otherwise one
cell per provider and day, week or month, and always shows the shipped archive's notable
outages. Uptime comes from the UptimeDay rollups only. Results are cached
(dashboard/history_cache.py) under the newest change, so the poll that changes them moves the key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import Min
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard import charts, history, history_cache, history_charts
from probes.history import reliability, uptime
from probes.models import Incident, Provider, UptimeDay

# The one-click ranges: a span back from now ("all": from the first incident on record).
RANGES: dict[str, timedelta | None] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "90d": timedelta(days=90),
    "1y": timedelta(days=365),
    "all": None,
}
RANGE_LABELS = {
    "24h": gettext_lazy("24 h"),
    "7d": gettext_lazy("7 days"),
    "90d": gettext_lazy("90 days"),
    "1y": gettext_lazy("1 year"),
    "all": gettext_lazy("All"),
}
DEFAULT_RANGE = "90d"
# The newest incidents of the range listed on the page; /incidents/ pages through all of them.
LIST_LIMIT = 100
# Above this many incidents in the range, the timeline draws buckets instead of bars.
TIMELINE_BAR_LIMIT = 200
# Bucket lengths in days, the shortest giving at most MAX_BUCKETS columns is used.
BUCKET_DAYS = (1, 7, 28, 91)
MAX_BUCKETS = 130


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime
    preset: str = ""  # a key of RANGES, or "" for dates chosen in the form

    @property
    def since(self) -> date:
        return self.start.astimezone(UTC).date()

    @property
    def until(self) -> date:
        """The last UTC day the window touches (its end is exclusive)."""
        return (self.end - timedelta(microseconds=1)).astimezone(UTC).date()


def first_started() -> datetime | None:
    """When the earliest incident on record started (None: there is none)."""
    first: datetime | None = Incident.objects.aggregate(first=Min("started_at"))["first"]
    return first


def cached_first_started(version: str) -> datetime | None:
    """`first_started()`, kept under the history's `version`: it moves only with the history,
    so a cached page asks no second query for it."""
    # In a tuple: the cache keeps no None.
    return history_cache.cached(("first-started", version), lambda: (first_started(),))[0]


def preset_window(
    name: str, *, now: datetime, earliest: Callable[[], datetime | None] = first_started
) -> Window:
    """The window of a one-click range. Day ranges are whole UTC days, today included.
    `earliest` gives `first_started()`, where the "all" range starts, as a cache may know it."""
    span = RANGES[name]
    tomorrow = history.day_start(now.astimezone(UTC).date()) + uptime.DAY
    if span is None:
        first = earliest()
        start = tomorrow - timedelta(days=90)
        if first is not None:
            start = min(start, history.day_start(first.astimezone(UTC).date()))
        return Window(start, tomorrow, name)
    if span < uptime.DAY * 2:
        # By the minute, so that everyone asking within the same minute shares one cache entry.
        end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        return Window(end - span, end, name)
    return Window(tomorrow - span, tomorrow, name)


def choose_window(
    params: Mapping[str, str],
    *,
    now: datetime,
    earliest: Callable[[], datetime | None] = first_started,
) -> tuple[Window, str]:
    """The window a query string asks for (`range`, else `since`/`until` UTC days), and an
    error message when it asked for something we cannot show (the default window then).
    `earliest`: as for `preset_window`."""
    name = (params.get("range") or "").strip()
    if name in RANGES:
        return preset_window(name, now=now, earliest=earliest), ""
    if not (params.get("since") or params.get("until")) and not name:
        return preset_window(DEFAULT_RANGE, now=now), ""
    try:
        if name:
            raise history.FilterError(
                _("'range' must be one of %(choices)s") % {"choices": ", ".join(RANGES)}
            )
        default = preset_window(DEFAULT_RANGE, now=now)
        first = history.parse_day(params.get("since"), "since") or default.since
        last = history.parse_day(params.get("until"), "until") or default.until
        if first > last:
            raise history.FilterError(_("'since' must not be after 'until'"))
        if (last - first).days > history.MAX_RANGE_DAYS:
            raise history.FilterError(
                _("choose at most %(days)d days") % {"days": history.MAX_RANGE_DAYS}
            )
    except history.FilterError as problem:
        return preset_window(DEFAULT_RANGE, now=now), str(problem)
    return Window(history.day_start(first), history.day_start(last) + uptime.DAY), ""


class Row(NamedTuple):
    pk: int
    provider_id: int
    title: str
    impact: str
    started_at: datetime
    resolved_at: datetime | None


@dataclass
class HistoryData:
    window: Window
    incidents: list[Incident]  # the newest LIST_LIMIT of the range, oldest first
    incident_count: int
    providers: list[Provider]
    figures: list[history.ProviderFigures]
    timeline: dict[str, Any]
    # Days per timeline cell; 0 when the timeline draws one bar per incident.
    bucket_days: int
    per_month: dict[str, Any]
    mttr: dict[str, Any]
    comparison: list[history_charts.ProviderComparison]
    comparison_chart: dict[str, Any]
    notable: list[Incident]
    notable_chart: dict[str, Any]

    @property
    def start(self) -> datetime:
        return self.window.start

    @property
    def end(self) -> datetime:
        return self.window.end

    @property
    def listed_all(self) -> bool:
        return len(self.incidents) == self.incident_count


def cached_history_data(
    window: Window, *, now: datetime, version: str | None = None, refresh: bool = False
) -> HistoryData:
    """history_data, from the cache while nothing changed (and for at most a minute), under
    `version` (history_cache.history_version(), read here when not given). `refresh`: compute
    and cache it anew."""
    return history_cache.cached(
        (
            "history",
            window.start.isoformat(),
            window.end.isoformat(),
            version or history_cache.history_version(),
        ),
        lambda: history_data(window, now=now),
        refresh=refresh,
    )


def history_data(window: Window, *, now: datetime) -> HistoryData:
    """Everything /history/ shows for the window, in six queries however long the history."""
    start, end = window.start, window.end
    rows = [
        Row(*values)
        for values in Incident.objects.filter(is_maintenance=False)
        .overlapping(start, end)
        .order_by("started_at", "pk")
        .values_list("pk", "provider_id", "title", "impact", "started_at", "resolved_at")
    ]
    days = uptime.utc_days(window.since, min(window.until, now.astimezone(UTC).date()))
    uptimes = _uptimes(days, now=now)
    notable = list(
        Incident.objects.filter(provenance=Incident.Provenance.ARCHIVE)
        .select_related("provider")
        .order_by("started_at", "pk")
    )
    wanted = {row.provider_id for row in rows} | set(uptimes)
    by_pk = {provider.pk: provider for provider in Provider.objects.filter(pk__in=wanted)}
    shown = list(
        Incident.objects.filter(pk__in=[row.pk for row in rows[-LIST_LIMIT:]])
        .select_related("provider")
        .order_by("started_at", "pk")
    )
    by_provider: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_provider[row.provider_id].append(row)
    providers = sorted((by_pk[pk] for pk in by_provider), key=lambda p: p.name.lower())
    clip_end = max(min(end, now), start)
    figures = [
        history.ProviderFigures(
            provider,
            reliability.compute_reliability(
                [_interval(row) for row in by_provider[provider.pk]], start=start, end=clip_end
            ),
        )
        for provider in providers
    ]
    comparison = _comparison(by_pk, by_provider, uptimes, start=start, end=clip_end)
    timeline, bucket_days = _timeline(rows, providers, by_pk, window, now=now)
    return HistoryData(
        window=window,
        incidents=shown,
        incident_count=len(rows),
        providers=providers,
        figures=figures,
        timeline=timeline,
        bucket_days=bucket_days,
        per_month=_per_month(rows, by_pk, window),
        mttr=charts.build_mttr_chart([(f.provider.name, f.figures.mttr) for f in figures]),
        comparison=comparison,
        comparison_chart=history_charts.build_provider_comparison(comparison),
        notable=notable,
        notable_chart=history_charts.build_notable_outages(
            [
                history_charts.NotableOutage(
                    provider=incident.provider.name,
                    title=incident.title,
                    impact=incident.impact,
                    start=incident.started_at,
                    minutes=reliability.duration_minutes(incident.duration)
                    if incident.duration is not None
                    else None,
                    url=reverse("dashboard:incident-detail", args=[incident.pk]),
                )
                for incident in notable
            ]
        ),
    )


def _interval(row: Row) -> reliability.Interval:
    return reliability.Interval(
        start=row.started_at, end=row.resolved_at, impact=row.impact, is_maintenance=False
    )


def _uptimes(days: list[date], *, now: datetime) -> dict[int, uptime.WindowUptime]:
    """Each provider's own uptime over `days`, from its UptimeDay rows (one query)."""
    if not days:
        return {}
    rows: dict[int, list[Any]] = defaultdict(list)
    for row in (
        UptimeDay.objects.filter(component__isnull=True, day__gte=days[0], day__lte=days[-1])
        .order_by("provider_id", "day")
        .values_list(
            "provider_id",
            "day",
            "observed_seconds",
            "down_seconds",
            "computed_until",
            "tail_status",
            named=True,
        )
    ):
        rows[row.provider_id].append(row)
    return {
        pk: uptime.summarize(uptime.extend_days(provider_rows, days, now=now))
        for pk, provider_rows in rows.items()
    }


def _comparison(
    by_pk: dict[int, Provider],
    by_provider: Mapping[int, list[Row]],
    uptimes: Mapping[int, uptime.WindowUptime],
    *,
    start: datetime,
    end: datetime,
) -> list[history_charts.ProviderComparison]:
    """Per provider with data in the range: its uptime and its minutes under an incident
    (overlapping incidents counted once), worst first."""
    result = []
    for pk, provider in by_pk.items():
        spans = reliability.merge(
            (max(row.started_at, start), min(row.resolved_at or end, end))
            for row in by_provider.get(pk, [])
        )
        minutes = sum((hi - lo for lo, hi in spans if hi > lo), timedelta())
        watched = uptimes.get(pk)
        result.append(
            history_charts.ProviderComparison(
                provider=provider.name,
                uptime=watched.uptime if watched is not None else None,
                incident_minutes=reliability.duration_minutes(minutes),
            )
        )
    result.sort(key=lambda row: (-row.incident_minutes, row.uptime or 0, row.provider.lower()))
    return result


def _timeline(
    rows: list[Row],
    providers: list[Provider],
    by_pk: dict[int, Provider],
    window: Window,
    *,
    now: datetime,
) -> tuple[dict[str, Any], int]:
    names = [provider.name for provider in providers]
    if len(rows) <= TIMELINE_BAR_LIMIT:
        bars = [
            charts.TimelineBar(
                provider=by_pk[row.provider_id].name,
                title=row.title,
                impact=row.impact,
                start=row.started_at,
                end=row.resolved_at or now,
                url=reverse("dashboard:incident-detail", args=[row.pk]),
                ongoing=row.resolved_at is None,
            )
            for row in rows
        ]
        figure = charts.build_outage_timeline(
            bars, providers=names, start=window.start, end=window.end
        )
        return figure, 0
    span_days = max(1, (window.end - window.start).days)
    step_days = next(
        (step for step in BUCKET_DAYS if -(-span_days // step) <= MAX_BUCKETS), BUCKET_DAYS[-1]
    )
    step = timedelta(days=step_days)
    count = -(-span_days // step_days)
    buckets = [window.start + step * n for n in range(count)]
    cells: dict[tuple[int, int], list[Any]] = {}
    levels = {impact: n for n, impact in enumerate(history_charts.IMPACT_ORDER)}
    for row in rows:
        lo = max(row.started_at, window.start)
        hi = min(row.resolved_at or now, window.end)
        first = int((lo - window.start) / step)
        last = min(count - 1, int((max(hi, lo) - window.start) / step))
        for index in range(first, last + 1):
            bucket_lo, bucket_hi = buckets[index], buckets[index] + step
            overlap = min(hi, bucket_hi) - max(lo, bucket_lo)
            cell = cells.setdefault((row.provider_id, index), [0, timedelta(), "none"])
            cell[0] += 1
            cell[1] += max(overlap, timedelta())
            if levels.get(row.impact, 0) > levels.get(cell[2], 0):
                cell[2] = row.impact
    figure = history_charts.build_bucket_timeline(
        [
            history_charts.BucketCell(
                provider=by_pk[pk].name,
                start=buckets[index].date(),
                incidents=number,
                minutes=reliability.duration_minutes(total),
                worst=worst,
            )
            for (pk, index), (number, total, worst) in sorted(cells.items())
        ],
        providers=names,
        buckets=[bucket.date() for bucket in buckets],
        step=step,
        list_url=reverse("dashboard:incident-list"),
        slugs={provider.name: provider.slug for provider in providers},
    )
    return figure, step_days


def _per_month(rows: list[Row], by_pk: dict[int, Provider], window: Window) -> dict[str, Any]:
    months = [m.date() for m in reliability.month_starts(window.start, window.end)]
    names = sorted({by_pk[row.provider_id].name for row in rows}, key=str.lower)
    counts: dict[str, dict[date, int]] = {name: {} for name in names}
    for row in rows:
        if row.started_at < window.start:
            continue
        month = row.started_at.astimezone(UTC).date().replace(day=1)
        per = counts[by_pk[row.provider_id].name]
        per[month] = per.get(month, 0) + 1
    return charts.build_incidents_per_month(counts, months=months)
