"""Fallbacks a gateway can read: who can stand in for a capability, best working first."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from dashboard import fallbacks
from dashboard.api.errors import ErrorOut

router = Router(tags=["fallbacks"])

CAPABILITY: Any = Query(
    ..., description="A capability tag from the catalog, e.g. chat, code, embeddings."
)


class FallbackOut(Schema):
    provider: str
    name: str
    models: list[str] = Field(description="Models our probes call, where known.")
    capability: str
    standing: str = Field(description="works, in_doubt or down: the order's first key.")
    status: str
    observed_status: str | None
    observed_fresh: bool
    team_reports_burst: bool
    incidents_30d: int
    incident_minutes_30d: float
    why: str


class FallbacksOut(Schema):
    capability: str
    fallbacks: list[FallbackOut]


class LiteLLMOut(Schema):
    capability: str
    litellm: dict[str, Any] = Field(description="Paste under `router_settings:` in LiteLLM.")


class OpenRouterOut(Schema):
    capability: str
    models: list[str] = Field(description="The `models` array of an OpenRouter request.")
    why: dict[str, str]


@router.get(
    "/fallbacks/",
    response={200: FallbacksOut, 400: ErrorOut},
    url_name="api-fallbacks",
)
def fallback_list(request: HttpRequest, capability: str = CAPABILITY) -> dict[str, Any]:
    """Providers with the capability, ordered by what works now, each saying why."""
    found = fallbacks.fallbacks_for(capability.strip(), now=timezone.now())
    return {"capability": capability, "fallbacks": [f.as_dict() for f in found]}


@router.get("/fallbacks/litellm/", response=LiteLLMOut, url_name="api-fallbacks-litellm")
def fallback_litellm(request: HttpRequest, capability: str = CAPABILITY) -> dict[str, Any]:
    """The same order as a LiteLLM `fallbacks` block; providers that are down are left out."""
    found = fallbacks.fallbacks_for(capability.strip(), now=timezone.now())
    return {"capability": capability, "litellm": fallbacks.litellm_block(found)}


@router.get("/fallbacks/openrouter/", response=OpenRouterOut, url_name="api-fallbacks-openrouter")
def fallback_openrouter(request: HttpRequest, capability: str = CAPABILITY) -> dict[str, Any]:
    """The same order as an OpenRouter `models` list (known models only, none that is down)."""
    found = fallbacks.fallbacks_for(capability.strip(), now=timezone.now())
    models = fallbacks.openrouter_models(found)
    why = {f"{f.slug}/{m}": f.why for f in found for m in f.models if f"{f.slug}/{m}" in models}
    return {"capability": capability, "models": models, "why": why}
