from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from alerts.presentation import PlanB, overview_plans, page_status, plan_b_for

register = template.Library()


@register.simple_tag
def plan_b(provider: Any, summary: Any = None) -> PlanB:
    """`{% plan_b provider summary as plan %}`: playbook and alternatives for the page."""
    return plan_b_for(provider, page_status(provider, summary), now=timezone.now())


@register.simple_tag
def down_plans(cards: Any) -> list[PlanB]:
    """`{% down_plans cards as plans %}`: providers that are degraded or down, with alternatives."""
    return overview_plans(cards or [], now=timezone.now())
