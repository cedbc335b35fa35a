"""The provider's own last word on an incident that left a page listing every open one.

A resolved incident drops out of Statuspage's `summary.json` together with its final update,
so the last text we hold is the one before it ("We are failing over"). Before recording such a
poll we ask the incident's own endpoint (Statuspage `/api/v2/incidents/<id>.json`; incident.io's
compatible `/api/v2/incidents.json`) for its resolution. The fetch goes through the one HTTP
seam, within what is left of the poll's time budget, and failing it loses nothing: recording
resolves the incident with what it has and marks it pending, later polls ask again a few
times, and a feed of the same page may bring the text first (probes.status.matching).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings

from probes import outbound
from probes.models import Incident, Source
from probes.parsers import ParseError
from probes.parsers.payload import ParseTimeout, time_budget
from probes.parsers.statuspage import parse_incident_document
from probes.parsers.types import IncidentStatus, ParsedIncident, ParsedPage

logger = logging.getLogger(__name__)

# Formats whose incidents have an endpoint of their own, and how to reach it from the
# source's URL (`.../api/v2/summary.json`).
_API_BASE = re.compile(r"^(https?://[^?#]*?/api/v2/)[^?#]*$")
RESOLVABLE_FORMATS = frozenset({"statuspage", "incidentio"})
# At most this many incidents are asked about per poll; the rest wait for the next one.
MAX_PER_POLL = 3
# A pending resolution is asked for this many times in all, while the incident is this recent.
MAX_TRIES = 3
RETRY_WINDOW = timedelta(hours=24)
# Not worth starting a request with less time than this left in the poll's budget.
MIN_SECONDS_LEFT = 1.0

CLOSING_STATUSES = [IncidentStatus.RESOLVED.value, IncidentStatus.COMPLETED.value]
#: Incident.details key: {"pending": bool, "tries": int} while the final text is awaited.
PENDING_KEY = "resolution_fetch"

#: What the fetch found, by the stored incident's external id: the incident as its endpoint
#: describes it, or None when asking failed. Incidents not asked about are absent.
Resolutions = dict[str, ParsedIncident | None]


def fetch_resolutions(
    source: Source, page: ParsedPage | None, *, at: datetime, deadline: float
) -> Resolutions:
    """Ask the page for the final word on incidents that need it; never raises.

    Those are the source's open incidents that `page` (a page listing every open incident) no
    longer lists, then incidents resolved earlier whose text is still pending. `deadline` is a
    time.monotonic() value: the end of the poll's HTTP budget.
    """
    base = _api_base(source)
    if base is None:
        return {}
    wanted = _wanted(source, page, at=at)[:MAX_PER_POLL]
    if not wanted:
        return {}
    if source.format == "incidentio":
        # incident.io has no per-incident endpoint in its compatible API: one list holds them.
        if not _time_left(deadline):
            return {}
        found = _ask(base + "incidents.json", deadline) or ()
        return {external_id: _pick(found, external_id) for external_id in wanted}
    results: Resolutions = {}
    for external_id in wanted:
        if not _time_left(deadline):
            break
        found = _ask(f"{base}incidents/{external_id}.json", deadline) or ()
        results[external_id] = _pick(found, external_id)
    return results


def awaits_text(source: Source, incident: Incident) -> bool:
    """Whether `incident`, closing because it left the page, still lacks the provider's
    closing text that a later ask could bring."""
    if _api_base(source) is None or incident.is_maintenance:
        return False
    return not incident.updates.filter(status__in=CLOSING_STATUSES).exists()


def mark_pending(incident: Incident, *, asked: bool) -> None:
    """Note on `incident` (not saved) that its final text is still awaited."""
    tries = 1 if asked else 0
    incident.details = {**incident.details, PENDING_KEY: {"pending": True, "tries": tries}}


def note_failed_try(incident: Incident) -> None:
    """One more failed ask (not saved); after MAX_TRIES we stop asking."""
    state = incident.details.get(PENDING_KEY) or {}
    tries = int(state.get("tries", 0)) + 1
    incident.details = {
        **incident.details,
        PENDING_KEY: {"pending": tries < MAX_TRIES, "tries": tries},
    }


def clear_pending(incident: Incident) -> bool:
    """The final text arrived: forget the pending mark (not saved). True if there was one."""
    if PENDING_KEY not in incident.details:
        return False
    incident.details = {k: v for k, v in incident.details.items() if k != PENDING_KEY}
    return True


def _api_base(source: Source) -> str | None:
    if source.format not in RESOLVABLE_FORMATS:
        return None
    match = _API_BASE.match(source.url)
    return match.group(1) if match else None


def _wanted(source: Source, page: ParsedPage | None, *, at: datetime) -> list[str]:
    wanted: list[str] = []
    if page is not None and page.lists_all_open_incidents:
        seen = {key for i in page.incidents for key in (i.external_id, *i.aliases)}
        vanished = (
            Incident.objects.open()
            .filter(source=source, is_maintenance=False)
            .exclude(external_id__in=seen)
            # A feed of the same page may have brought the closing text already.
            .exclude(updates__status__in=CLOSING_STATUSES)
            .order_by("started_at", "pk")
            .values_list("external_id", "aliases")
        )
        wanted += [eid for eid, aliases in vanished if not seen.intersection(aliases or ())]
    pending = (
        Incident.objects.filter(
            source=source,
            resolved_at__gte=at - RETRY_WINDOW,
            **{f"details__{PENDING_KEY}__pending": True},
        )
        .order_by("-resolved_at", "pk")
        .values_list("external_id", flat=True)
    )
    wanted += [external_id for external_id in pending if external_id not in wanted]
    return wanted


def _time_left(deadline: float) -> bool:
    return deadline - time.monotonic() >= MIN_SECONDS_LEFT


def _ask(url: str, deadline: float) -> tuple[ParsedIncident, ...] | None:
    left = max(deadline - time.monotonic(), MIN_SECONDS_LEFT)
    defaults = outbound.Limits.from_settings()
    limits = replace(
        defaults,
        connect_timeout=min(defaults.connect_timeout, left),
        read_timeout=min(defaults.read_timeout, left),
        total_timeout=left,
    )
    try:
        fetched = outbound.fetch(url, limits=limits)
        if fetched.status_code != 200:
            logger.info("resolution fetch: HTTP %s from %s", fetched.status_code, url)
            return None
        with time_budget(settings.AIWATCH_PARSE_SECONDS):
            return parse_incident_document(fetched.content)
    except (outbound.FetchError, ParseError, ParseTimeout) as error:
        logger.info("resolution fetch from %s failed: %s", url, error)
        return None


def _pick(found: Iterable[ParsedIncident], external_id: str) -> ParsedIncident | None:
    for incident in found:
        if external_id in (incident.external_id, *incident.aliases):
            return incident
    return None
