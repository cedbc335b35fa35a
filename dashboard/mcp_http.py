"""/mcp: the MCP tools (dashboard/assistant.py) over the streamable HTTP transport.

Served by Django itself, so it runs wherever the pages run (gunicorn, no separate ASGI server):
each POST is one stateless exchange with JSON answers (the transport's `stateless` and
`json_response` modes), handed to the official SDK's transport as an ASGI call. Every request
needs an API token (`Authorization: Bearer …`, any scope), whatever the login settings: an
agent is a program, and the tools are read-only. No token at all is 403; a wrong or revoked one
is 401, as in the API.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from dashboard.api.access import bearer_secret, identify, unauthorized

# The same cap as the rest of the API's bodies would want: tool arguments are small.
MAX_BODY = 1024 * 1024


async def _exchange(
    scope: dict[str, Any], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    # The SDK is imported on first use: about 13 MB and 0.3 s for every process that loads the
    # URLconf, and the workers load it too (they build links to pages), never to serve /mcp.
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from dashboard.assistant import server

    # A manager per request: stateless mode keeps nothing between requests, and a manager's
    # task group lives only as long as its run().
    manager = StreamableHTTPSessionManager(
        app=server._mcp_server, json_response=True, stateless=True
    )
    sent = False
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    async with manager.run():
        await manager.handle_request(scope, receive, send)
    return status, headers, b"".join(chunks)


def asgi_scope(request: HttpRequest) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.path.encode(),
        "root_path": "",
        "query_string": request.META.get("QUERY_STRING", "").encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in request.headers.items()],
        "server": (request.get_host(), int(request.get_port())),
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
    }


@csrf_exempt
def mcp_endpoint(request: HttpRequest) -> HttpResponse:
    if bearer_secret(request) is None:
        # No credential a program could have meant: forbidden, as for the API's writes.
        return JsonResponse(
            {"error": "/mcp needs an API token (Authorization: Bearer …)"}, status=403
        )
    if identify(request, require_login=True) is None:
        return unauthorized()
    if request.method != "POST":
        # Stateless JSON mode has no stream to open (GET) or session to end (DELETE).
        response = HttpResponse(status=405)
        response["Allow"] = "POST"
        return response
    if len(request.body) > MAX_BODY:
        return HttpResponse("request too large", status=413, content_type="text/plain")
    status, headers, body = async_to_sync(_exchange)(asgi_scope(request), request.body)
    response = HttpResponse(body, status=status)
    for name, value in headers:
        if name.lower() != b"content-length":
            response[name.decode()] = value.decode()
    return response
