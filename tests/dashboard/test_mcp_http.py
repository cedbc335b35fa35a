"""/mcp: the streamable HTTP transport, behind an API token."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from tests.factories import make_provider

pytestmark = pytest.mark.django_db

HEADERS = {"HTTP_ACCEPT": "application/json, text/event-stream"}


def rpc(client, method: str, params: dict | None = None, **headers):
    message = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}
    return client.post(
        "/mcp", json.dumps(message), content_type="application/json", **HEADERS, **headers
    )


@pytest.fixture
def token() -> str:
    User.objects.create_user("agent")
    out = io.StringIO()
    call_command("api_token", "create", "--user", "agent", "--scope", "read", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_mcp_over_http_needs_a_token(client, admin_user):
    assert rpc(client, "tools/list").status_code == 403
    client.force_login(admin_user)  # a browser session is not enough: agents use tokens
    assert rpc(client, "tools/list").status_code == 403
    assert rpc(client, "tools/list", HTTP_AUTHORIZATION="Bearer aiw_wrong").status_code == 401


def test_a_token_lists_the_tools_and_reads_a_status_over_http(client, token):
    make_provider("openai", name="OpenAI", status="operational")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    init = rpc(
        client,
        "initialize",
        {
            "protocolVersion": "2025-03-26",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
        **auth,
    )
    assert init.status_code == 200, init.content
    assert init.json()["result"]["serverInfo"]["name"] == "AI Watch"

    tools = rpc(client, "tools/list", **auth)
    assert tools.status_code == 200, tools.content
    assert "is_it_me" in {tool["name"] for tool in tools.json()["result"]["tools"]}

    called = rpc(client, "tools/call", {"name": "provider_status", "arguments": {}}, **auth)
    assert called.status_code == 200, called.content
    result = json.loads(called.json()["result"]["content"][0]["text"])
    assert [p["slug"] for p in result["providers"]] == ["openai"]
