"""Poll a batch of status pages: every fetch at once on one async client, then the recording.

One task per page paid a process wake-up, an event loop, a connection and a transaction for
each poll, even for the usual unchanged one. Here a batch of due pages is fetched concurrently
(as probes are, through the same `probes.outbound.fetch_async` and address policy), then each
changed page is parsed and recorded in its own transaction exactly as `polling.poll_source`
does, and the unchanged ones that only move their freshness are recorded together in one
transaction (`recording.record_unchanged_batch`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from probes import batch_reads, outbound
from probes.models import Source
from probes.status import polling, recording, scheduling
from probes.status.polling import PollResult
from probes.status.recording import Validators

logger = logging.getLogger(__name__)

Fetched = outbound.FetchResult | outbound.FetchError


def poll_batch(sources: Sequence[Source], *, now: datetime | None = None) -> dict[int, PollResult]:
    """Fetch every source of `sources` concurrently, then record each; results by source pk.

    Never raises for a bad page or a failed fetch (each is recorded on its source, as a single
    poll records it). A database error while recording one source is logged and the others are
    still recorded; that source stays due and is claimed again at its next interval.
    """
    if any(source.is_probe for source in sources):
        raise ValueError("probes run with probes.observe.probing, not as status pages")
    now = now or timezone.now()
    times = scheduling.poll_times(sources, now)
    fetched = asyncio.run(_fetch_all(sources))

    results: dict[int, PollResult] = {}
    validators: dict[int, Validators] = {}
    for source in sources:
        result = fetched[source.pk]
        if isinstance(result, outbound.FetchResult) and times[source.pk] == now:
            found = polling.unchanged_validators(source, result)
            if found is not None:
                validators[source.pk] = found
    unchanged = [source for source in sources if source.pk in validators]
    own = recording.needs_own_unchanged(unchanged, at=now) if unchanged else set()
    together = [source for source in unchanged if source.pk not in own]
    if together:
        entries = [(source, validators[source.pk]) for source in together]
        try:
            outcomes = recording.record_unchanged_batch(entries, at=now)
        except Exception:
            logger.exception("could not record %d unchanged polls together", len(entries))
        else:
            for source, outcome in zip(together, outcomes, strict=True):
                reason = "304 not modified" if _not_modified(fetched[source.pk]) else "same body"
                results[source.pk] = PollResult("unchanged", reason, outcome)
    with batch_reads.shared():
        _record_each(sources, fetched, times, results, skip=together)
    return results


def _record_each(
    sources: Sequence[Source],
    fetched: dict[int, Fetched],
    times: dict[int, datetime],
    results: dict[int, PollResult],
    *,
    skip: Sequence[Source],
) -> None:
    """Record every fetched source not in `results` or `skip`, one transaction each."""
    for source in sources:
        if source.pk in results or source in skip:
            continue
        result = fetched[source.pk]
        try:
            if isinstance(result, outbound.FetchError):
                results[source.pk] = polling.record_fetch_error(source, result, at=times[source.pk])
            else:
                # Each page has the HTTP budget a poll of its own has for the incident
                # endpoints asked after it.
                results[source.pk] = polling.record_fetched(
                    source,
                    result,
                    at=times[source.pk],
                    deadline=time.monotonic() + settings.AIWATCH_HTTP_TOTAL_TIMEOUT,
                )
        except SoftTimeLimitExceeded:
            raise  # the task records the polls left over
        except Exception:
            logger.exception("could not record the poll of source %s", source.pk)


async def _fetch_all(sources: Sequence[Source]) -> dict[int, Fetched]:
    limit = max(1, settings.AIWATCH_PROBE_CONCURRENCY)
    gate = asyncio.Semaphore(limit)

    async def one(client: object, source: Source) -> tuple[int, Fetched]:
        headers = {}
        if source.etag:
            headers["If-None-Match"] = source.etag
        if source.last_modified:
            headers["If-Modified-Since"] = source.last_modified
        async with gate:
            try:
                return source.pk, await outbound.fetch_async(
                    client,  # type: ignore[arg-type]
                    source.url,
                    headers=headers,
                )
            except outbound.FetchError as error:
                return source.pk, error

    async with outbound.async_client(max_connections=limit) as client:
        pairs = await asyncio.gather(*(one(client, source) for source in sources))
    return dict(pairs)


def _not_modified(result: Fetched) -> bool:
    return isinstance(result, outbound.FetchResult) and result.not_modified
