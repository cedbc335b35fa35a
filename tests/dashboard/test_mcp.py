"""The MCP server, driven by the official SDK's client over stdio (`manage.py mcp`)."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.factories import make_incident, make_provider, make_read_source
from tests.workers import process_env

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {
    "provider_status",
    "open_incidents",
    "incident_history",
    "is_it_me",
    "alternatives",
    "plan_b",
}


async def talk(calls: list[tuple[str, dict]]) -> tuple[set[str], list[dict]]:
    params = StdioServerParameters(
        command=sys.executable,
        args=[str(ROOT / "manage.py"), "mcp"],
        cwd=str(ROOT),
        env=process_env("redis://127.0.0.1:1/0"),
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = {tool.name for tool in (await session.list_tools()).tools}
        answers = []
        for name, arguments in calls:
            result = await session.call_tool(name, arguments)
            assert not result.isError, result.content
            answers.append(json.loads(result.content[0].text))  # type: ignore[union-attr]
        return tools, answers


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_client_lists_the_tools_and_gets_a_providers_status_over_stdio():
    now = timezone.now()
    down = make_provider(
        "anthropic", name="Anthropic", status="major_outage", capabilities=["chat"]
    )
    make_read_source(down, at=now)
    make_incident(down, "Elevated errors", external_id="e1", started_at=now - timedelta(hours=1))
    up = make_provider("openai", name="OpenAI", status="operational", capabilities=["chat"])
    make_read_source(up, at=now)

    tools, (status, me, alternatives) = asyncio.run(
        talk(
            [
                ("provider_status", {"provider": "anthropic"}),
                ("is_it_me", {"provider": "anthropic"}),
                ("alternatives", {"capability": "chat"}),
            ]
        )
    )

    assert tools == TOOLS
    [anthropic] = status["providers"]
    assert anthropic["status"] == "major_outage"
    assert anthropic["open_incidents"][0]["title"] == "Elevated errors"
    assert "updated_at" in anthropic
    assert me["verdict"].startswith("probably not you")
    assert me["own_network_looks_down"] is False
    assert [entry["provider"] for entry in alternatives["up_now"]] == ["openai"]
