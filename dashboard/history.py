"""What the history pages show, gathered in a fixed number of queries.

Plain functions over querysets, called by the views (dashboard/views.py,
dashboard/history_views.py, dashboard/history_page.py for /history/) and the API. Uptime comes
from the UptimeDay rollups only (probes.history.rollups), never from raw StatusChange rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from dashboard import charts, history_cache
from dashboard.provider_rows import HISTORY_DAYS, ProviderRows
from probes.history import reliability, rollups, uptime
from probes.models import Component, Incident, IncidentUpdate, Provider, StatusChange
from probes.parsers.types import Impact, Status

IMPACT_CHOICES = [impact.value for impact in Impact]
MAX_RANGE_DAYS = 3 * 366


class FilterError(ValueError):
    """A filter value we cannot use; the message says which and why."""


@dataclass(frozen=True, slots=True)
class IncidentFilters:
    provider: str = ""
    impact: str = ""
    since: datetime | None = None
    until: datetime | None = None
    q: str = ""

    def as_query(self) -> dict[str, str]:
        """The filters as query-string values (dates as UTC days), for links and CSV export."""
        values = {
            "provider": self.provider,
            "impact": self.impact,
            "since": self.since.date().isoformat() if self.since else "",
            "until": (self.until - timedelta(days=1)).date().isoformat() if self.until else "",
            "q": self.q,
        }
        return {name: value for name, value in values.items() if value}


def parse_day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FilterError(
            _("%(name)s must be a date like 2024-12-26") % {"name": repr(name)}
        ) from None


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_filters(params: Mapping[str, str]) -> IncidentFilters:
    """Filters from a query string: provider slug, impact, since/until UTC days, q text.

    `until` is inclusive (the whole day). Raises FilterError naming a bad value.
    """
    impact = (params.get("impact") or "").strip()
    if impact and impact not in IMPACT_CHOICES:
        raise FilterError(
            _("'impact' must be one of %(choices)s") % {"choices": ", ".join(IMPACT_CHOICES)}
        )
    since = parse_day(params.get("since"), "since")
    until = parse_day(params.get("until"), "until")
    if since and until and since > until:
        raise FilterError(_("'since' must not be after 'until'"))
    return IncidentFilters(
        provider=(params.get("provider") or "").strip(),
        impact=impact,
        since=day_start(since) if since else None,
        until=day_start(until) + timedelta(days=1) if until else None,
        q=(params.get("q") or "").strip()[:200],
    )


def filter_incidents(incidents: QuerySet[Incident], filters: IncidentFilters) -> QuerySet[Incident]:
    """Apply the filters; dates select incidents overlapping [since, until)."""
    if filters.provider:
        incidents = incidents.filter(provider__slug=filters.provider)
    if filters.impact:
        incidents = incidents.filter(impact=filters.impact)
    if filters.until is not None:
        incidents = incidents.filter(started_at__lt=filters.until)
    if filters.since is not None:
        incidents = incidents.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=filters.since))
    if filters.q:
        incidents = incidents.filter(search_q(filters.q))
    return incidents


def search_q(text: str) -> Q:
    """Titles and update bodies containing every word of `text` (case-insensitive).

    An Exists subquery rather than a join, so an incident with many matching updates is listed
    once and no DISTINCT is needed.
    """
    condition = Q()
    for word in text.split()[:8]:
        in_updates = IncidentUpdate.objects.filter(incident=OuterRef("pk"), body__icontains=word)
        condition &= Q(title__icontains=word) | Q(Exists(in_updates))
    return condition


# -- the /history/ page (gathered in dashboard/history_page.py) ---------------------------------


@dataclass(frozen=True, slots=True)
class ProviderFigures:
    provider: Provider
    figures: reliability.Reliability


def _interval(incident: Incident) -> reliability.Interval:
    return reliability.Interval(
        start=incident.started_at,
        end=incident.resolved_at,
        impact=incident.impact,
        is_maintenance=incident.is_maintenance,
    )


# -- uptime for one provider ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubjectUptime:
    name: str
    component: Component | None
    days: list[uptime.DayUptime]
    window_90: uptime.WindowUptime
    window_365: uptime.WindowUptime


@dataclass
class ProviderHistory:
    provider: Provider
    days: list[date]
    subjects: list[SubjectUptime]
    incidents_by_day: dict[date, list[str]]
    chart: dict[str, Any]
    figures: reliability.Reliability
    months: list[reliability.MonthReliability]

    @property
    def has_data(self) -> bool:
        """Whether any of the last 90 days has an uptime figure for any row."""
        return any(day.uptime is not None for s in self.subjects for day in s.days[-90:])


def first_watched(provider: Provider) -> dict[int | None, datetime]:
    """When we first knew each subject's status (None: the provider as a whole), in one query.

    Uptime covers only time we watched (probes.history.uptime), so a figure for a subject first
    watched inside its window says since when.
    """
    return {
        component_id: first
        for component_id, first in StatusChange.objects.filter(provider=provider)
        .exclude(new_status=Status.UNKNOWN)
        .values("component_id")
        .annotate(first=Min("at"))
        .values_list("component_id", "first")
    }


def provider_history(
    provider: Provider,
    *,
    now: datetime,
    components: Sequence[Component] | None = None,
    version: str | None = None,
    rows: ProviderRows | None = None,
) -> ProviderHistory:
    """compute_provider_history, from the cache while the provider's data has not changed.

    One query for the key (none with `version`, the provider_version() the page read); the
    figures also move with the clock (an outage going on), so an entry lives a minute at most
    (history_cache.TTL). `rows`: the page's rows, read once for all its parts.
    """
    found = history_cache.cached(
        (
            "provider-history",
            provider.pk,
            version or history_cache.provider_version(provider),
            now.astimezone(UTC).date(),
        ),
        lambda: compute_provider_history(provider, now=now, components=components, rows=rows),
    )
    # The page's own row, not the cached copy of it.
    found.provider = provider
    return found


def compute_provider_history(
    provider: Provider,
    *,
    now: datetime,
    components: Sequence[Component] | None = None,
    rows: ProviderRows | None = None,
) -> ProviderHistory:
    """Uptime bars (90 days), 90/365-day uptime and reliability figures, in four queries (three
    with `components`: its active components that are not groups, in page order, as the page
    read them; one with `rows` too: the page's rows give the incidents and when each subject
    was first watched)."""
    year, by_subject = rollups.read_days(provider, HISTORY_DAYS, now=now)
    firsts = rows.first_watched() if rows is not None else first_watched(provider)
    if components is None:
        components = list(
            Component.objects.filter(provider=provider, is_group=False, is_active=True).order_by(
                "position", "name"
            )
        )
    subjects = [
        _subject(
            _("%(provider)s (overall)") % {"provider": provider.name},
            None,
            by_subject.get(None, []),
            firsts.get(None),
        )
    ]
    empty = uptime.extend_days([], year, now=now)
    subjects += [
        _subject(
            component.name, component, by_subject.get(component.pk, empty), firsts.get(component.pk)
        )
        for component in components
    ]

    start = uptime.day_start(year[0])
    if rows is not None:
        incidents = rows.overlapping(start, now, maintenance=False)
    else:
        incidents = list(
            Incident.objects.filter(provider=provider, is_maintenance=False)
            .overlapping(start, now)
            .order_by("started_at", "pk")
        )
    days_90 = year[-90:]
    incidents_by_day: dict[date, list[str]] = defaultdict(list)
    for incident in incidents:
        last = (incident.resolved_at or now).astimezone(UTC).date()
        for day in uptime.utc_days(
            max(incident.started_at.astimezone(UTC).date(), days_90[0]), last
        ):
            incidents_by_day[day].append(incident.title)
    intervals = [_interval(i) for i in incidents]
    chart = charts.build_uptime_bars(
        [charts.UptimeRow(s.name, s.days[-90:]) for s in subjects],
        days=days_90,
        incidents_by_day=incidents_by_day,
    )
    return ProviderHistory(
        provider=provider,
        days=days_90,
        subjects=subjects,
        incidents_by_day=dict(incidents_by_day),
        chart=chart,
        figures=reliability.compute_reliability(intervals, start=start, end=now),
        months=list(reversed(reliability.by_month(intervals, start=start, end=now))),
    )


def _subject(
    name: str,
    component: Component | None,
    days: Sequence[uptime.DayUptime],
    watched_from: datetime | None,
) -> SubjectUptime:
    return SubjectUptime(
        name=name,
        component=component,
        days=list(days),
        window_90=uptime.summarize(days[-90:], first_watched=watched_from),
        window_365=uptime.summarize(days, first_watched=watched_from),
    )


# -- one incident -----------------------------------------------------------------------------


def incident_history(incident: Incident, *, now: datetime) -> dict[str, Any]:
    """Context for the incident page's "What happened": root cause, postmortem and sources,
    per-product recoveries, upstream and downstream incidents."""
    details = incident.details if isinstance(incident.details, dict) else {}
    return {
        "details": details,
        "recoveries": _recoveries(details),
        "upstream": related_upstream_incidents(incident, now=now),
        "downstream": list(incident.downstream_incidents.select_related("provider")),
    }


def _recoveries(details: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in details.get("recoveries", []) or []:
        try:
            at = datetime.fromisoformat(str(item["at"]))
        except (KeyError, ValueError):
            continue
        rows.append(
            {
                "product": item.get("product", ""),
                "at": at,
                "according_to": item.get("according_to", ""),
            }
        )
    return rows


def related_upstream_incidents(incident: Incident, *, now: datetime) -> list[Incident]:
    """Upstream incidents linked to this one, plus those of its provider's upstreams that
    overlapped it in time (a cloud outage during an AI outage), oldest first."""
    linked = list(incident.upstream_incidents.select_related("provider"))
    upstream_ids = list(incident.provider.upstreams.values_list("pk", flat=True))
    overlapping: list[Incident] = []
    if upstream_ids:
        overlapping = list(
            Incident.objects.filter(provider_id__in=upstream_ids, is_maintenance=False)
            .overlapping(incident.started_at, incident.resolved_at or now)
            .exclude(pk__in=[i.pk for i in linked])
            .select_related("provider")
        )
    return sorted(linked + overlapping, key=lambda i: (i.started_at, i.pk))
