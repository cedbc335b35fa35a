"""Poll one source: fetch, parse, record. Network work happens before any transaction."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DataError
from django.utils import timezone

from probes import outbound
from probes.models import Source
from probes.parsers import PARSERS, REUSING_PARSERS, ParseError, detect_format
from probes.parsers.payload import ParseTimeout, refuse_xml_declarations, time_budget
from probes.parsers.types import ParsedPage
from probes.signals import PollOutcome
from probes.status import known_entries, recording, resolution, scheduling
from probes.status.recording import Validators

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollResult:
    """How a poll ended: "ok" (recorded), "unchanged" or "error", with a one-line message."""

    state: str
    message: str
    outcome: PollOutcome

    def __str__(self) -> str:
        return f"{self.state}: {self.message}" if self.message else self.state


def poll_source(source: Source, *, now: datetime | None = None) -> PollResult:
    """Fetch, parse and record one source. Never raises for a bad page: it records the error."""
    # A clock that went back must not record a transition before the ones already recorded.
    at = now or scheduling.poll_time(source, timezone.now())
    if source.is_probe:
        # Probes are not status pages: probes.observe.probing runs them and they never touch the
        # source's error state (which would make the official status unknown).
        raise ValueError(f"source {source.pk} is a probe; run it with probes.observe.probing")
    # The poll's HTTP budget, shared by the page and any incident endpoint asked after it.
    deadline = time.monotonic() + settings.AIWATCH_HTTP_TOTAL_TIMEOUT
    try:
        fetched = outbound.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
    except outbound.FetchError as error:
        return record_fetch_error(source, error, at=at)
    return record_fetched(source, fetched, at=at, deadline=deadline)


def record_fetch_error(source: Source, error: outbound.FetchError, *, at: datetime) -> PollResult:
    """A fetch that failed: the source shows why (and waits when the server asked it to)."""
    if error.retry_after:
        _postpone(source, at, error.retry_after)
    return _fail(source, f"fetch failed ({error.kind}): {error}", at)


def unchanged_validators(source: Source, fetched: outbound.FetchResult) -> Validators | None:
    """The validators to record when `fetched` says the page is as the last good poll read it
    (304, or the same body); None when it does not."""
    if fetched.not_modified:
        return Validators(fetched.etag, fetched.last_modified)
    if not 200 <= fetched.status_code < 300:
        return None
    body_hash = hashlib.sha256(fetched.content).hexdigest()
    if body_hash == source.body_hash and source.format and not source.is_failing:
        return Validators(fetched.etag, fetched.last_modified, body_hash)
    return None


def record_fetched(
    source: Source, fetched: outbound.FetchResult, *, at: datetime, deadline: float
) -> PollResult:
    """Parse and record what a fetch of `source` brought. Never raises for a bad page.

    `deadline` (time.monotonic()) bounds the incident endpoints asked after the page.
    """
    if fetched.not_modified:
        outcome = recording.record_unchanged(
            source,
            at=at,
            validators=Validators(fetched.etag, fetched.last_modified),
            resolutions=resolution.fetch_resolutions(source, None, at=at, deadline=deadline),
        )
        return PollResult("unchanged", "304 not modified", outcome)
    if fetched.status_code >= 400:
        retry_after = outbound.parse_retry_after(fetched.headers.get("retry-after", ""))
        if fetched.status_code == 429 and retry_after:
            _postpone(source, at, retry_after)
        return _fail(source, f"HTTP {fetched.status_code} from {fetched.url}", at)
    if not 200 <= fetched.status_code < 300:
        return _fail(source, f"unexpected HTTP {fetched.status_code} from {fetched.url}", at)

    body_hash = hashlib.sha256(fetched.content).hexdigest()
    validators = Validators(fetched.etag, fetched.last_modified, body_hash)
    if body_hash == source.body_hash and source.format and not source.is_failing:
        outcome = recording.record_unchanged(
            source,
            at=at,
            validators=validators,
            resolutions=resolution.fetch_resolutions(source, None, at=at, deadline=deadline),
        )
        return PollResult("unchanged", "same body as last time", outcome)

    try:
        with time_budget(settings.AIWATCH_PARSE_SECONDS):
            detected, page, already = parse_payload(source, fetched.content, body_hash=body_hash)
    except ParseError as error:
        return _fail(source, str(error), at)
    except ParseTimeout as error:
        return _fail(source, f"unreadable: {error}", at)
    except Exception as error:
        # A parser bug must not take the worker down or leave the source looking healthy:
        # the source shows the error (and so the provider shows unknown) until it is fixed.
        logger.exception("parser crashed on %s", source.url)
        return _fail(source, f"unreadable: parser failed ({type(error).__name__})", at)
    missing = recording.components_problem(source, page)
    if missing:
        # A valid page without the components we follow says nothing about them: worst of
        # nothing is not operational, so this is a source problem and earlier data stands.
        return _fail(source, missing, at)
    if detected and not source.detected_format:
        # First poll of an auto source: the endpoints to ask depend on the format just found.
        source.detected_format = detected
    resolutions = resolution.fetch_resolutions(source, page, at=at, deadline=deadline)
    try:
        outcome = recording.record_poll(
            source,
            page,
            at=at,
            validators=validators,
            detected_format=detected,
            resolutions=resolutions,
            already=already,
        )
    except (DataError, ValueError, OverflowError) as error:
        # A value the database will not take (too long, out of range): the transaction rolled
        # back, so earlier data stands; the source shows why.
        logger.exception("could not store the page from %s", source.url)
        return _fail(source, f"unstorable: {type(error).__name__}: {str(error)[:200]}", at)
    summary = f"{page.platform}: {len(page.components)} components, {len(page.incidents)} incidents"
    return PollResult("ok", summary, outcome)


def parse_payload(
    source: Source, content: bytes, *, body_hash: str
) -> tuple[str, ParsedPage, recording.AlreadyRecorded]:
    """Parse with the source's format, detecting it first when it is not known yet.

    Returns the detected format ("" when the kind was fixed), the page, and which of its
    incidents were read from the entries of a page recorded before (probes.status.
    known_entries). Raises ParseError with a reason that says whether the source's format
    changed.
    """
    filters = source.filters if isinstance(source.filters, dict) else {}
    # Before any parser: DTDs are how XML entity bombs and XXE work, and no format needs one.
    try:
        refuse_xml_declarations(content)
    except ParseError as error:
        raise ParseError(f"unreadable: {error}") from None
    if not source.format:
        try:
            return (*detect_format(content, filters), recording.AlreadyRecorded())
        except ParseError as error:
            raise ParseError(f"unreadable: {error}") from None
    parser = PARSERS.get(source.format)
    if parser is None:
        raise ParseError(f"unreadable: no parser for format {source.format!r}")
    try:
        reusing = REUSING_PARSERS.get(source.format)
        if reusing is not None:
            page, already = known_entries.parse_reusing(
                source, reusing, content, filters, body_hash=body_hash
            )
            return "", page, already
        return "", parser(content, filters), recording.AlreadyRecorded()
    except ParseError as error:
        if source.kind != Source.Kind.AUTO and source.last_success_at is None:
            # A chosen kind that never parsed: a wrong URL or kind, not a change.
            raise ParseError(f"unreadable: not {source.format} ({error})") from None
        try:
            now_looks_like, _ = detect_format(content, filters)
            hint = f"; it now looks like {now_looks_like}"
        except ParseError:
            hint = ""
        raise ParseError(
            f"unreadable: format changed: no longer {source.format} ({error}){hint}"
        ) from None


def _fail(source: Source, reason: str, at: datetime) -> PollResult:
    outcome = recording.record_failure(source, reason, at=at)
    return PollResult("error", reason, outcome)


def _postpone(source: Source, at: datetime, seconds: float) -> None:
    # The server asked us to wait (429 Retry-After): the next claim comes no earlier than that.
    later = at + timedelta(seconds=seconds)
    Source.objects.filter(pk=source.pk, next_poll_at__lt=later).update(next_poll_at=later)
