"""The team's exposure over time (/stack/exposure/, its CSV) and the monthly report
(/stack/report/), a page a team lead prints. Thin views over dashboard/exposure.py."""

from __future__ import annotations

import csv
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dashboard import exposure
from dashboard.history_views import _cell
from probes.history.exposure import WINDOWS_DAYS
from probes.models import Provider
from probes.stack.exposure import exposure_windows, monthly_report, previous_month


def _names() -> dict[str, str]:
    return dict(Provider.objects.values_list("slug", "name"))


@require_safe
def exposure_page(request: HttpRequest) -> HttpResponse:
    days = exposure.parse_window(request.GET.get("days"))
    features = exposure_windows(now=timezone.now(), windows=WINDOWS_DAYS)
    rows = exposure.exposure_rows(features, _names(), days=days)
    ctx = {
        "rows": rows,
        "days": days,
        "windows": WINDOWS_DAYS,
        "figure": exposure.build_exposure_chart(rows, days=days),
        "report_month": previous_month(timezone.now()),
    }
    return render(request, "stack/exposure.html", ctx)


@require_safe
def exposure_csv(request: HttpRequest) -> HttpResponse:
    features = exposure_windows(now=timezone.now(), windows=WINDOWS_DAYS)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="exposure.csv"'
    writer = csv.writer(response)
    writer.writerow(exposure.CSV_COLUMNS)
    for line in exposure.csv_lines(features, _names()):
        writer.writerow([_cell(value) if isinstance(value, str) else value for value in line])
    return response


def parse_month(value: str | None, *, default: date) -> date | None:
    """ "2026-11" -> its first day; empty -> `default`; anything else None."""
    if not value:
        return default
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


@require_safe
def report_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    this_month = now.date().replace(day=1)
    month = parse_month(request.GET.get("month"), default=previous_month(now))
    error = ""
    if month is None or month > this_month or month.year < 2000:
        error = _("Choose a month like %(example)s, not in the future.") % {
            "example": previous_month(now).strftime("%Y-%m")
        }
        month = previous_month(now)
    report = monthly_report(month, now=now)
    before = (month.replace(day=1) - date.resolution).replace(day=1)
    after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    ctx = {
        "report": report,
        "error": error,
        "previous": before,
        "next": after if after <= this_month else None,
        "generated_at": now,
    }
    return render(request, "stack/report.html", ctx, status=400 if error else 200)
