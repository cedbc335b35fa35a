"""Rows that every poll of a batch reads alike, read once for the whole batch.

A batch of polls (probes.status.batches.poll_batch) records one changed page after another,
and each poll with news writes an alert event that asks the same tables the same questions:
the team's channels, people's subscriptions, the features, the playbooks. None of them is
written by a poll. Inside `shared()`, `read_once(name, load)` loads a set of rows on its first
use and hands the same rows to the rest of the batch; outside it (a single poll, the admin, a
test) every call loads afresh.

The rows are as old as the batch (seconds): a channel added meanwhile hears from the next batch
on, as it would had the batch begun a moment earlier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_rows: ContextVar[dict[str, Any] | None] = ContextVar("probes.batch_reads", default=None)


@contextmanager
def shared() -> Iterator[None]:
    """Within this block, rows loaded by `read_once` are loaded once."""
    token = _rows.set({})
    try:
        yield
    finally:
        _rows.reset(token)


def read_once(name: str, load: Callable[[], T]) -> T:
    """`load()`, or what it returned under `name` earlier in the same `shared()` block.

    `load` must return rows no poll writes (configuration), in a form its callers only read.
    """
    rows = _rows.get()
    if rows is None:
        return load()
    if name not in rows:
        rows[name] = load()
    return rows[name]  # type: ignore[no-any-return]
