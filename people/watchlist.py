"""The watchlist's JSON endpoint: the stars on the overview's tiles, kept per person.

GET answers {"providers": [slugs]}; POST takes {"add": [slugs], "remove": [slugs]} and answers
the same list. The browser keeps its own list until the person signs in, then posts it once as
`add` (so stars made before signing in move to the server) and reads the server's list from
then on. Unknown slugs are ignored and named in "ignored". Anonymous callers get 401: there is
no anonymous list on the server.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from people.models import Watch
from probes.models import Provider

MAX_BODY_BYTES = 64 * 1024
MAX_SLUGS = 500


def _slugs(value: Any) -> list[str] | None:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))[:MAX_SLUGS]


def watched(user: Any) -> list[str]:
    return list(
        Watch.objects.filter(user=user)
        .order_by("provider__slug")
        .values_list("provider__slug", flat=True)
    )


@require_http_methods(["GET", "HEAD", "POST"])
def watchlist(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"error": _("Sign in to keep a watchlist on the server.")}, status=401)
    if request.method != "POST":
        return JsonResponse({"providers": watched(user)})
    if not (user.has_perm("people.add_watch") or user.has_perm("people.delete_watch")):
        return JsonResponse({"error": _("Your role does not allow this.")}, status=403)
    if len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"error": _("The list is too long.")}, status=413)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": _("The body is not JSON.")}, status=400)
    add = _slugs(body.get("add")) if isinstance(body, dict) else None
    remove = _slugs(body.get("remove")) if isinstance(body, dict) else None
    if add is None or remove is None:
        return JsonResponse(
            {"error": _('Send {"add": [provider slugs], "remove": [provider slugs]}.')},
            status=400,
        )
    if (add and not user.has_perm("people.add_watch")) or (
        remove and not user.has_perm("people.delete_watch")
    ):
        return JsonResponse({"error": _("Your role does not allow this.")}, status=403)
    known = dict(
        Provider.objects.filter(slug__in=[*add, *remove], enabled=True).values_list("slug", "pk")
    )
    with transaction.atomic():
        Watch.objects.bulk_create(
            [Watch(user=user, provider_id=known[slug]) for slug in add if slug in known],
            ignore_conflicts=True,
        )
        Watch.objects.filter(user=user, provider__slug__in=remove).delete()
    ignored = sorted({slug for slug in [*add, *remove] if slug not in known})
    return JsonResponse({"providers": watched(user), "ignored": ignored})
