"""Read-only MCP tools: what a coding agent asks when a model API misbehaves.

Built on the official `mcp` SDK (FastMCP). `python manage.py mcp` serves them over stdio;
`aiwatch.asgi` serves them over the streamable HTTP transport under /mcp (token-protected).
Every answer comes from the same summaries the pages and the API use (dashboard.summaries),
so an agent and a person looking at the dashboard never disagree.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone
from mcp.server.fastmcp import FastMCP

from alerts.presentation import page_status, plan_b_for
from dashboard import fallbacks, summaries
from dashboard.api.incidents import incident_dict
from dashboard.api.params import moment_from
from dashboard.api.providers import current_summaries, provider_dict
from dashboard.formatting import iso_utc
from probes.models import Incident, Provider
from probes.observe import network
from probes.parsers.types import Status

HISTORY_LIMIT = 100

server = FastMCP(
    "AI Watch",
    instructions=(
        "Live status of the AI services this team depends on: official status pages, our own "
        "probes and team reports. Ask before blaming your own code for a provider's errors."
    ),
    streamable_http_path="/mcp",
    stateless_http=True,
)


class UnknownProvider(ValueError):
    pass


def _summary(slug: str) -> summaries.ProviderSummary:
    for summary in current_summaries():
        if summary.provider.slug == slug:
            return summary
    known = ", ".join(sorted(Provider.objects.filter(enabled=True).values_list("slug", flat=True)))
    raise UnknownProvider(f"no enabled provider {slug!r}; known: {known}")


def status(provider: str | None = None) -> dict[str, Any]:
    """Official, observed and team status of one provider (slug) or of all, with freshness."""
    rows = current_summaries()
    if provider:
        rows = [_summary(provider)]
    return {"checked_at": iso_utc(timezone.now()), "providers": [provider_dict(s) for s in rows]}


def open_incidents(provider: str | None = None) -> dict[str, Any]:
    incidents = (
        Incident.objects.open()
        .select_related("provider")
        .prefetch_related("updates", "acknowledgements")
    )
    if provider:
        incidents = incidents.filter(provider__slug=provider)
    return {"incidents": [incident_dict(i) for i in incidents.order_by("-started_at", "-pk")]}


def history(provider: str, since: str, until: str | None = None) -> dict[str, Any]:
    start = moment_from(since, "since")
    end = moment_from(until, "until") or timezone.now()
    if start is None or start >= end:
        raise ValueError("'since' must be a date or time before 'until'")
    incidents = (
        Incident.objects.filter(provider__slug=provider)
        .overlapping(start, end)
        .select_related("provider")
        .prefetch_related("updates", "acknowledgements")
        .order_by("-started_at", "-pk")[:HISTORY_LIMIT]
    )
    return {"provider": provider, "incidents": [incident_dict(i) for i in incidents]}


def own_network_looks_down() -> bool:
    """Our newest probe batch could reach no provider at all: the trouble is likely ours."""
    return network.our_network_down(timezone.now()) is not None


def is_it_me(provider: str) -> dict[str, Any]:
    summary = _summary(provider)
    ours = own_network_looks_down()
    official_trouble = summary.status not in (Status.OPERATIONAL, Status.UNKNOWN)
    if ours:
        verdict = "probably you: our own probes cannot reach any provider from here"
    elif official_trouble or summary.observed_trouble:
        verdict = f"probably not you: {summary.provider.name} is in trouble"
    elif summary.team_alarm:
        verdict = "maybe not you: several people on the team report trouble"
    elif summary.status == Status.UNKNOWN:
        verdict = "unknown: we have no fresh word on this provider"
    else:
        verdict = "probably you: the status page and our probes see no trouble"
    return {"verdict": verdict, "own_network_looks_down": ours, **provider_dict(summary)}


def alternatives(capability: str) -> dict[str, Any]:
    found = fallbacks.fallbacks_for(capability, now=timezone.now())
    up = [f.as_dict() for f in found if f.standing == fallbacks.WORKS]
    return {"capability": capability, "up_now": up}


def plan_b(provider: str) -> dict[str, Any]:
    summary = _summary(provider)
    plan = plan_b_for(summary.provider, page_status(summary.provider, summary), now=timezone.now())
    return {
        "provider": provider,
        "status": plan.status.value,
        "in_trouble": plan.in_trouble,
        "playbook_html": str(plan.playbook) if plan.playbook else None,
        "alternatives": [alternative.as_dict() for alternative in plan.alternatives],
    }


# The tools: async wrappers, because FastMCP runs them on its event loop and the ORM must run
# in a thread of its own.


@server.tool(name="provider_status")
async def provider_status_tool(provider: str | None = None) -> dict[str, Any]:
    """Current status of one provider (its slug, e.g. "openai") or of all: the official word,
    what our probes observe, team reports, and how fresh each is."""
    return await sync_to_async(status)(provider)


@server.tool(name="open_incidents")
async def open_incidents_tool(provider: str | None = None) -> dict[str, Any]:
    """Incidents still open, for one provider or all, with their updates oldest first."""
    return await sync_to_async(open_incidents)(provider)


@server.tool(name="incident_history")
async def incident_history_tool(
    provider: str, since: str, until: str | None = None
) -> dict[str, Any]:
    """A provider's incidents overlapping [since, until) (ISO-8601; until defaults to now)."""
    return await sync_to_async(history)(provider, since, until)


@server.tool(name="is_it_me")
async def is_it_me_tool(provider: str) -> dict[str, Any]:
    """Is the provider down, or is the problem on our side? Official status, our probes, and
    whether our own network looks down, with a one-line verdict."""
    return await sync_to_async(is_it_me)(provider)


@server.tool(name="alternatives")
async def alternatives_tool(capability: str) -> dict[str, Any]:
    """Providers offering a capability (chat, code, embeddings, image…) that are up right now."""
    return await sync_to_async(alternatives)(capability)


@server.tool(name="plan_b")
async def plan_b_tool(provider: str) -> dict[str, Any]:
    """The team's plan B for a provider: its playbook and, when it is down, alternatives."""
    return await sync_to_async(plan_b)(provider)
