"""What the provider page shows from our own eyes: probes, latency, detection lead, team reports.

Reads rollups (never raw rows older than a day) so the page stays cheap at any history length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard import charts
from probes.models import (
    ObservedTransition,
    ProbeResult,
    ProbeRollup,
    Provider,
    Source,
    TeamReport,
)
from probes.observe import detection, reports

# Latency charts: (key, caption, rollup period, span).
LATENCY_WINDOWS = (
    (
        "24h",
        gettext_lazy("Latency, last 24 hours (hourly p50 and p95)"),
        ProbeRollup.Period.HOUR,
        timedelta(days=1),
    ),
    (
        "7d",
        gettext_lazy("Latency, last 7 days (hourly p50 and p95)"),
        ProbeRollup.Period.HOUR,
        timedelta(days=7),
    ),
    (
        "90d",
        gettext_lazy("Latency, last 90 days (daily p50 and p95)"),
        ProbeRollup.Period.DAY,
        timedelta(days=90),
    ),
)
REPORT_SPAN = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ProbeRow:
    source: Source
    name: str
    last: ProbeResult | None
    # Over the last 24 hours, from hourly rollups.
    count: int
    failures: int

    @property
    def success_pct(self) -> float | None:
        if not self.count:
            return None
        return 100 * (self.count - self.failures) / self.count


def probe_name(source: Source) -> str:
    host = urlsplit(source.url).netloc
    if source.kind == Source.Kind.INFERENCE:
        return (
            _("Inference %(model)s @ %(host)s") % {"model": source.model or "", "host": host}
        ).replace("  ", " ")
    return f"{source.method} {host}"


# What the page shows of a probe's newest result (templates/dashboard/probes_and_detection.html).
NEWEST_RESULT_FIELDS = (
    "id",
    "at",
    "verdict",
    "error_class",
    "status_code",
    "latency_ms",
    "ttft_ms",
)


def newest_result_columns() -> dict[str, Subquery]:
    """Each source's newest probe result, the fields the page shows of it, as annotations of a
    query of sources: a page that reads its sources anyway reads these with them
    (`newest_result()`)."""
    newest = ProbeResult.objects.filter(source=OuterRef("pk")).order_by("-at", "-pk")
    return {f"newest_{name}": Subquery(newest.values(name)[:1]) for name in NEWEST_RESULT_FIELDS}


def newest_result(source: Source) -> ProbeResult | None:
    """The newest result of a source read with `newest_result_columns()` (its shown fields
    only; None: it has none)."""
    if source.newest_id is None:  # type: ignore[attr-defined]
        return None
    fields = {name: getattr(source, f"newest_{name}") for name in NEWEST_RESULT_FIELDS}
    return ProbeResult(source=source, provider_id=source.provider_id, **fields)


def provider_observations(
    provider: Provider,
    *,
    now: datetime,
    sources: Sequence[Source] | None = None,
    burst: reports.Burst | None = None,
    incidents: Sequence[detection.OfficialIncident] | None = None,
    transitions: Sequence[ObservedTransition] | None = None,
) -> dict[str, Any]:
    """Context for the provider page's probe, latency, detection and report sections.

    `sources`: every source of the provider, as the page read them (by pk, with
    `newest_result_columns()`); `burst`: its team
    reports' burst, and `incidents` and `transitions`: what detection sets against what
    (`detection.detection_for`), when the page has them. The probe rollups of the last day
    and of every latency window are read in one query, and not at all with no probe on.
    """
    if sources is None:
        sources = list(provider.sources.annotate(**newest_result_columns()).order_by("pk"))
    probes = [source for source in sources if source.enabled and source.is_probe]
    windows: list[tuple[str, datetime]] = [
        (str(period), now - span) for *_text, period, span in LATENCY_WINDOWS
    ]
    day = (str(ProbeRollup.Period.HOUR), now - timedelta(days=1))
    wanted = Q()
    for period, since in {*windows, day}:
        wanted |= Q(period=period, start__gte=since)
    day_totals: dict[int, tuple[int, int]] = {}
    points: dict[tuple[str, datetime], dict[int, list[Any]]] = {key: {} for key in windows}
    rollups = (
        ProbeRollup.objects.filter(wanted, provider=provider)
        .order_by("start", "pk")
        .values_list("period", "source_id", "start", "count", "failures", "p50_ms", "p95_ms")
    )
    # Only the probes switched on are shown: with none, no rollup would be (none is read).
    for period, source_id, start, count, failures, p50, p95 in rollups if probes else []:
        if period == day[0] and start >= day[1]:
            total = day_totals.get(source_id, (0, 0))
            day_totals[source_id] = (total[0] + count, total[1] + failures)
        for window in windows:
            if period == window[0] and start >= window[1]:
                points[window].setdefault(source_id, []).append((start, p50, p95))
    rows = []
    for source in probes:
        count, failures = day_totals.get(source.pk, (0, 0))
        rows.append(ProbeRow(source, probe_name(source), newest_result(source), count, failures))

    names = {row.source.pk: row.name for row in rows}
    latency_charts = []
    for (key, caption, *_window), window in zip(LATENCY_WINDOWS, windows, strict=True):
        series = [
            charts.LatencySeries(names[source_id], values)
            for source_id, values in points[window].items()
            if source_id in names
        ]
        if series:
            latency_charts.append(
                {
                    "id": f"latency-{key}",
                    "caption": str(caption),
                    "figure": charts.build_latency_chart(series),
                }
            )

    step = reports.window()
    burst = burst or reports.bursts([provider], now=now)[provider.pk]
    # The last day's team reports, newest first: the chart counts them, the "affected" list
    # names the last hour's. None over the usual level's days (the burst counts them): none
    # in the last day either.
    recent = (
        list(
            TeamReport.objects.filter(provider=provider, at__gte=now - REPORT_SPAN, at__lte=now)
            .select_related("user")
            .order_by("-at", "-pk")
        )
        if burst.reports != 0
        else []
    )
    counts = reports.report_counts(
        provider, start=now - REPORT_SPAN, end=now, step=step, times=[r.at for r in recent]
    )
    minutes = int(step.total_seconds() // 60)
    return {
        "probe_rows": rows,
        "latency_charts": latency_charts,
        "detection": detection.detection_for(
            provider, now=now, incidents=incidents, transitions=transitions
        ),
        "report_chart": charts.build_report_chart(
            counts,
            title=_("Team reports per %(minutes)d minutes, last 24 hours") % {"minutes": minutes},
        ),
        "report_total": sum(count for _, count in counts),
        "report_burst": burst,
        "report_window_minutes": minutes,
        "report_note_max": reports.NOTE_MAX_LENGTH,
        # Who reported in the last hour: names only for signed-in viewers (the template).
        "affected": reports.affected(provider, now=now, reports=recent),
        "affected_minutes": int(reports.AFFECTED_SPAN.total_seconds() // 60),
        "report_anonymous": settings.AIWATCH_REPORT_ANONYMOUS,
        "login_url": resolve_url(settings.LOGIN_URL),
    }
