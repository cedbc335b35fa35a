"""Which sources are due, claimed atomically so two dispatchers never poll one source twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from probes.models import Source

# Enough for any realistic catalog in one tick; the rest waits for the next tick.
MAX_CLAIMS_PER_TICK = 500


def claim_due_sources(now: datetime, *, limit: int = MAX_CLAIMS_PER_TICK) -> list[int]:
    """Claim every due source and move its next poll time on; return the claimed ids.

    Each claim is a conditional UPDATE on the next_poll_at we read: if another dispatcher
    claimed the source in between, our UPDATE matches no row and we skip it.
    """
    due = (
        Source.objects.due(now)
        .order_by("next_poll_at")
        .values_list("pk", "next_poll_at", "interval_seconds")[:limit]
    )
    claimed = []
    for pk, next_poll_at, interval_seconds in due:
        won = Source.objects.filter(pk=pk, next_poll_at=next_poll_at).update(
            next_poll_at=now + timedelta(seconds=interval_seconds)
        )
        if won:
            claimed.append(pk)
    return claimed
