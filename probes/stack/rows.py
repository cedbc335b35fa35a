"""Reads the stack's pages and drills share: which clouds each provider runs on."""

from __future__ import annotations

from probes.models import Provider, ServedModel


def upstream_slugs() -> dict[str, list[str]]:
    """provider slug -> the slugs of the clouds it runs on, in one query."""
    through = Provider.upstreams.through
    pairs = through.objects.values_list("from_provider__slug", "to_provider__slug")
    found: dict[str, list[str]] = {}
    for downstream, upstream in pairs.order_by("to_provider__name"):
        found.setdefault(downstream, []).append(upstream)
    return found


def model_names() -> dict[tuple[str, str], str]:
    """(provider slug, model slug) -> the model's name, in one query."""
    rows = ServedModel.objects.values_list("provider__slug", "slug", "name")
    return {(provider, slug): name for provider, slug, name in rows}
