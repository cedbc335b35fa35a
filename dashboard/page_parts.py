"""The overview's and the provider page's parts: their context, rendered, and cached.

Each part is rendered once for everyone who sees the same state and kept in Django's cache
under `history_cache.state_version()` (every input of a status: the poll that changes one moves
the key, so the next request renders afresh), the viewer's language and time zone, and at most
`history_cache.TTL` seconds for what only the clock moves. Parts are rendered without the
request, so nothing of the viewer can slip into them: the pipeline banner, the acknowledgement
forms, the "I'm affected" form and anything else of the viewer's own (stars, CSRF tokens,
messages, the header) are rendered for each request around them.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import Http404
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from alerts import presentation
from alerts.alternatives import Loaded, candidates_for
from alerts.events import DOWN_STATUSES
from dashboard import (
    acknowledgements,
    history,
    history_cache,
    observations,
    our_stack,
    summaries,
)
from dashboard.provider_rows import (
    ProviderRows,
    component_first_watched_columns,
    incident_parts_columns,
    provider_first_watched_columns,
)
from probes import acknowledge as acks
from probes.acknowledge import Target
from probes.models import Drill, Provider
from probes.models.providers import with_enabled_sources
from probes.observe import reports
from probes.parsers.types import SEVERITY, Status, worst


def overview_context(*, now: datetime, running_drills: int | None = None) -> dict[str, Any]:
    """What the overview shows. Each set of rows is read once and handed to every part that
    needs it: the providers (for_dashboard, with the team reports' bursts), the clouds each runs
    on and the [[model]] rows. `running_drills`: how many drills are under way, when the
    caller knows (none: no read)."""
    # With each one's team reports' burst.
    providers = list(Provider.objects.for_dashboard().annotate(**reports.burst_columns(now=now)))
    cards = summaries.sort_summaries([summaries.summarise_provider(p, now=now) for p in providers])
    counts = Counter(card.category for card in cards)
    bursts = reports.bursts_of(providers, now=now)
    for card in cards:
        card.report_burst = bursts.get(card.provider.pk)
    stack = our_stack.StackRows()
    loaded = Loaded(
        providers,
        {card.provider.pk: card.headline for card in cards},
        bursts,
        stack.upstream_id_map,
    )
    open_incidents = [incident for p in providers for incident in p.open_incidents]  # type: ignore[attr-defined]
    ctx = {
        # The team's own features first: what is affected for us, why, and what to use.
        "features": our_stack.feature_rows(
            {card.provider.slug: card for card in cards}, now=now, rows=stack
        ),
        # A drill under way shows in its own banner; the real data above stays as it is.
        "drills": list(Drill.objects.filter(ended_at__isnull=True)) if running_drills != 0 else [],
        # Every provider, problems first; then the same split three ways for the page.
        "cards": cards,
        "bursting": [card for card in cards if card.report_burst and card.report_burst.is_burst],
        "attention": [card for card in cards if card.needs_attention],
        "calm": [card for card in cards if not card.needs_attention and not card.is_waiting],
        "waiting": [card for card in cards if card.is_waiting],
        # Incidents and outages someone on the team said they are on.
        "acknowledged": acknowledgements.overview_acknowledged(
            [card.provider for card in cards], now=now, open_incidents=open_incidents
        ),
        # What to use instead of each provider shown degraded or down.
        "plans": presentation.overview_plans(cards, now=now, loaded=loaded),
        "counts": {
            "operational": counts["operational"],
            "problem": counts["problem"],
            "maintenance": counts["maintenance"],
            "unknown": counts["unknown"],
            "total": len(cards),
        },
        # The overview's filter by kind of service (static/js/overview.js narrows in place).
        "categories": Provider.Category.choices,
        "tab": tab_status(cards),
        # Mildest first: static/js/tab_status.js ranks the watched providers' statuses by it.
        "severity_order": " ".join(
            status.value for status in sorted(SEVERITY, key=SEVERITY.__getitem__)
        ),
    }
    return ctx


def tab_status(cards: list[summaries.ProviderSummary]) -> dict[str, Any]:
    """The worst status on the overview and how many providers are that bad, for the tab's
    title ("(2) ⚠ Overview · AI Watch"). Providers waiting for data are a setup matter, not news,
    so they are left out. static/js/tab_status.js applies the same rule to the watched ones."""
    news = [card.status for card in cards if not card.is_waiting]
    headline = worst(news)
    if SEVERITY[headline] >= SEVERITY[Status.DEGRADED_PERFORMANCE]:
        count = sum(SEVERITY[status] >= SEVERITY[Status.DEGRADED_PERFORMANCE] for status in news)
    else:
        count = sum(status == headline for status in news)
    return {"worst": headline.value, "count": count}


def provider_context(
    slug: str, *, now: datetime, live: bool = False, history_version: str | None = None
) -> dict[str, Any]:
    """What a provider page shows; `live` leaves out the parts the live fragment never shows.
    `history_version`: the provider's `history_cache.provider_version()`, if already read.

    Every enabled provider is read once with for_dashboard() (the page's own with all its
    sources, the candidates for plan B and what the features ride on come from it), each with
    its playbook and its team reports' burst, and each other set of rows once for the parts
    that need it: the clouds each runs on and the [[model]] rows (`our_stack.StackRows`); the
    provider's incidents (with plan B's candidates' recent ones), their components, its
    observed transitions and when each of its subjects was first watched
    (`provider_rows.ProviderRows`).
    """
    # With what plan B and the team reports need of each: the playbook, the bursts; of the
    # sources, each probe's newest result; when each provider and component was first
    # watched (its uptime history and models' record); of the open incidents, which
    # components each touches (the features' state).
    query = (
        Provider.objects.for_dashboard(
            every_source=True,
            source_columns=observations.newest_result_columns(),
            component_columns=component_first_watched_columns(),
            incident_columns=incident_parts_columns(),
        )
        .select_related("playbook")
        .annotate(**reports.burst_columns(now=now), **provider_first_watched_columns())
    )
    providers = with_enabled_sources(list(query))
    full = next((other for other in providers if other.slug == slug), None)
    if full is None:  # none by that name, or switched off
        raise Http404("No such provider.")
    summary = summaries.summarise_provider(full, now=now)

    @functools.cache
    def every_summary() -> dict[str, summaries.ProviderSummary]:
        # Only when plan B or a feature needs the others: not on most pages.
        return {
            other.slug: summary
            if other.pk == full.pk
            else summaries.summarise_provider(other, now=now)
            for other in providers
        }

    @functools.cache
    def every_headline() -> dict[int, Any]:
        return {found.provider.pk: found.headline for found in every_summary().values()}

    headlines = our_stack.LazyMapping(every_headline)
    bursts = reports.bursts_of(providers, now=now)
    stack = our_stack.StackRows()
    status = presentation.page_status(full, summary)
    rows = ProviderRows(
        full,
        now=now,
        page=not live,
        open_incidents=[i for p in providers for i in p.open_incidents],  # type: ignore[attr-defined]
        # Plan B looks for alternatives only while the provider is degraded or down.
        candidates=candidates_for([full], providers) if status in DOWN_STATUSES else (),
    )
    loaded = Loaded(
        providers,
        headlines,
        bursts,
        stack.upstream_id_map,
        our_stack.LazyMapping(lambda: rows.incident_spans),
    )

    ctx = {
        "provider": full,
        "summary": summary,
        "sources": full.every_source,  # type: ignore[attr-defined]
        "component_groups": summaries.group_components(summary.components),
        # One plan B for the page: shown at the top while in trouble, folded away otherwise.
        "plan": presentation.plan_b_for(full, status, now=now, loaded=loaded),
        **observations.provider_observations(
            full,
            now=now,
            sources=full.every_source,  # type: ignore[attr-defined]
            burst=bursts.get(full.pk),
            incidents=rows.detection_incidents(),
            transitions=rows.observed_transitions,
        ),
        # The team's features that ride on this provider, with their state.
        "features": our_stack.features_on(
            full.slug, now=now, summaries=every_summary, rows=stack, parts=rows.incident_parts
        ),
        # Each model it serves: state now, uptime and MTTR over 90 days.
        "models": our_stack.model_health(summary, now=now, rows=stack, page=rows),
        # What is open to acknowledge, and who acknowledged it.
        **acknowledgements.provider_acknowledgements(
            full,
            open_incidents=full.open_incidents,  # type: ignore[attr-defined]
            transitions=rows.observed_transitions,
        ),
    }
    if not live:
        # Uptime bars, 90/365-day uptime and reliability figures, the report form, recent ones.
        ctx["recent_incidents"] = rows.recent()
        ctx["history"] = history.provider_history(
            full,
            now=now,
            components=[c for c in summary.components if not c.is_group],
            version=history_version,
            rows=rows,
        )
    return ctx


def _render(template: str, ctx: dict[str, Any]) -> SafeString:
    # No request: context processors (the viewer, CSRF, the banners) cannot reach a part.
    return SafeString(render_to_string(template, ctx))


def overview_parts(
    *,
    now: datetime,
    our_network_down: bool,
    version: str | None = None,
    running_drills: int | None = None,
    refresh: bool = False,
) -> dict[str, Any]:
    """The overview's parts, rendered for everyone who sees this state. While our own network
    looks down, cards say so instead of each page's connection error. `version`: the
    `state_version()` the caller already read (and `running_drills`, from the same read);
    `refresh`: render them anew (and cache them)."""

    def compute() -> dict[str, Any]:
        ctx = overview_context(now=now, running_drills=running_drills)
        ctx["network_verdict"] = our_network_down
        return {
            "has_cards": bool(ctx["cards"]),
            "title": _render("dashboard/overview_title.html", ctx),
            "tools": _render("dashboard/overview_tools.html", ctx),
            "tab": _render("dashboard/overview_tab.html", ctx),
            "features": _render("dashboard/our_features.html", ctx),
            "counts": _render("dashboard/overview_counts.html", ctx),
            "warnings": _render("dashboard/overview_warnings.html", ctx),
            "cards": _render("dashboard/overview_cards.html", ctx),
        }

    key = ("overview", our_network_down, version or history_cache.state_version())
    return history_cache.cached(key, compute, refresh=refresh)


# A provider page's parts, by name: those its live fragment shows, then the rest of the page.
PROVIDER_LIVE_PARTS = {
    "title": "dashboard/provider_title.html",
    "head": "dashboard/provider_head.html",
    "views": "dashboard/provider_views.html",
    "open_incidents": "dashboard/provider_open_incidents.html",
    "components": "dashboard/provider_components.html",
}
PROVIDER_PAGE_PARTS = {
    "uptime": "dashboard/uptime_section.html",
    "probes": "dashboard/probes_and_detection.html",
    "reports_head": "dashboard/team_reports_head.html",
    "reports_body": "dashboard/team_reports_body.html",
    "rest": "dashboard/provider_rest.html",
}


@dataclass(frozen=True, slots=True)
class ProviderParts:
    """A provider page's shared parts, and the rows its viewer-specific parts are built from."""

    # The provider's own row (no prefetched rows), for the page around the parts.
    provider: Provider
    html: dict[str, SafeString]
    # For the acknowledgement forms, rendered for each viewer.
    ack_targets: list[Target]


def provider_parts(
    slug: str,
    *,
    now: datetime,
    live: bool,
    signed_in: bool,
    version: str | None = None,
    history_version: str | None = None,
    refresh: bool = False,
) -> ProviderParts:
    """A provider page's parts (`live`: only those the live fragment shows), Http404 for a slug
    no enabled provider has. Who reported is
    named to signed-in viewers only, so there is one version for each. `version` and
    `refresh` as for `overview_parts`; `history_version`: the provider's
    `history_cache.provider_version()`, if already read."""

    def compute() -> ProviderParts:
        ctx = provider_context(slug, now=now, live=live, history_version=history_version)
        ctx["signed_in"] = signed_in
        templates = PROVIDER_LIVE_PARTS if live else {**PROVIDER_LIVE_PARTS, **PROVIDER_PAGE_PARTS}
        html = {name: _render(template, ctx) for name, template in templates.items()}
        return ProviderParts(_bare(ctx["provider"]), html=html, ack_targets=ctx["ack_targets"])

    # A provider switched off or renamed moves the version (providers' edits are in it).
    key = ("provider", slug, live, signed_in, version or history_cache.state_version())
    return history_cache.cached(key, compute, refresh=refresh)


def _bare(provider: Provider) -> Provider:
    """The provider's row alone, without what for_dashboard() prefetched onto it."""
    bare = Provider(
        **{
            field.attname: getattr(provider, field.attname)
            for field in Provider._meta.concrete_fields
        }
    )
    bare._state.adding = False
    bare._state.db = provider._state.db
    return bare


def provider_page_context(parts: ProviderParts) -> dict[str, Any]:
    """The context of the page around the parts: what the viewer's own forms need."""
    return {
        "provider": parts.provider,
        "parts": parts.html,
        "ack_targets": parts.ack_targets,
        "ack_on_it_max": acks.ON_IT_MAX_LENGTH,
        "ack_note_max": acks.NOTE_MAX_LENGTH,
        "report_note_max": reports.NOTE_MAX_LENGTH,
        "report_anonymous": settings.AIWATCH_REPORT_ANONYMOUS,
        "login_url": resolve_url(settings.LOGIN_URL),
    }
