"""Cached page parts, keyed by the data they come from, so a change invalidates them by itself.

A key holds the newest status change id, the newest incident edit and the newest incident
update id (of one provider, or of all). The poll that records a change moves one of them, so
the next request misses and recomputes; nothing has to delete entries. Parts that also move
with the clock (an ongoing outage's minutes, today's uptime) live `TTL` seconds at most.

The cache is Django's (settings.CACHES: the Redis the broker uses). Should it be unreachable,
pages compute their parts directly instead of failing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import redis
from django.core.cache import cache
from django.db import connection
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone, translation

from aiwatch.code_version import code_version
from alerts.models import Playbook
from probes.models import (
    Acknowledgement,
    Drill,
    Feature,
    Incident,
    IncidentUpdate,
    ObservedTransition,
    ProbeResult,
    Provider,
    Source,
    StatusChange,
    TeamReport,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Seconds a cached part may lag the clock (not the data: data changes move the key).
TTL = 60


def _quoted(*models: type[Model]) -> list[str]:
    return [connection.ops.quote_name(model._meta.db_table) for model in models]


def history_version() -> str:
    """The newest change anywhere, in one query over primary-key and indexed maxima."""
    changes, incidents, updates = _quoted(StatusChange, Incident, IncidentUpdate)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {changes}), (SELECT MAX(updated_at) FROM {incidents}),"
            f" (SELECT MAX(id) FROM {incidents}), (SELECT MAX(id) FROM {updates})"
        )
        row = cursor.fetchone()
    return "-".join(str(value) for value in row)


def provider_version(provider: Provider) -> str:
    """The newest change of one provider (its transitions, incidents and their updates)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_provider_columns('%s')}", [provider.pk] * 4)
        row = cursor.fetchone()
    return "-".join(str(value) for value in row)


def _provider_columns(provider_id: str) -> str:
    """`provider_version()`'s columns, for the provider whose id the SQL `provider_id` gives
    (it is used four times)."""
    changes, incidents, updates = _quoted(StatusChange, Incident, IncidentUpdate)
    return (
        f"(SELECT MAX(id) FROM {changes} WHERE provider_id = {provider_id}),"
        f" (SELECT MAX(updated_at) FROM {incidents} WHERE provider_id = {provider_id}),"
        f" (SELECT MAX(id) FROM {incidents} WHERE provider_id = {provider_id}),"
        # Per incident of the provider, through the updates' incident index: a join let
        # PostgreSQL read every update of every provider (seen by bench/pages.py's EXPLAIN).
        f" (SELECT MAX((SELECT MAX(u.id) FROM {updates} u WHERE u.incident_id = i.id))"
        f" FROM {incidents} i WHERE i.provider_id = {provider_id})"
    )


def state_and_history_version() -> tuple[str, str]:
    """`state_version()` and `history_version()` in one query: the first four of the state's
    columns are the history's."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_state_columns()}")
        row = cursor.fetchone()
    return "-".join(str(value) for value in row), "-".join(str(value) for value in row[:4])


def state_and_provider_version(slug: str) -> tuple[str, str]:
    """`state_version()` and the `provider_version()` of the provider `slug` names, in one
    query (a provider page's keys)."""
    (providers,) = _quoted(Provider)
    provider_id = f"(SELECT id FROM {providers} WHERE slug = %s)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_state_columns()}, {_provider_columns(provider_id)}", [slug] * 4)
        row = cursor.fetchone()
    *state, changes, edited, incident, update = row
    return (
        "-".join(str(value) for value in state),
        "-".join(str(value) for value in (changes, edited, incident, update)),
    )


