"""What the provider page and the overview show from alerts: plan B and alternatives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.safestring import SafeString

from alerts.alternatives import Alternative, Loaded, alternatives_for, alternatives_for_many
from alerts.events import DOWN_STATUSES
from alerts.models import Playbook
from alerts.playbooks import render_markdown
from probes.models import Provider
from probes.parsers.types import Status, worst


@dataclass(frozen=True, slots=True)
class PlanB:
    provider: Provider
    status: Status
    playbook: SafeString | None
    playbook_updated_at: datetime | None
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def in_trouble(self) -> bool:
        """Shown prominently: the provider is degraded, down or in maintenance."""
        return self.status not in (Status.OPERATIONAL, Status.UNKNOWN)

    @property
    def is_down(self) -> bool:
        return self.status in DOWN_STATUSES


def page_status(provider: Provider, summary: Any = None) -> Status:
    """The status plan B answers to: the official one, or worse when fresh probes see trouble."""
    if summary is None:
        return Status(provider.status)
    status = Status(summary.status)
    if getattr(summary, "observed_trouble", False):
        status = worst([status, Status(summary.observed.status)])
    return status


def plan_b_for(
    provider: Provider, status: Status | str, *, now: datetime, loaded: Loaded | None = None
) -> PlanB:
    """The playbook (sanitised) and, when the provider is degraded or down, its alternatives.

    `status` is what the page shows for the provider (the dashboard's summary status);
    `loaded`, what the page has read already (alerts.alternatives.Loaded). The playbook is
    read, unless the provider was read with it (`select_related("playbook")`).
    """
    status = Status(status)
    if Provider.playbook.related.is_cached(provider):  # type: ignore[attr-defined]
        # Read with the provider: None when it has none, without a query.
        playbook = getattr(provider, "playbook", None)
    else:
        playbook = Playbook.objects.filter(provider=provider).first()
    rendered = render_markdown(playbook.body) if playbook and playbook.body.strip() else None
    return PlanB(
        provider=provider,
        status=status,
        playbook=rendered,
        playbook_updated_at=playbook.updated_at if playbook else None,
        alternatives=alternatives_for(provider, now=now, loaded=loaded)
        if status in DOWN_STATUSES
        else [],
    )


def overview_plans(
    summaries: Iterable[Any], *, now: datetime, loaded: Loaded | None = None
) -> list[PlanB]:
    """Plan B for every provider the overview shows as degraded or down, worst first."""
    down = [
        (summary.provider, status)
        for summary in summaries
        if (status := page_status(summary.provider, summary)) in DOWN_STATUSES
    ]
    if not down:
        return []
    with_playbook = set(Playbook.objects.values_list("provider_id", flat=True))
    # One read of the candidates for every provider down, not one per provider.
    alternatives = alternatives_for_many(
        [provider for provider, _ in down], now=now, limit=3, loaded=loaded
    )
    return [
        PlanB(
            provider=provider,
            status=status,
            # The overview only links to the plan; the provider page shows it.
            playbook=SafeString("") if provider.pk in with_playbook else None,
            playbook_updated_at=None,
            alternatives=alternatives[provider.pk],
        )
        for provider, status in down
    ]
