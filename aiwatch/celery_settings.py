"""Celery's settings but the broker's address (aiwatch/settings.py, which star-imports these).

Kept apart so that settings.py stays under the layout limit; read with settings.py's own
readers (aiwatch/environment.py).
"""

from __future__ import annotations

from kombu import Queue

from aiwatch.environment import envint

__all__ = [
    "CELERY_ACCEPT_CONTENT",
    "CELERY_BROKER_CONNECTION_MAX_RETRIES",
    "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP",
    "CELERY_BROKER_TRANSPORT_OPTIONS",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ACKS_LATE",
    "CELERY_TASK_DEFAULT_QUEUE",
    "CELERY_TASK_IGNORE_RESULT",
    "CELERY_TASK_QUEUES",
    "CELERY_TASK_REJECT_ON_WORKER_LOST",
    "CELERY_TASK_ROUTES",
    "CELERY_TASK_SERIALIZER",
    "CELERY_TASK_SOFT_TIME_LIMIT",
    "CELERY_TASK_TIME_LIMIT",
    "CELERY_TIMEZONE",
    "CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS",
    "CELERY_WORKER_HIJACK_ROOT_LOGGER",
    "CELERY_WORKER_MAX_TASKS_PER_CHILD",
    "CELERY_WORKER_PREFETCH_MULTIPLIER",
]

CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
# No result backend: tasks record their outcome in the database.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat's dispatcher and the alert deliveries have a queue of their own, which every worker
# consumes too (a worker consumes every queue listed here, taking them in turn). In one queue
# with the poll batches, a tick waited behind the whole backlog of a round of changed pages
# and expired: sources due meanwhile were claimed late, and all in one tick; an alert waited
# for the round to end. Now each waits for one batch at most.
CELERY_TASK_QUEUES = (Queue("control"), Queue("celery"))
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "probes.dispatch_due_polls": {"queue": "control"},
    "alerts.deliver_pending": {"queue": "control"},
}
# A poll is at most AIWATCH_HTTP_TOTAL_TIMEOUT (20 s) of HTTP plus AIWATCH_PARSE_SECONDS (10 s)
# of parsing plus one short transaction; anything slower is stuck. The soft limit raises inside
# the task so it ends cleanly; the hard limit kills the child process. A task stopped by either
# is acknowledged as failed (task_acks_on_failure_or_timeout, on by default), not redelivered.
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 90)
# Acknowledge after the task ran, so a worker killed mid-poll leaves the message to be
# redelivered; tasks are idempotent (claims and recording compare before they write), so
# running one twice records every transition once.
CELERY_TASK_ACKS_LATE = True
# A child killed outright (SIGKILL, out of memory) puts its message back instead of dropping it.
# The usual risk, a poison message looping forever, is bounded here: poll messages expire
# (probes.tasks: `expires`), and an expired message is discarded on redelivery.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per worker process: a long poll does not hold back others queued
# behind it, and a killed worker has at most one unacknowledged message to give back.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged message after this many seconds; it must exceed the
# longest task (the hard limit, 90 s) or a slow task would run twice at once. aiwatch.checks
# refuses a configuration where it does not.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 600),
    # Workers look for such abandoned messages every 10 s (kombu's default scans only every
    # 10th look, i.e. every 100 s). A poll message outliving its `expires` is dropped when it
    # comes back; the dispatcher's next claim polls that source again, so a poll lost with a
    # worker costs at most one interval and never records a transition twice.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# Keep reconnecting to Redis for as long as it is away (the default gives up after 100 tries):
# the pipeline must come back by itself after a Redis restart.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# When the broker connection drops, stop the tasks that will be redelivered anyway instead of
# letting them finish alongside their redelivered copy.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Restart each child after this many tasks, so a slow leak in a parser cannot grow forever.
CELERY_WORKER_MAX_TASKS_PER_CHILD = envint("CELERY_WORKER_MAX_TASKS_PER_CHILD", 500)
