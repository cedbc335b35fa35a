"""One provider's models: each one's state now, uptime and MTTR over 90 days.

The models are the provider's alias table ([[model]] in the catalog); their state comes from
what the provider's components, incidents and our probes say about each
(`probes.stack.model_health`), their record from official incidents
(`probes.stack.model_history`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from dashboard import our_stack, summaries
from dashboard.api.errors import ErrorOut
from dashboard.api.providers import enabled_provider
from dashboard.api.schemas import Time
from dashboard.api.uptime import percent
from dashboard.formatting import iso_utc
from probes.history.reliability import duration_minutes
from probes.stack.model_history import WINDOW_DAYS, ModelRecord

router = Router(tags=["providers"])


class ModelOut(Schema):
    slug: str = Field(description="The model's id as the provider's API names it.")
    name: str
    family: str
    status: str = Field(description="Its state now, in the status vocabulary of providers.")
    status_label: str
    named: bool = Field(
        description="Something named this model itself (a component, an incident, our probe); "
        "false when its state is what the provider as a whole says."
    )
    open_incidents: list[str] = Field(description="Titles of the open incidents that hit it.")
    incidents: int = Field(description="Incidents that hit it in the window.")
    minutes_down: int = Field(description="Weighted as the provider's uptime is.")
    uptime: float | None = Field(
        description="A percentage of the time we watched (since watched_since when that is "
        "inside the window); null when none of the window was watched."
    )
    watched_since: Time
    mttr_minutes: int | None
    probes: int = Field(description="Our inference probes that call this model.")


class ModelsOut(Schema):
    provider: str
    days: int
    models: list[ModelOut]


def model_dict(record: ModelRecord) -> dict[str, Any]:
    return {
        "slug": record.slug,
        "name": record.name,
        "family": record.family,
        "status": record.current.status.value,
        "status_label": record.current.status.label,
        "named": record.current.named,
        "open_incidents": list(record.current.incidents),
        "incidents": record.incidents,
        "minutes_down": duration_minutes(record.down),
        "uptime": percent(record.uptime),
        "watched_since": iso_utc(record.watched_since),
        "mttr_minutes": duration_minutes(record.mttr) if record.mttr is not None else None,
        "probes": record.probes,
    }


@router.get(
    "/providers/{slug:slug}/models/",
    response={200: ModelsOut, 404: ErrorOut},
    url_name="api-provider-models",
)
def provider_models(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Each model the provider serves: its state now, and uptime and MTTR over 90 days."""
    provider = enabled_provider(slug)
    now = timezone.now()
    records = our_stack.model_health(summaries.summarise_provider(provider, now=now), now=now)
    return {
        "provider": provider.slug,
        "days": WINDOW_DAYS,
        "models": [model_dict(record) for record in records],
    }
