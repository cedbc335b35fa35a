"""Admin for API tokens: create one (its secret is shown once, on the page that follows), see
when each was last used, revoke."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from probes.models import ApiToken
from probes.models.tokens import TOKEN_PREFIX, token_digest


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("hint", "name", "user", "scope", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope", "revoked_at")
    search_fields = ("name", "user__username", "hint")
    fields = ("user", "name", "scope", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("hint", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A token's owner and scope are fixed once it exists: make a new one instead.
        if obj is not None:
            return (*self.readonly_fields, "user", "scope")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if not change:
            secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
            obj.hint = secret[:8]
            obj.digest = token_digest(secret)
            # Kept on the request only, for the page that shows it once; never stored.
            request._new_api_token = secret  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: Any = None
    ) -> HttpResponse:
        secret = getattr(request, "_new_api_token", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        ctx = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "token": obj,
            "secret": secret,
            "title": "API token created",
        }
        response = TemplateResponse(request, "admin/probes/apitoken/created.html", ctx)
        # The secret must not linger in a cache or the browser's history.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"Revoked {count} token{'s' if count != 1 else ''}.")
