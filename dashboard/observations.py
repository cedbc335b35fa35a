"""What the provider page shows from our own eyes: probes, latency, detection lead, team reports.

Reads rollups (never raw rows older than a day) so the page stays cheap at any history length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard import charts
from probes.models import ProbeResult, ProbeRollup, Provider, Source
from probes.observe import detection, reports
from probes.observe import rollups as probe_rollups

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


def provider_observations(provider: Provider, *, now: datetime) -> dict[str, Any]:
    """Context for the provider page's probe, latency, detection and report sections."""
    probes = list(provider.sources.probes().filter(enabled=True).order_by("pk"))
    day_totals: dict[int, tuple[int, int]] = {}
    for source_id, count, failures in ProbeRollup.objects.filter(
        provider=provider, period=ProbeRollup.Period.HOUR, start__gte=now - timedelta(days=1)
    ).values_list("source_id", "count", "failures"):
        total = day_totals.get(source_id, (0, 0))
        day_totals[source_id] = (total[0] + count, total[1] + failures)
    rows = []
    for source in probes:
        last = ProbeResult.objects.filter(source=source).order_by("-at", "-pk").first()
        count, failures = day_totals.get(source.pk, (0, 0))
        rows.append(ProbeRow(source, probe_name(source), last, count, failures))

    names = {row.source.pk: row.name for row in rows}
    latency_charts = []
    for key, caption, period, span in LATENCY_WINDOWS:
        points = probe_rollups.latency_points(provider.pk, period=period, since=now - span)
        series = [
            charts.LatencySeries(names[source_id], values)
            for source_id, values in points.items()
            if source_id in names
        ]
        if series:
            latency_charts.append(
                {
                    "id": f"latency-{key}",
                    "caption": str(caption),
                    "figure": charts.build_latency_chart(series, title=str(caption)),
                }
            )

    step = reports.window()
    counts = reports.report_counts(provider, start=now - REPORT_SPAN, end=now, step=step)
    minutes = int(step.total_seconds() // 60)
    return {
        "probe_rows": rows,
        "latency_charts": latency_charts,
        "detection": detection.detection_for(provider, now=now),
        "report_chart": charts.build_report_chart(
            counts,
            title=_("Team reports per %(minutes)d minutes, last 24 hours") % {"minutes": minutes},
        ),
        "report_total": sum(count for _, count in counts),
        "report_burst": reports.bursts([provider], now=now)[provider.pk],
        "report_window_minutes": minutes,
        "report_note_max": reports.NOTE_MAX_LENGTH,
        # Who reported in the last hour: names only for signed-in viewers (the template).
        "affected": reports.affected(provider, now=now),
        "affected_minutes": int(reports.AFFECTED_SPAN.total_seconds() // 60),
        "report_anonymous": settings.AIWATCH_REPORT_ANONYMOUS,
        "login_url": resolve_url(settings.LOGIN_URL),
    }
