"""Our own network's verdict, as the probes recorded it: is it us, not the providers?

A probe batch in which no probe of any provider could connect is recorded with every result
inconclusive and its message starting with `OUR_NETWORK_DOWN` (`discount_our_own_outage` in
probes.observe.verdicts). Those rows, each with its time, are the record of the verdict; this
module reads it back for the overview's one banner. No new state: the rows are the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from probes.models import ProbeResult
from probes.observe.verdicts import INCONCLUSIVE, NETWORK_ERROR_CLASSES, OUR_NETWORK_DOWN

# The verdict holds while the newest probe result says so and is at most this old.
VERDICT_FRESH_FOR = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class NetworkVerdict:
    """Our probes' newest batch found no provider reachable at all."""

    # When the current run of such batches began, and the newest of them.
    since: datetime
    checked_at: datetime
    # Providers whose probes failed that way since then.
    providers: int


def our_network_down(now: datetime) -> NetworkVerdict | None:
    """The verdict if it holds now; None when the newest probe batch reached someone.

    At most three queries, whatever the number of providers.
    """
    newest = ProbeResult.objects.order_by("-at", "-pk").first()
    if newest is None or not blames_us(newest) or now - newest.at > VERDICT_FRESH_FOR:
        return None
    reached = (
        ProbeResult.objects.exclude(verdict=INCONCLUSIVE, message__startswith=OUR_NETWORK_DOWN)
        .filter(at__lte=newest.at)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    run = ProbeResult.objects.filter(verdict=INCONCLUSIVE, message__startswith=OUR_NETWORK_DOWN)
    if reached is not None:
        run = run.filter(at__gt=reached)
    since = run.order_by("at", "pk").values_list("at", flat=True).first() or newest.at
    providers = (
        ProbeResult.objects.filter(at__gte=since, message__startswith=OUR_NETWORK_DOWN)
        .values("provider_id")
        .distinct()
        .count()
    )
    return NetworkVerdict(since=since, checked_at=newest.at, providers=providers)


def blames_us(result: ProbeResult) -> bool:
    """The result is one of a batch that could reach no provider at all."""
    return result.verdict == INCONCLUSIVE and result.message.startswith(OUR_NETWORK_DOWN)


def is_network_failure(reason: str) -> bool:
    """A poll error that is a failure to connect at all (what our own network being down gives),
    as probes.status.polling words it: "fetch failed (dns): ..."."""
    return any(reason.startswith(f"fetch failed ({kind})") for kind in NETWORK_ERROR_CLASSES)
