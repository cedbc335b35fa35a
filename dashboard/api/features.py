"""The team's features: each one's state, the cause in words, and the fallbacks that are up."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from dashboard import our_stack

router = Router(tags=["features"])


class FallbackUpOut(Schema):
    label: str
    state: str


class FeatureOut(Schema):
    slug: str
    name: str
    criticality: str
    state: str
    sentence: str
    fallbacks_up: list[FallbackUpOut]


class FeaturesOut(Schema):
    features: list[FeatureOut]


@router.get("/features/", response=FeaturesOut, url_name="api-features")
def feature_list(request: HttpRequest) -> dict[str, Any]:
    """Each feature's slug, state, cause in words and the fallbacks that are up right now."""
    rows = our_stack.feature_rows(our_stack.summaries_by_slug(now=timezone.now()))
    return {
        "features": [
            {
                "slug": row.feature.slug,
                "name": row.feature.name,
                "criticality": row.feature.criticality,
                "state": row.view.state.value,
                "sentence": row.view.sentence,
                "fallbacks_up": [
                    {"label": item.label, "state": item.state.value}
                    for item in row.view.fallbacks_up
                ],
            }
            for row in rows
        ]
    }
