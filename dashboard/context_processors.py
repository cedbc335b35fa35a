"""Template context every page gets: the overview's "pipeline is behind" banner."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from probes import health

logger = logging.getLogger(__name__)

# The pages that show the banner: the overview.
OVERVIEW_VIEWS = {"dashboard:index"}


def pipeline_banner(request: HttpRequest) -> dict[str, Any]:
    """`pipeline_health` on the overview (None elsewhere), computed only if a template reads it."""
    return {"pipeline_health": SimpleLazyObject(lambda: _overview_health(request))}


def _overview_health(request: HttpRequest) -> health.PipelineHealth | None:
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in OVERVIEW_VIEWS:
        return None
    try:
        return health.check_pipeline(timezone.now())
    except DatabaseError:
        logger.exception("pipeline health unavailable")
        return None
