"""How accurate each provider's status page is, set against what our own probes confirmed.

From the detection lead and silent outages (`probes.observe.detection`), over 90 days:

* **Lateness**: for each official incident matched to an outage we confirmed, how long after
  our confirmation the provider's first post came (negative: it posted first). Shown as the
  median and the 90th percentile (nearest rank: the smallest value at least 90 % of the
  incidents reach).
* **Never posted**: the share of our confirmed outages, over, that no official incident (or
  maintenance) covered. An outage still running is left out of both counts: the provider may
  yet post it.
* **Recovery gap**: for each matched incident the provider resolved, its "resolved" time minus
  the end of the last outage of ours it covered (positive: it said resolved after we saw it
  working again; negative: it closed the incident while we still saw it down). Incidents
  covering an outage of ours still running have no gap yet.

`scorecard` is pure; `scorecards` reads every provider we probe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from probes.models import Provider, Source
from probes.observe.detection import Detection, detection_for, detections_for_many, overlaps

DAYS = 90


def nearest_rank(values: Sequence[timedelta], share: float) -> timedelta | None:
    """The smallest value at least `share` (0..1] of `values` are at or below; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class Scorecard:
    slug: str
    name: str
    days: int
    # Our confirmed outages that are over, and how many of them no official post covered.
    outages: int
    never_posted: int
    # Per matched incident: first post minus our confirmation.
    lateness: tuple[timedelta, ...]
    # Per matched, resolved incident: its resolution minus our observed recovery.
    recovery_gaps: tuple[timedelta, ...]

    @property
    def posted(self) -> int:
        return self.outages - self.never_posted

    @property
    def never_posted_share(self) -> float | None:
        """0..1, None when we confirmed no outage that is over."""
        return self.never_posted / self.outages if self.outages else None

    @property
    def never_posted_percent(self) -> float | None:
        share = self.never_posted_share
        return None if share is None else 100 * share

    @property
    def median_lateness(self) -> timedelta | None:
        return nearest_rank(self.lateness, 0.5)

    @property
    def p90_lateness(self) -> timedelta | None:
        return nearest_rank(self.lateness, 0.9)

    @property
    def median_recovery_gap(self) -> timedelta | None:
        return nearest_rank(self.recovery_gaps, 0.5)

    @property
    def p90_recovery_gap(self) -> timedelta | None:
        return nearest_rank(self.recovery_gaps, 0.9)

    @property
    def has_data(self) -> bool:
        return bool(self.outages or self.lateness)


def scorecard(
    detection: Detection,
    *,
    slug: str,
    name: str,
    window: timedelta,
    now: datetime,
    days: int = DAYS,
) -> Scorecard:
    """One provider's figures from its detection (leads, silent outages, episodes)."""
    over = [episode for episode in detection.episodes if episode.end is not None]
    silent = [episode for episode in detection.silent if episode.end is not None]
    gaps = []
    for lead in detection.leads:
        incident = lead.incident
        if incident.resolved_at is None:
            continue
        covered = [e for e in detection.episodes if overlaps(e, incident, window, now)]
        ends = [e.end for e in covered]
        if not covered or any(end is None for end in ends):
            continue
        gaps.append(incident.resolved_at - max(end for end in ends if end is not None))
    return Scorecard(
        slug=slug,
        name=name,
        days=days,
        outages=len(over),
        never_posted=len(silent),
        lateness=tuple(lead.lead for lead in detection.leads),
        recovery_gaps=tuple(gaps),
    )


def probed_providers() -> list[Provider]:
    """Enabled providers with an enabled probe: only they have outages of ours to compare."""
    probed = Source.objects.probes().filter(enabled=True).values("provider_id")
    return list(Provider.objects.filter(enabled=True, pk__in=probed).order_by("name"))


def is_probed(provider: Provider) -> bool:
    return Source.objects.probes().filter(enabled=True, provider=provider).exists()


def scorecard_for(provider: Provider, *, now: datetime, days: int = DAYS) -> Scorecard:
    window = timedelta(minutes=settings.AIWATCH_DETECTION_WINDOW_MINUTES)
    return scorecard(
        detection_for(provider, now=now, days=days),
        slug=provider.slug,
        name=provider.name,
        window=window,
        now=now,
        days=days,
    )


def scorecards(*, now: datetime, days: int = DAYS) -> list[Scorecard]:
    """Every probed provider's scorecard, by name (three queries, however many providers)."""
    providers = probed_providers()
    found = detections_for_many(providers, now=now, days=days)
    window = timedelta(minutes=settings.AIWATCH_DETECTION_WINDOW_MINUTES)
    return [
        scorecard(
            found[provider.pk],
            slug=provider.slug,
            name=provider.name,
            window=window,
            now=now,
            days=days,
        )
        for provider in providers
    ]
