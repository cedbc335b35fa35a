"""`/metrics` in Prometheus text format, computed from the database at scrape time.

A custom collector rather than counters kept in memory: every gunicorn worker answers the
same, and nothing is lost when a process restarts. One scrape costs a fixed number of queries
whatever the number of providers and sources (tests/dashboard/test_metrics.py counts them).
States are exposed the way kube-state-metrics exposes phases: one series per state, 1 for the
current one and 0 for the others, so `aiwatch_provider_status{status="major_outage"} == 1`
is an alert rule.
"""

from __future__ import annotations

import hmac
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from aiwatch.redis_client import redis_client
from alerts.models import Delivery
from dashboard import our_stack, summaries
from dashboard.api.access import bearer_secret, identify, unauthorized
from probes import health
from probes.models import Incident, ObservedTransition, ProbeRollup, Provider
from probes.observe import detection, reports
from probes.parsers.types import Status
from probes.stack.state import FeatureState

STATES = [status.value for status in Status]
FEATURE_STATES = [state.value for state in FeatureState]
IMPACTS = ["none", "minor", "major", "critical"]
# Detection lead looks this far back for the last incident our probes saw coming.
LEAD_DAYS = 30
ERROR_CLASS = re.compile(r"^\s*(\w+)(?: failed)?(?: \(([\w\- ]+)\))?")


def reason_class(last_error: str) -> str:
    """A short, bounded label for a poll error: 'fetch_timeout', 'parse', … ('none' if ok)."""
    if not last_error:
        return "none"
    match = ERROR_CLASS.match(last_error.lower())
    if match is None:
        return "other"
    return "_".join(part.replace(" ", "_") for part in match.groups() if part)[:40]


def one_hot(
    family: GaugeMetricFamily, labels: list[str], current: str, states: Iterable[str]
) -> None:
    for state in states:
        family.add_metric([*labels, state], 1.0 if state == current else 0.0)


def last_leads(provider_ids: list[int], *, now: datetime) -> dict[int, float]:
    """Detection lead (seconds) of each provider's latest incident our probes saw, batched.

    The same rule as probes.observe.detection.detection_for, for every provider in three
    queries instead of three per provider.
    """
    since = now - timedelta(days=LEAD_DAYS)
    window = timedelta(minutes=settings.AIWATCH_DETECTION_WINDOW_MINUTES)
    timelines: dict[int, list[tuple[datetime, Status]]] = defaultdict(list)
    for provider_id, at, status in (
        ObservedTransition.objects.filter(
            provider_id__in=provider_ids, source__isnull=True, at__gte=since
        )
        .order_by("provider_id", "at", "pk")
        .values_list("provider_id", "at", "new_status")
    ):
        timelines[provider_id].append((at, summaries.as_status(status)))
    official: dict[int, list[detection.OfficialIncident]] = defaultdict(list)
    for incident in (
        Incident.objects.filter(provider_id__in=list(timelines))
        .overlapping(since - window, now + window)
        .prefetch_related("updates")
    ):
        posts = [update.at for update in incident.updates.all()]
        official[incident.provider_id].append(
            detection.OfficialIncident(
                pk=incident.pk,
                title=incident.title,
                started_at=incident.started_at,
                first_post_at=min(posts) if posts else incident.started_at,
                resolved_at=incident.resolved_at,
                is_maintenance=incident.is_maintenance,
                external_id=incident.external_id,
            )
        )
    leads: dict[int, float] = {}
    for provider_id, timeline in timelines.items():
        found, _ = detection.match_incidents(
            detection.outage_episodes(timeline), official[provider_id], window=window, now=now
        )
        if found:
            latest = max(found, key=lambda lead: lead.incident.started_at)
            leads[provider_id] = latest.lead.total_seconds()
    return leads


def latest_latencies(now: datetime) -> dict[int, ProbeRollup]:
    """Each probe's latest hourly rollup from the last two hours (one query)."""
    latest: dict[int, ProbeRollup] = {}
    for rollup in ProbeRollup.objects.filter(
        period=ProbeRollup.Period.HOUR, start__gte=now - timedelta(hours=2)
    ).order_by("start"):
        latest[rollup.source_id] = rollup
    return latest


class AIWatchCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        providers = list(Provider.objects.for_dashboard())
        rows = [summaries.summarise_provider(provider, now=now) for provider in providers]
        bursts = reports.bursts(providers, now=now)

        status = GaugeMetricFamily(
            "aiwatch_provider_status",
            "The provider's headline status: 1 for the current state, 0 for the others.",
            labels=["provider", "status"],
        )
        observed = GaugeMetricFamily(
            "aiwatch_provider_observed_status",
            "What our own probes see (unknown when they are silent): 1 for the current state.",
            labels=["provider", "status"],
        )
        components = GaugeMetricFamily(
            "aiwatch_component_status",
            "Each component's official status: 1 for the current state, 0 for the others.",
            labels=["provider", "component", "status"],
        )
        incidents = GaugeMetricFamily(
            "aiwatch_open_incidents",
            "Open incidents (not maintenance) by impact.",
            labels=["provider", "impact"],
        )
        age = GaugeMetricFamily(
            "aiwatch_source_last_success_age_seconds",
            "Seconds since the source was last read successfully.",
            labels=["provider", "source", "kind"],
        )
        failures = GaugeMetricFamily(
            "aiwatch_source_consecutive_failures",
            "Failed polls in a row, by the class of the last error.",
            labels=["provider", "source", "kind", "reason"],
        )
        latency = GaugeMetricFamily(
            "aiwatch_probe_latency_ms",
            "Probe latency over the latest hour (from the hourly rollups).",
            labels=["provider", "source", "quantile"],
        )
        team = GaugeMetricFamily(
            "aiwatch_team_reports",
            "Team reports about the provider in the current window.",
            labels=["provider"],
        )
        lead = GaugeMetricFamily(
            "aiwatch_detection_lead_seconds",
            "How long before the provider's first post our probes confirmed its latest incident.",
            labels=["provider"],
        )
        rollups = latest_latencies(now)
        for summary in rows:
            provider = summary.provider
            one_hot(status, [provider.slug], summary.status.value, STATES)
            if summary.observed is not None and summary.observed.has_probes:
                one_hot(observed, [provider.slug], summary.observed.status.value, STATES)
            for component in summary.components:
                if not component.is_group:
                    one_hot(components, [provider.slug, component.name], component.status, STATES)
            impacts = [item.incident.impact for item in summary.active_incidents]
            for impact in IMPACTS:
                incidents.add_metric([provider.slug, impact], float(impacts.count(impact)))
            # Prefetched by for_dashboard().
            for source in provider.enabled_sources:  # type: ignore[attr-defined]
                labels = [provider.slug, str(source.pk), source.kind]
                if source.last_success_at is not None:
                    age.add_metric(labels, (now - source.last_success_at).total_seconds())
                failures.add_metric(
                    [*labels, reason_class(source.last_error)], float(source.consecutive_failures)
                )
                rollup = rollups.get(source.pk)
                if rollup is not None:
                    for quantile, value in (("0.5", rollup.p50_ms), ("0.95", rollup.p95_ms)):
                        if value is not None:
                            latency.add_metric([provider.slug, str(source.pk), quantile], value)
            burst = bursts.get(provider.pk)
            team.add_metric([provider.slug], float(burst.recent if burst else 0))
        for provider_id, seconds in last_leads([p.pk for p in providers], now=now).items():
            slug = next(p.slug for p in providers if p.pk == provider_id)
            lead.add_metric([slug], seconds)
        yield from (status, observed, components, incidents, age, failures, latency, team, lead)
        yield self.features({summary.provider.slug: summary for summary in rows}, now)
        yield from self.pipeline(now)

    def features(
        self, by_slug: dict[str, summaries.ProviderSummary], now: datetime
    ) -> GaugeMetricFamily:
        """The team's features, as the overview says them (five queries, however many)."""
        family = GaugeMetricFamily(
            "aiwatch_feature_state",
            "Each of the team's features: 1 for its current state (working, degraded, down, "
            "unknown), 0 for the others.",
            labels=["feature", "criticality", "state"],
        )
        for row in our_stack.feature_rows(by_slug, now=now):
            labels = [row.feature.slug, row.feature.criticality]
            one_hot(family, labels, row.view.state.value, FEATURE_STATES)
        return family

    def pipeline(self, now: datetime) -> Iterator[Metric]:
        deliveries = GaugeMetricFamily(
            "aiwatch_outbox_deliveries",
            "Alert deliveries waiting to be sent (pending) or given up on (failed).",
            labels=["state"],
        )
        counts = dict(
            Delivery.objects.filter(state__in=[Delivery.State.PENDING, Delivery.State.FAILED])
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        for state in (Delivery.State.PENDING, Delivery.State.FAILED):
            deliveries.add_metric([state.value], float(counts.get(state.value, 0)))
        yield deliveries
        try:
            last = health.last_dispatch(redis_client())
        except redis.RedisError:
            last = None  # Redis away: no lag to report (the up metric says why)
            up = 0.0
        else:
            up = 1.0
        yield GaugeMetricFamily(
            "aiwatch_redis_up", "1 when the broker's Redis answered this scrape.", value=up
        )
        lag = GaugeMetricFamily(
            "aiwatch_dispatcher_lag_seconds",
            "Seconds since the dispatcher last ran (beat's heartbeat); absent if never seen.",
        )
        if last is not None:
            lag.add_metric([], (now - last).total_seconds())
        yield lag


def registry() -> CollectorRegistry:
    # Our own registry: no process or platform collectors, whose values differ per worker.
    found = CollectorRegistry(auto_describe=False)
    found.register(AIWatchCollector())
    return found


def may_scrape(request: HttpRequest) -> bool:
    """AIWATCH_METRICS_TOKEN, when set, is required; otherwise /metrics is open like the pages."""
    expected = settings.AIWATCH_METRICS_TOKEN
    if expected:
        given = bearer_secret(request) or ""
        return hmac.compare_digest(given.encode(), expected.encode())
    return identify(request, require_login=settings.AIWATCH_REQUIRE_LOGIN) is not None


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        return unauthorized()
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
