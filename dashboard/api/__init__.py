"""The API under /api/v1/: JSON for scripts, gateways and other dashboards (django-ninja).

Every route goes through one gate (dashboard.api.access), answers errors in one shape
(dashboard.api.errors) and is described by the OpenAPI 3 schema at /api/v1/openapi.json, with
interactive docs at /api/v1/docs served from django-ninja's own files. Times are ISO-8601 UTC
with a `Z`; every list is built in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import URLPattern, path, reverse
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from dashboard.api import (
    accuracy,
    errors,
    fallbacks,
    features,
    incidents,
    provider_models,
    providers,
    uptime,
)
from dashboard.api.access import ApiAccess, guard_docs, open_api_headers
from dashboard.api.incidents import DEFAULT_INCIDENT_LIMIT, MAX_INCIDENT_LIMIT


class AIWatchAPI(NinjaAPI):
    def get_content_type(self) -> str:
        # JSON is UTF-8 by definition (RFC 8259); the parameter only confuses strict clients.
        return str(self.renderer.media_type)


api = AIWatchAPI(
    title="AI Watch",
    version="1",
    description=__doc__ or "",
    # The routes join the `dashboard` URL namespace: dashboard:api-providers and so on.
    urls_namespace="dashboard",
    auth=ApiAccess(),
    docs=Swagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=guard_docs,
)
api.add_decorator(open_api_headers, mode="view")
errors.install(api)
api.add_router("", providers.router)
api.add_router("", provider_models.router)
api.add_router("", incidents.router)
api.add_router("", uptime.router)
api.add_router("", fallbacks.router)
api.add_router("", features.router)
api.add_router("", accuracy.router)


def json_method_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """django-ninja answers a wrong method with an empty 405; say it in the API's error shape."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            answer = JsonResponse(
                {"error": f"{request.method} is not allowed here (allowed: {allowed})"},
                status=405,
            )
            answer["Allow"] = allowed
            return answer
        return response

    return wrapper


def api_root(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("dashboard:openapi-view"))


def _patterns() -> list[Any]:
    patterns: list[Any] = []
    for pattern in api.urls[0]:
        assert isinstance(pattern, URLPattern)
        if pattern.name == "api-root":
            # /api/v1/ itself leads to the docs, behind the same gate.
            patterns.append(path("", guard_docs(api_root), name="api-root"))
            continue
        patterns.append(
            URLPattern(
                pattern.pattern,
                json_method_errors(pattern.callback),
                pattern.default_args,
                pattern.name,
            )
        )
    return patterns


# Included by dashboard.urls under api/v1/ (the list alone, so the names stay in `dashboard`).
urlpatterns: list[Any] = _patterns()

__all__ = ["DEFAULT_INCIDENT_LIMIT", "MAX_INCIDENT_LIMIT", "api", "urlpatterns"]
