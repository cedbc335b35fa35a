"""The team's exposure, read from the recorded history: per feature, over 30/90/365 days, and
the monthly report (minutes affected, incidents that hit it, drills run, plan B).

The arithmetic is `probes.history.exposure`'s (pure); here are the queries, a fixed number
however many features, providers or changes there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import OuterRef, Subquery

from probes.history.exposure import (
    FeatureExposure,
    Minutes,
    Span,
    Timeline,
    exposure_from_spans,
    spans_by_provider,
)
from probes.models import Drill, Feature, Incident, Provider, StatusChange
from probes.models.features import dependencies
from probes.parsers.types import Status
from probes.stack.rows import upstream_slugs


@dataclass(frozen=True, slots=True)
class FeatureWindows:
    """One feature's exposure over each window (days -> figures)."""

    feature: Feature
    windows: dict[int, FeatureExposure]


@dataclass(frozen=True, slots=True)
class ReportEntry:
    feature: Feature
    exposure: FeatureExposure
    incidents: list[Incident]
    drills: list[Drill]
    # (provider name, its minutes) for the providers that affected it, most first.
    providers: list[tuple[str, Minutes]]


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    month: date  # the first day of the UTC month
    start: datetime
    end: datetime  # the month's end, or now while it is still running
    complete: bool
    entries: list[ReportEntry]
    names: dict[str, str]  # provider slug -> name

    @property
    def last_day(self) -> date:
        """The last UTC day the report covers (its end is exclusive)."""
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def affected(self) -> list[ReportEntry]:
        return [entry for entry in self.entries if entry.exposure.total.affected]


def enabled_features() -> list[Feature]:
    order = list(Feature.Criticality.values)
    features = Feature.objects.filter(enabled=True)
    return sorted(features, key=lambda f: (order.index(f.criticality), f.name.lower()))


def dependency_slugs(feature: Feature) -> list[str]:
    return list(dict.fromkeys(str(item["provider"]) for item in dependencies(feature)))


def read_timelines(slugs: Iterable[str], *, start: datetime, end: datetime) -> dict[str, Timeline]:
    """Each provider's provider-wide recorded status over [start, end), in two queries."""
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    earlier = StatusChange.objects.filter(
        provider=OuterRef("pk"), component__isnull=True, at__lte=start
    ).order_by("-at", "-pk")
    before = dict(
        Provider.objects.filter(slug__in=wanted)
        .annotate(before=Subquery(earlier.values("new_status")[:1]))
        .values_list("slug", "before")
    )
    changes: dict[str, list[tuple[datetime, Status]]] = defaultdict(list)
    for slug, at, status in (
        StatusChange.objects.filter(
            provider__slug__in=wanted, component__isnull=True, at__gt=start, at__lt=end
        )
        .order_by("at", "pk")
        .values_list("provider__slug", "at", "new_status")
    ):
        changes[slug].append((at, Status(status)))
    return {
        slug: Timeline(
            changes=tuple(changes.get(slug, ())),
            before=Status(before[slug]) if before.get(slug) else None,
        )
        for slug in wanted
        if slug in before
    }


def _involved(features: Sequence[Feature], upstreams: dict[str, list[str]]) -> set[str]:
    slugs = {slug for feature in features for slug in dependency_slugs(feature)}
    return slugs | {cloud for slug in slugs for cloud in upstreams.get(slug, [])}


def exposure_windows(
    *, now: datetime, windows: Sequence[int] = (30, 90, 365)
) -> list[FeatureWindows]:
    """Every enabled feature's exposure over the last `windows` days (ending now)."""
    features = enabled_features()
    upstreams = upstream_slugs()
    longest = now - timedelta(days=max(windows))
    timelines = read_timelines(_involved(features, upstreams), start=longest, end=now)
    # One read over the longest window serves the shorter ones: the status in force at a
    # shorter window's start is carried by the changes before it. Each provider's spans are
    # worked out once per window, whatever the number of features riding on it.
    spans = {
        days: spans_by_provider(timelines, start=now - timedelta(days=days), end=now)
        for days in windows
    }
    return [
        FeatureWindows(
            feature=feature,
            windows={
                days: exposure_from_spans(
                    dependency_slugs(feature),
                    spans[days],
                    upstreams=upstreams,
                    start=now - timedelta(days=days),
                    end=now,
                )
                for days in windows
            },
        )
        for feature in features
    ]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    return start, following


def previous_month(now: datetime) -> date:
    """The first day of the last complete UTC month."""
    first = now.astimezone(UTC).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def monthly_report(month: date, *, now: datetime) -> MonthlyReport:
    """The report for one UTC month (so far, while it runs): a fixed number of queries."""
    start, following = month_bounds(month)
    end = max(start, min(following, now))
    features = enabled_features()
    upstreams = upstream_slugs()
    involved = _involved(features, upstreams)
    timelines = read_timelines(involved, start=start, end=end)
    incidents = list(
        Incident.objects.filter(provider__slug__in=involved, is_maintenance=False)
        .overlapping(start, end)
        .select_related("provider")
        .order_by("started_at", "pk")
    )
    drills = list(
        Drill.objects.filter(started_at__gte=start, started_at__lt=end).order_by("started_at")
    )
    names = dict(Provider.objects.filter(slug__in=involved).values_list("slug", "name"))
    spans = spans_by_provider(timelines, start=start, end=end)
    entries = []
    for feature in features:
        slugs = dependency_slugs(feature)
        exposure = exposure_from_spans(slugs, spans, upstreams=upstreams, start=start, end=end)
        clouds = {cloud for slug in slugs for cloud in upstreams.get(slug, [])}
        hit = [
            incident
            for incident in incidents
            if incident.provider.slug in slugs
            or (incident.provider.slug in clouds and _overlaps(incident, exposure.spans, now=now))
        ]
        rehearsed = [
            drill
            for drill in drills
            if any(item.get("slug") == feature.slug for item in _affected(drill))
        ]
        providers = sorted(
            (
                (names.get(slug, slug), minutes)
                for slug, minutes in exposure.by_provider.items()
                if minutes.affected
            ),
            key=lambda item: -item[1].affected,
        )
        entries.append(ReportEntry(feature, exposure, hit, rehearsed, providers))
    return MonthlyReport(
        month=start.date(),
        start=start,
        end=end,
        complete=following <= now,
        entries=entries,
        names=names,
    )


def _overlaps(incident: Incident, spans: Sequence[Span], *, now: datetime) -> bool:
    """A cloud's incident hit the feature when it overlapped time the feature was affected."""
    finish = incident.resolved_at or now
    return any(incident.started_at < end and finish > start for start, end in spans)


def _affected(drill: Drill) -> list[dict[str, str]]:
    return [item for item in drill.affected if isinstance(item, dict)]
