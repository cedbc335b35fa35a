"""What every page needs to know about the signed-in person: their server-side watchlist."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from people.watchlist import watched


def watchlist(request: HttpRequest) -> dict[str, Any]:
    """For static/js/watchlist.js: where the person's list lives and what is on it (one query,
    only for a signed-in person; nothing at all for anonymous visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "watchlist_server": {
            "url": reverse("people:watchlist"),
            "providers": watched(user),
            "may_change": user.has_perm("people.add_watch"),
        }
    }