def state_version() -> str:
    """`_state_columns()` read in one query: the key of every page part a status is on."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_state_columns()}")
        row = cursor.fetchone()
    return "-".join(str(value) for value in row)


@dataclass(frozen=True, slots=True)
class OverviewState:
    """What the overview reads before anything else, in one query."""

    # state_version()
    version: str
    # The newest probe result, its verdict and message only: our network can only look down
    # when it says so (probes.observe.network.blames_us).
    newest_probe: ProbeResult | None
    # Drills under way: none (nearly always) spares the overview reading them.
    running_drills: int


def overview_state() -> OverviewState:
    (results, drills) = _quoted(ProbeResult, Drill)
    newest = f"FROM {results} ORDER BY at DESC, id DESC LIMIT 1"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_state_columns()}, (SELECT verdict {newest}),"
            f" (SELECT SUBSTR(message, 1, 200) {newest}),"
            f" (SELECT COUNT(*) FROM {drills} WHERE ended_at IS NULL)"
        )
        *row, verdict, message, running = cursor.fetchone()
    probe = None if verdict is None else ProbeResult(verdict=verdict, message=message)
    return OverviewState("-".join(str(value) for value in row), probe, int(running))


def _state_columns() -> str:
    """Everything a status on the overview or a provider page is computed from, in one query.

    Status changes (the provider's and every component's), incident edits and updates, observed
    transitions, which sources fail and since when, team reports, acknowledgements, drills,
    and what the admin edits (providers, sources switched on or off, features, playbooks). A
    poll that changes what a page says moves one of them. What only the clock moves (a source
    going stale, "updated 2 min ago") is left to `TTL`.
    """
    (
        changes,
        incidents,
        updates,
        observed,
        sources,
        reports,
        acks,
        drills,
        providers,
        features,
        playbooks,
    ) = _quoted(
        StatusChange,
        Incident,
        IncidentUpdate,
        ObservedTransition,
        Source,
        TeamReport,
        Acknowledgement,
        Drill,
        Provider,
        Feature,
        Playbook,
    )
    return (
        f"(SELECT MAX(id) FROM {changes}),"
        f" (SELECT MAX(updated_at) FROM {incidents}), (SELECT MAX(id) FROM {incidents}),"
        f" (SELECT MAX(id) FROM {updates}), (SELECT MAX(id) FROM {observed}),"
        # A source starting or ceasing to fail moves the count, the sum or the newest start.
        f" (SELECT COUNT(*) FROM {sources} WHERE last_error <> ''),"
        f" (SELECT SUM(id) FROM {sources} WHERE last_error <> ''),"
        f" (SELECT MAX(error_since) FROM {sources} WHERE last_error <> ''),"
        f" (SELECT COUNT(*) FROM {sources} WHERE enabled),"
        f" (SELECT SUM(id) FROM {sources} WHERE enabled),"
        f" (SELECT MAX(id) FROM {reports}), (SELECT MAX(id) FROM {acks}),"
        f" (SELECT MAX(id) FROM {drills}),"
        f" (SELECT COUNT(*) FROM {drills} WHERE ended_at IS NULL),"
        f" (SELECT MAX(updated_at) FROM {providers}),"
        f" (SELECT COUNT(*) FROM {providers} WHERE enabled),"
        f" (SELECT MAX(updated_at) FROM {features}), (SELECT COUNT(*) FROM {features}),"
        f" (SELECT MAX(updated_at) FROM {playbooks}), (SELECT COUNT(*) FROM {playbooks})"
    )


# The filters a list is kept whole for. A search's words (`q`) and a page's cursor are rarely
# asked twice, and any other parameter changes nothing but the key: keeping every such answer
# would let any caller fill the Redis the broker shares with pages nobody reads again.
KEPT_PARAMETERS = frozenset({"provider", "impact", "since", "until", "limit", "days", "page"})


def is_worth_keeping(request: HttpRequest) -> bool:
    """Whether a whole answer to `request` is worth keeping for the next viewer."""
    return all(name in KEPT_PARAMETERS and len(values) == 1 for name, values in request.GET.lists())


def cache_key(parts: tuple[object, ...]) -> str:
    """The cache key of `parts` in the current language and time zone, for this release."""
    raw = "|".join(
        str(part)
        for part in (
            *parts,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            code_version(),
        )
    )
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def cached_many(entries: Sequence[tuple[tuple[object, ...], Callable[[], Any], int]]) -> list[Any]:
    """What `cached(parts, compute, ttl=ttl)` gives for each (parts, compute, ttl), read from
    the cache in one round trip."""
    keys = [cache_key(parts) for parts, _, _ in entries]
    try:
        found = cache.get_many(keys)
    except (redis.RedisError, OSError) as error:  # Redis away: compute instead
        logger.warning("page cache unreadable: %s", error)
        return [compute() for _, compute, _ in entries]
    values = []
    for key, (_, compute, ttl) in zip(keys, entries, strict=True):
        if key not in found:
            found[key] = compute()
            try:
                cache.set(key, found[key], ttl)
            except (redis.RedisError, OSError) as error:
                logger.warning("page cache unwritable: %s", error)
        values.append(found[key])
    return values


def cached(
    parts: tuple[object, ...], compute: Callable[[], T], *, ttl: int = TTL, refresh: bool = False
) -> T:
    """`compute()`, or what it returned for the same `parts`, language and time zone within
    `ttl` s (times on pages are shown in the viewer's zone). `refresh`: compute and store anew
    whatever is cached (a page cached whole renders its parts fresh, so that nothing in it is
    older than `ttl`)."""
    key = cache_key(parts)
    try:
        found = None if refresh else cache.get(key)
    except (redis.RedisError, OSError) as error:  # Redis away: compute instead
        logger.warning("page cache unreadable: %s", error)
        return compute()
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    try:
        cache.set(key, value, ttl)
    except (redis.RedisError, OSError) as error:
        logger.warning("page cache unwritable: %s", error)
    return value
