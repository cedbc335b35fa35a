"""Is the pipeline keeping up? Beat's heartbeat, the newest good poll, the queue length.

The dispatcher writes a heartbeat to Redis each tick. The overview banner and /readyz read it,
together with the newest successful poll and the number of messages waiting in Celery's queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import redis
from django.conf import settings
from django.db.models import Max, Min
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aiwatch.redis_client import redis_client
from probes.models import Source
from probes.status.scheduling import CLOCK_SLACK, is_fresh

HEARTBEAT_KEY = "aiwatch:dispatch:heartbeat"
# Celery's default queue: a Redis list of waiting messages.
QUEUE_KEY = "celery"
# "Behind" means this many dispatch ticks or poll intervals without news.
MISSED_BEATS = 3
# ...and never less than this for the scheduler: its tick is short (2 s), and during a
# cloud-wide incident a tick can wait behind batches of changed pages for several seconds.
# A banner saying beat stopped must not appear exactly when every page changes at once.
SCHEDULER_SILENCE_FLOOR = timedelta(seconds=30)


def scheduler_silence_allowed() -> timedelta:
    """How long the dispatcher may go without a tick before the pipeline counts as behind."""
    tick = timedelta(seconds=settings.AIWATCH_DISPATCH_SECONDS)
    return max(MISSED_BEATS * tick, SCHEDULER_SILENCE_FLOOR)


def record_dispatch_heartbeat(now: datetime, client: redis.Redis | None = None) -> None:
    """Note that the dispatcher ran at `now` (called by every tick of probes.dispatch_due_polls)."""
    (client or redis_client()).set(HEARTBEAT_KEY, now.timestamp(), ex=86400)


def last_dispatch(client: redis.Redis) -> datetime | None:
    value = client.get(HEARTBEAT_KEY)
    if value is None:
        return None
    return datetime.fromtimestamp(float(value), tz=UTC)


@dataclass
class PipelineHealth:
    """What is wrong with the pipeline right now; `problems` is empty when it keeps up."""

    problems: list[str] = field(default_factory=list)
    last_dispatch_at: datetime | None = None
    last_success_at: datetime | None = None
    queue_length: int | None = None

    @property
    def behind(self) -> bool:
        return bool(self.problems)


def _ago(moment: datetime, now: datetime) -> str:
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 1:
        return _("less than a minute ago")
    if minutes < 120:
        return ngettext("%(count)d minute ago", "%(count)d minutes ago", minutes) % {
            "count": minutes
        }
    return _("%(count)d hours ago") % {"count": minutes // 60}


def _from_the_future(what: str, moment: datetime) -> str:
    return _(
        "%(what)s is stamped %(moment)s UTC, in the future: the server clock went back, so how "
        "fresh the data is cannot be told until it catches up."
    ) % {"what": what, "moment": f"{moment:%Y-%m-%d %H:%M}"}


def check_pipeline(now: datetime, client: redis.Redis | None = None) -> PipelineHealth:
    """Compare the pipeline's last signs of life with `now`. Two queries and two Redis calls."""
    health = PipelineHealth()
    # Status sources only: probes have their own freshness (observed status goes stale).
    sources = (
        Source.objects.filter(enabled=True, provider__enabled=True)
        .status_pages()
        .aggregate(newest_success=Max("last_success_at"), shortest_interval=Min("interval_seconds"))
    )
    if sources["shortest_interval"] is None:
        return health  # nothing to poll yet: nothing can be behind
    health.last_success_at = sources["newest_success"]

    try:
        client = client or redis_client()
        health.last_dispatch_at = last_dispatch(client)
        health.queue_length = int(client.llen(QUEUE_KEY))
    except redis.RedisError:
        health.problems.append(_("Cannot reach Redis: no polls can be scheduled or run."))
        return health

    tick = timedelta(seconds=settings.AIWATCH_DISPATCH_SECONDS)
    if health.last_dispatch_at is None:
        health.problems.append(_("The scheduler (celery beat) has not run yet."))
    elif health.last_dispatch_at > now + CLOCK_SLACK:
        health.problems.append(
            _from_the_future(_("The scheduler's last run"), health.last_dispatch_at)
        )
    elif now - health.last_dispatch_at > scheduler_silence_allowed():
        health.problems.append(
            _("The scheduler (celery beat) last ran %(ago)s.")
            % {"ago": _ago(health.last_dispatch_at, now)}
        )

    interval = timedelta(seconds=sources["shortest_interval"])
    if health.last_success_at is None:
        health.problems.append(_("No source has been read successfully yet."))
    elif health.last_success_at > now + CLOCK_SLACK:
        # Not fresh: a read stamped in the future says nothing about how old the data is.
        health.problems.append(
            _from_the_future(_("The newest successful read"), health.last_success_at)
        )
    elif now - health.last_success_at > MISSED_BEATS * max(interval, tick):
        health.problems.append(
            _("No source has been read successfully since %(ago)s.")
            % {"ago": _ago(health.last_success_at, now)}
        )

    if health.queue_length > settings.AIWATCH_QUEUE_WARN:
        health.problems.append(
            _("%(count)d polls are waiting in the queue: the workers cannot keep up.")
            % {"count": health.queue_length}
        )
    return health


def beat_is_fresh(now: datetime, client: redis.Redis) -> bool:
    return is_fresh(last_dispatch(client), now, within=scheduler_silence_allowed())
