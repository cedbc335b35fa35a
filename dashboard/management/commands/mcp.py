"""`manage.py mcp`: the read-only MCP server (dashboard/assistant.py) over stdio.

Point an MCP client at it, e.g. `{"command": "python", "args": ["manage.py", "mcp"]}`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve AI Watch's read-only MCP tools over stdio."

    def handle(self, *args: Any, **options: Any) -> None:
        from dashboard.assistant import server

        server.run(transport="stdio")
