"""Run probes: many at once on one async HTTP client inside one call, then record the results.

Network first, database after: `run_probes` runs every probe of the batch concurrently (bounded
by AIWATCH_PROBE_CONCURRENCY), and only then, provider by provider, stores each ProbeResult and
applies it to observed status in one transaction. A Celery task per probe would cost a process
hop per request; one batch per dispatcher tick costs one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction

from probes import outbound
from probes.models import ObservedTransition, ProbeResult, Source
from probes.observe import inference, observed
from probes.observe.verdicts import (
    UP,
    ProbeOutcome,
    classify_http_status,
    discount_our_own_outage,
    outcome_for_fetch_error,
)
from probes.validation import Ranges, parse_expected_statuses

# Probes read a status code, not a page: a body this large is not an API front door.
PROBE_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """The fields of a probe Source the async code needs: no ORM access off the main thread."""

    source_id: int
    kind: str
    url: str
    method: str
    expected: Ranges
    timeout: float
    api_shape: str = ""
    api_key_env: str = ""
    model: str = ""
    max_tokens: int = 1
    stream: bool = False


def spec_for(source: Source) -> ProbeSpec:
    try:
        expected = parse_expected_statuses(source.expected_statuses)
    except ValueError:
        expected = ()  # admin validation refuses these; a bad value falls back to the default rule
    return ProbeSpec(
        source_id=source.pk,
        kind=source.kind,
        url=source.url,
        method=source.method or "GET",
        expected=expected,
        timeout=float(source.timeout_seconds),
        api_shape=source.api_shape,
        api_key_env=source.api_key_env,
        model=source.model,
        max_tokens=source.max_tokens,
        stream=source.stream,
    )


def probe_limits(timeout: float) -> outbound.Limits:
    return outbound.Limits(
        connect_timeout=min(timeout, settings.AIWATCH_HTTP_CONNECT_TIMEOUT),
        read_timeout=timeout,
        total_timeout=timeout,
        max_bytes=min(PROBE_MAX_BYTES, settings.AIWATCH_HTTP_MAX_BYTES),
        max_redirects=settings.AIWATCH_HTTP_MAX_REDIRECTS,
    )


async def run_probe(client: httpx.AsyncClient, spec: ProbeSpec) -> ProbeOutcome:
    """One probe through the HTTP seam. Never raises for a failed probe: failures are data."""
    limits = probe_limits(spec.timeout)
    if spec.kind == Source.Kind.INFERENCE:
        return await inference.run_inference_probe(
            client,
            url=spec.url,
            shape=spec.api_shape or "openai",
            model=spec.model,
            max_tokens=spec.max_tokens,
            stream=spec.stream,
            api_key_env=spec.api_key_env,
            limits=limits,
        )
    try:
        fetched = await outbound.fetch_async(client, spec.url, method=spec.method, limits=limits)
    except outbound.FetchError as error:
        return outcome_for_fetch_error(error)
    verdict, error_class = classify_http_status(fetched.status_code, spec.expected)
    return ProbeOutcome(
        verdict,
        error_class,
        fetched.status_code,
        fetched.elapsed.total_seconds() * 1000,
        message=f"HTTP {fetched.status_code}",
        retry_after=outbound.parse_retry_after(fetched.headers.get("retry-after", ""))
        if fetched.status_code == 429
        else None,
    )


async def run_specs(
    specs: Sequence[ProbeSpec], *, concurrency: int | None = None
) -> list[tuple[ProbeOutcome, float]]:
    """Run every spec on one client, at most `concurrency` at once.

    Returns (outcome, wall-clock start as a UNIX time) per spec, in the order given. Each
    probe's clock starts when its turn comes, and nothing another probe does can use it up.
    Meant to run on its own event loop (`run_probes` uses asyncio.run): it sets the loop's
    default executor.
    """
    limit = max(1, concurrency or settings.AIWATCH_PROBE_CONCURRENCY)
    gate = asyncio.Semaphore(limit)
    # The seam checks each address in a thread of the loop's default executor (a lookup may
    # block on DNS), inside the probe's timeout. A lookup that hangs keeps its thread after its
    # probe has timed out, so asyncio's own pool (CPU count + 4 threads) fills with them and
    # every later probe spends its whole timeout queueing for a thread before its request
    # starts: a few unresolvable hosts time out the batch, which then reads as our own network
    # being down. A thread per probe (made only when needed) bounds a hung lookup to its probe.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=max(1, len(specs)), thread_name_prefix="probe-lookup")
    )

    async def one(client: httpx.AsyncClient, spec: ProbeSpec) -> tuple[ProbeOutcome, float]:
        async with gate:
            started = time.time()
            return await run_probe(client, spec), started

    async with outbound.async_client(max_connections=limit) as client:
        return list(await asyncio.gather(*(one(client, spec) for spec in specs)))


@dataclass
class ProbeRun:
    source: Source
    result: ProbeResult
    transitions: list[ObservedTransition] = field(default_factory=list)


def run_probes(sources: Sequence[Source], *, now: datetime | None = None) -> list[ProbeRun]:
    """Run the probes of `sources` now, record every result, apply them to observed status.

    `now` pins the recorded time (tests); by default each result carries its own start time.
    Sources that are not probes are refused with ValueError: they are status pages.
    """
    not_probes = [source.pk for source in sources if not source.is_probe]
    if not_probes:
        raise ValueError(f"sources {not_probes} are not probes")
    specs = [spec_for(source) for source in sources]
    timed = asyncio.run(run_specs(specs)) if specs else []
    outcomes = discount_our_own_outage(
        [outcome for outcome, _ in timed], [source.provider_id for source in sources]
    )
    runs: list[ProbeRun] = []
    by_provider: dict[int, list[tuple[Source, ProbeOutcome, datetime]]] = {}
    for source, outcome, (_, started) in zip(sources, outcomes, timed, strict=True):
        at = now or datetime.fromtimestamp(started, tz=UTC)
        by_provider.setdefault(source.provider_id, []).append((source, outcome, at))
    for items in by_provider.values():
        runs.extend(record_probe_results(items))
    return runs


@transaction.atomic
def record_probe_results(items: Sequence[tuple[Source, ProbeOutcome, datetime]]) -> list[ProbeRun]:
    """Store results of one provider's probes and apply them to observed status, atomically."""
    runs = []
    for source, outcome, at in items:
        result = ProbeResult.objects.create(
            source=source,
            provider_id=source.provider_id,
            at=at,
            verdict=outcome.verdict,
            error_class=outcome.error_class,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            ttft_ms=outcome.ttft_ms,
            input_tokens=outcome.input_tokens,
            output_tokens=outcome.output_tokens,
            message=outcome.message[:500],
        )
        fields: dict[str, object] = {"last_polled_at": at}
        if outcome.verdict == UP:
            fields["last_success_at"] = at
        Source.objects.filter(pk=source.pk).update(**fields)
        if outcome.retry_after:
            # The server asked us to wait (429 Retry-After): the next claim comes no earlier.
            later = at + timedelta(seconds=outcome.retry_after)
            Source.objects.filter(pk=source.pk, next_poll_at__lt=later).update(next_poll_at=later)
        transitions = observed.apply_results(source)
        runs.append(ProbeRun(source, result, transitions))
    if items:
        provider_change = observed.refresh_provider_observed(
            items[0][0].provider_id, at=max(at for _, _, at in items)
        )
        if provider_change is not None:
            runs[-1].transitions.append(provider_change)
    return runs
