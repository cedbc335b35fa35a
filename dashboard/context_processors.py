"""Template context every page gets: the overview's "pipeline is behind" and "our own network
looks down" banners."""

from __future__ import annotations

import functools
import logging
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from aiwatch.redis_client import redis_client
from dashboard import history_cache
from probes import health
from probes.observe import network

logger = logging.getLogger(__name__)

# The overview and its live part, which replaces the page's regions (banners included).
OVERVIEW_VIEWS = {"dashboard:index", "dashboard:overview-live"}
# Seconds the pipeline's health may be reused: well under the silence that makes it "behind"
# (probes.health.scheduler_silence_allowed: 30 s at least).
PIPELINE_HEALTH_TTL = 10


def pipeline_banner(request: HttpRequest) -> dict[str, Any]:
    """`pipeline_health` and `network_verdict` on the overview (None elsewhere), each computed
    only if a template reads it."""
    return {
        "pipeline_health": SimpleLazyObject(lambda: _overview_health(request)),
        "network_verdict": SimpleLazyObject(lambda: _network_verdict(request)),
    }


def _network_verdict(request: HttpRequest) -> network.NetworkVerdict | None:
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in OVERVIEW_VIEWS:
        return None
    return network_verdict_now()


def network_verdict_now() -> network.NetworkVerdict | None:
    """Whether our own network looks down, or None (also when the database cannot say)."""
    try:
        return network.our_network_down(timezone.now())
    except DatabaseError:
        logger.exception("network verdict unavailable")
        return None


def _overview_health(request: HttpRequest) -> health.PipelineHealth | None:
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in OVERVIEW_VIEWS:
        return None
    return pipeline_health_now()


PIPELINE_HEALTH_KEY = ("pipeline-health",)


def pipeline_health_now() -> health.PipelineHealth | None:
    """The pipeline's health (None when the database cannot say), shared by every viewer for a
    few seconds: "behind" takes 30 s without news at least."""
    return history_cache.cached(PIPELINE_HEALTH_KEY, check_pipeline_health, ttl=PIPELINE_HEALTH_TTL)


def check_pipeline_health() -> health.PipelineHealth | None:
    try:
        return health.check_pipeline(
            timezone.now(), client=_shared_client(settings.CELERY_BROKER_URL)
        )
    except DatabaseError:
        logger.exception("pipeline health unavailable")
        return None


@functools.lru_cache(maxsize=4)
def _shared_client(broker_url: str) -> redis.Redis:
    """One client (and its pool of connections) per process and broker, not one per request:
    connecting anew took longer than the rest of a cached overview."""
    return redis_client()
