"""Cached page parts, keyed by the data they come from, so a change invalidates them by itself.

A key holds the newest status change id, the newest incident edit and the newest incident
update id (of one provider, or of all). The poll that records a change moves one of them, so
the next request misses and recomputes; nothing has to delete entries. Parts that also move
with the clock (an ongoing outage's minutes, today's uptime) live `TTL` seconds at most.

The cache is Django's (settings.CACHES: the Redis the broker uses). Should it be unreachable,
pages compute their parts directly instead of failing.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import redis
from django.core.cache import cache
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
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


def _read_row(sql: str, params: Sequence[str | int] | None = None) -> tuple[Any, ...]:
    """The one row `sql` reads: prepared on PostgreSQL (`_read_prepared`). No `params`, no
    placeholders looked for (in 1.5 KB of SQL on every request)."""
    with connection.cursor() as cursor:  # connects, as any query does
        if connection.vendor == "postgresql":
            return _read_prepared(sql, params)
        cursor.execute(sql, params)
        return cursor.fetchone()  # type: ignore[no-any-return]


def _read_prepared(sql: str, params: Sequence[str | int] | None) -> tuple[Any, ...]:
    """`sql`'s row, read by a server-binding cursor, which psycopg prepares once per
    connection (the connection's `prepare_threshold`, settings.DATABASES; Django's own cursors
    bind client-side and never prepare). Every cached request runs one of these statements, and
    most of its time was PostgreSQL parsing and planning twenty subqueries: 0.7-0.8 ms a run,
    0.25 prepared (50 providers x 365 days). Wrapped as Django wraps its own cursors, so the
    statement is counted, logged and its errors translated like any other."""
    import psycopg

    wrapper = _LoggedAsWritten if connection.queries_logged else CursorWrapper
    with wrapper(psycopg.Cursor(connection.connection), connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()  # type: ignore[no-any-return]


class _LoggedAsWritten(CursorDebugWrapper):
    """Django's logging cursor, for a statement psycopg runs prepared: Django reads what ran
    from the cursor, and psycopg keeps that only for a statement it did not prepare."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        import psycopg

        with self.debug_sql(psycopg.ClientCursor(self.cursor.connection).mogrify(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def _joined(values: Sequence[object]) -> str:
    return "-".join(str(value) for value in values)


def history_version() -> str:
    """The newest change anywhere, in one query over primary-key and indexed maxima."""
    changes, incidents, updates = _quoted(StatusChange, Incident, IncidentUpdate)
    return _joined(
        _read_row(
            f"SELECT (SELECT MAX(id) FROM {changes}), (SELECT MAX(updated_at) FROM {incidents}),"
            f" (SELECT MAX(id) FROM {incidents}), (SELECT MAX(id) FROM {updates})"
        )
    )


def provider_version(provider: Provider) -> str:
    """The newest change of one provider (its transitions, incidents and their updates)."""
    return _joined(_read_row(f"SELECT {_provider_columns('%s')}", [provider.pk] * 4))


@functools.cache
def _provider_columns(provider_id: str) -> str:
    """`provider_version()`'s columns, for the provider whose id the SQL `provider_id` gives
    (it is used four times)."""
    changes, incidents, updates = _quoted(StatusChange, Incident, IncidentUpdate)
    return (
        # Both maxima of ids through their (provider, id) indexes: PostgreSQL read the primary
        # key backwards instead, past every newer row of the other providers.
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
    row = _read_row(_state_query())
    return _joined(row), _joined(row[:4])


def state_and_provider_version(slug: str) -> tuple[str, str]:
    """`state_version()` and the `provider_version()` of the provider `slug` names, in one
    query (a provider page's keys)."""
    (providers,) = _quoted(Provider)
    provider_id = f"(SELECT id FROM {providers} WHERE slug = %s)"
    row = _read_row(_state_query(_provider_columns(provider_id)), [slug] * 4)
    return _joined(row[:-4]), _joined(row[-4:])


def state_version() -> str:
    """`_state_query()` read: the key of every page part a status is on."""
    return _joined(_read_row(_state_query()))


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
    *row, verdict, message, running = _read_row(
        _state_query(
            f"(SELECT verdict {newest})",
            f"(SELECT SUBSTR(message, 1, 200) {newest})",
            f"(SELECT COUNT(*) FROM {drills} WHERE ended_at IS NULL)",
        )
    )
    probe = None if verdict is None else ProbeResult(verdict=verdict, message=message)
    return OverviewState(_joined(row), probe, int(running))


# Built once: the same text on every request (psycopg knows the prepared statement by it).
@functools.cache
def _state_query(*extra: str) -> str:
    """Everything a status on the overview or a provider page is computed from, in one query,
    then the `extra` columns.

    Status changes (the provider's and every component's), incident edits and updates, observed
    transitions, which sources fail and since when, team reports, acknowledgements, drills,
    and what the admin edits (providers, sources switched on or off, features, playbooks). A
    poll that changes what a page says moves one of them. What only the clock moves (a source
    going stale, "updated 2 min ago") is left to `TTL`. The first four columns are
    `history_version()`'s.
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
    failing = "FILTER (WHERE last_error <> '')"
    columns = (
        f"(SELECT MAX(id) FROM {changes}),"
        f" (SELECT MAX(updated_at) FROM {incidents}), (SELECT MAX(id) FROM {incidents}),"
        f" (SELECT MAX(id) FROM {updates}), (SELECT MAX(id) FROM {observed}),"
        # A source starting or ceasing to fail moves the count, the sum or the newest start.
        " s.failing, s.failing_ids, s.failing_since, s.enabled, s.enabled_ids,"
        f" (SELECT MAX(id) FROM {reports}), (SELECT MAX(id) FROM {acks}),"
        f" (SELECT MAX(id) FROM {drills}),"
        f" (SELECT COUNT(*) FROM {drills} WHERE ended_at IS NULL),"
        f" (SELECT MAX(updated_at) FROM {providers}),"
        f" (SELECT COUNT(*) FROM {providers} WHERE enabled),"
        f" (SELECT MAX(updated_at) FROM {features}), (SELECT COUNT(*) FROM {features}),"
        f" (SELECT MAX(updated_at) FROM {playbooks}), (SELECT COUNT(*) FROM {playbooks})"
    )
    # The sources in one pass: counting the enabled ones reads them all anyway, and five
    # subqueries read the table five times (0.37 ms against 0.14 at 1,000 sources).
    sources_state = (
        f"SELECT COUNT(*) {failing} AS failing, SUM(id) {failing} AS failing_ids,"
        f" MAX(error_since) {failing} AS failing_since,"
        " COUNT(*) FILTER (WHERE enabled) AS enabled, SUM(id) FILTER (WHERE enabled) AS enabled_ids"
        f" FROM {sources}"
    )
    return f"SELECT {', '.join((columns, *extra))} FROM ({sources_state}) s"


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
