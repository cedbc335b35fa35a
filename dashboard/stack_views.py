"""Pages about the team's own stack: the dependency map with its concentration report, the
drills. The features API is in dashboard/api/features.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from dashboard import our_stack, stack_map
from probes.models import Drill
from probes.stack.rows import upstream_slugs


@require_safe
def dependency_map(request: HttpRequest) -> HttpResponse:
    summaries = our_stack.summaries_by_slug(now=timezone.now())
    rows = our_stack.feature_rows(summaries)
    graph = stack_map.dependency_map(rows)
    names = {slug: summary.provider.name for slug, summary in summaries.items()}
    ctx = {
        "rows": rows,
        "graph": graph,
        "figure": stack_map.build_dependency_sankey(graph),
        "concentration": stack_map.concentration_report(rows, upstream_slugs(), names),
    }
    return render(request, "dashboard/stack_map.html", ctx)


@require_safe
def drill_list(request: HttpRequest) -> HttpResponse:
    drills = list(Drill.objects.prefetch_related("acknowledgements")[:100])
    return render(request, "dashboard/drills.html", {"drills": drills})
