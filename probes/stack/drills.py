"""Plan-B drills: a pretend outage, the features it would hit, the team's answers and timings.

A drill never touches the real status data: no StatusChange, Incident or provider status is
written. Its world is calm except for what the scenario hits, so a rehearsal reads the same
whenever it is run; a dependency whose cloud is hit counts as hit too (that is what happened on
26 December 2024). The alert goes through the ordinary outbox (alerts.drills).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from probes.models import Drill, DrillAcknowledgement, Feature
from probes.models.features import dependencies, fallbacks
from probes.parsers.types import Status, worst
from probes.stack.state import (
    DependencyWord,
    FallbackWord,
    FeatureState,
    FeatureView,
    ProviderWord,
    describe_feature,
)
from probes.status.archive import ArchivedIncident


class DrillError(Exception):
    """The drill cannot start or change as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Hit:
    provider: str
    status: Status
    title: str


@dataclass(frozen=True, slots=True)
class Scenario:
    title: str
    kind: str  # "replay" or "made_up"
    hits: tuple[Hit, ...]
    minutes: int = 0
    archive_ids: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "minutes": self.minutes,
            "archive_ids": list(self.archive_ids),
            "hits": [
                {"provider": hit.provider, "status": hit.status.value, "title": hit.title}
                for hit in self.hits
            ],
        }


def replay_scenario(entries: Sequence[ArchivedIncident], day: date) -> Scenario:
    """Every archived incident that began on `day` (UTC), as it hit its provider."""
    found = [entry for entry in entries if entry.started_at.date() == day]
    if not found:
        days = sorted({entry.started_at.date().isoformat() for entry in entries})
        raise DrillError(f"no archived outage began on {day.isoformat()}; archived: {days}")
    minutes = max(int((e.resolved_at - e.started_at).total_seconds() // 60) for e in found)
    return Scenario(
        title=f"Replay of {day.day} {day:%B %Y}",
        kind="replay",
        hits=tuple(Hit(e.provider, e.impact.as_status(), e.title) for e in found),
        minutes=minutes,
        archive_ids=tuple(entry.id for entry in found),
    )


def made_up_scenario(provider: str, name: str, status: Status, minutes: int) -> Scenario:
    hours = f"{minutes / 60:g} h" if minutes % 30 == 0 else f"{minutes} min"
    words = "down" if status == Status.MAJOR_OUTAGE else status.label.lower()
    return Scenario(
        title=f"{name} {words} for {hours}",
        kind="made_up",
        hits=(Hit(provider, status, f"Drill: {name} {words}"),),
        minutes=minutes,
    )


def drill_views(
    features: Iterable[Feature],
    hits: Sequence[Hit],
    names: Mapping[str, str],
    upstreams: Mapping[str, list[str]],
) -> list[tuple[Feature, FeatureView]]:
    """Each feature as the scenario would leave it, in a world calm but for the hits."""
    hit_by = {hit.provider: hit for hit in hits}

    def word(slug: str, *, under: bool = True) -> ProviderWord:
        hit = hit_by.get(slug)
        return ProviderWord(
            slug=slug,
            name=names.get(slug, slug),
            status=hit.status if hit else Status.OPERATIONAL,
            incidents=(hit.title,) if hit else (),
            upstreams=tuple(word(up, under=False) for up in upstreams.get(slug, []))
            if under
            else (),
        )

    views = []
    for feature in features:
        words = []
        for item in dependencies(feature):
            provider = word(item["provider"])
            status = worst([provider.status, *(up.status for up in provider.upstreams)])
            part = ", ".join([*item["components"], *item["models"], *item["regions"]])
            words.append(DependencyWord(provider, status, part))
        spare = []
        for item in fallbacks(feature):
            provider = word(item["provider"])
            status = worst([provider.status, *(up.status for up in provider.upstreams)])
            spare.append(FallbackWord(item["label"] or provider.name, status))
        views.append((feature, describe_feature(feature.name, words, spare)))
    return views


def affected_features(views: Sequence[tuple[Feature, FeatureView]]) -> list[dict[str, str]]:
    """The features the scenario hits, as the drill keeps them."""
    return [
        {
            "slug": feature.slug,
            "name": feature.name,
            "criticality": feature.criticality,
            "state": view.state.value,
            "sentence": view.sentence,
            "plan_b": feature.plan_b,
        }
        for feature, view in views
        if view.state != FeatureState.WORKING
    ]


def acknowledge(
    drill: Drill, text: str, *, at: datetime, by: str = "", plan_b_in_place: bool = False
) -> DrillAcknowledgement:
    """Record a team member's answer; the first one and the first "plan B in place" time it."""
    if not drill.is_running:
        raise DrillError(f"drill {drill.pk} is over; it ended at {drill.ended_at:%Y-%m-%d %H:%M}")
    if not text.strip():
        raise DrillError('say what was done, e.g. "switched the support bot to Claude"')
    answer = DrillAcknowledgement.objects.create(
        drill=drill, at=at, by=by.strip(), text=text.strip(), plan_b_in_place=plan_b_in_place
    )
    changed = []
    if drill.first_ack_at is None:
        drill.first_ack_at = at
        changed.append("first_ack_at")
    if plan_b_in_place and drill.plan_b_at is None:
        drill.plan_b_at = at
        changed.append("plan_b_at")
    if changed:
        drill.save(update_fields=changed)
    return answer


def stop_drill(drill: Drill, *, at: datetime, notes: str = "") -> Drill:
    if not drill.is_running:
        raise DrillError(f"drill {drill.pk} is already over")
    drill.ended_at = at
    drill.notes = "\n\n".join(part for part in (drill.notes, notes.strip()) if part)
    drill.save(update_fields=["ended_at", "notes"])
    return drill
