"""One error shape for the whole API: `{"error": "<what was wrong, in words>"}`.

Bad parameters are 400, a missing login or a wrong token 401, a token that may not write 403,
an unknown provider in the path 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from dashboard.api.access import SIGN_IN, unauthorized


class ErrorOut(Schema):
    error: str


class ApiError(HttpError):
    """Raised by an endpoint; its message is shown to the caller."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(status, message)


def describe(errors: list[dict[str, Any]]) -> str:
    """The first validation error in words, naming the parameter."""
    if not errors:
        return "the request is not valid"
    first = errors[0]
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    message = str(first.get("msg", "is not valid"))
    if first.get("type") in ("moment", "whole_number", "range"):
        return message  # our own types already name the parameter
    if location:
        return f"'{'.'.join(location)}': {message}"
    return message


def install(api: NinjaAPI) -> None:
    def bad_request(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, ValidationError)
        return api.create_response(request, {"error": describe(list(exc.errors))}, status=400)

    def sign_in(request: HttpRequest, exc: Any) -> HttpResponse:
        return unauthorized()

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, HttpError)
        if exc.status_code == 401:
            return api.create_response(request, {"error": SIGN_IN}, status=401)
        return api.create_response(request, {"error": exc.message}, status=exc.status_code)

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"error": str(exc) or "not found"}, status=404)

    api.add_exception_handler(ValidationError, bad_request)
    api.add_exception_handler(AuthenticationError, sign_in)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
