"""Probes of one batch never starve each other: a hanging target costs only its own probe.

Fifty local targets, each its own provider, on a real server on 127.0.0.1. Host names go
through a stand-in resolver (the seam's `resolve_host`), so a target can hang where real ones
do: in the address lookup (its DNS is down), at the server (accepted, never answered), or on
connect (nobody accepts).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest

from probes.models import ProbeResult, Provider, Source
from probes.observe.probing import run_probes
from probes.outbound import policy

pytestmark = pytest.mark.django_db

HANG_SECONDS = 2.5
TIMEOUT_SECONDS = 1


@pytest.fixture(autouse=True)
def allow_local_addresses(settings):
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]


@pytest.fixture
def resolver(monkeypatch) -> None:
    """Names starting with "hang" never resolve in time; the others take a usual 100 ms."""

    def resolve(host: str, port: int) -> list[str]:
        time.sleep(HANG_SECONDS if host.startswith("hang") else 0.1)
        return ["127.0.0.1"]

    monkeypatch.setattr(policy, "resolve_host", resolve)


@pytest.fixture
def nobody_accepts() -> Iterator[int]:
    """A port that never accepts: once its one-slot queue is taken, connecting hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        yield listener.getsockname()[1]


def make_targets(status_server, hosts: list[str]) -> list[Source]:
    sources = []
    for index, host in enumerate(hosts):
        path = f"/t{index}"
        status_server.set(path, status=401, delay=0.05)
        provider = Provider.objects.create(slug=f"p{index}", name=f"P{index}")
        url = status_server.url(path).replace("127.0.0.1", host)
        sources.append(
            Source.objects.create(
                provider=provider, url=url, kind="http_probe", timeout_seconds=TIMEOUT_SECONDS
            )
        )
    return sources


def outcomes(runs) -> dict[str, list[tuple[str, str, int | None]]]:
    by_kind: dict[str, list[tuple[str, str, int | None]]] = {"hanging": [], "answering": []}
    for run in runs:
        kind = "hanging" if "hang" in run.source.url else "answering"
        by_kind[kind].append((run.result.verdict, run.result.error_class, run.result.status_code))
    return by_kind


def test_fifty_targets_five_hanging_the_other_45_are_recorded_as_answered(
    status_server, resolver, monkeypatch
):
    # asyncio sizes its default thread pool from the CPU count: a small worker's (2 CPUs).
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    hosts = [f"hang{i}.test" if i % 10 == 3 else f"ok{i}.test" for i in range(50)]
    runs = run_probes(make_targets(status_server, hosts))

    found = outcomes(runs)
    assert found["answering"] == [("up", "", 401)] * 45
    assert found["hanging"] == [("down", "timeout", None)] * 5
    assert ProbeResult.objects.filter(verdict="up").count() == 45
    assert not ProbeResult.objects.filter(message__contains="our own network").exists()


def test_targets_hanging_at_the_server_or_on_connect_cost_only_their_own_probes(
    status_server, nobody_accepts
):
    sources = make_targets(status_server, ["127.0.0.1"] * 50)
    for index in (3, 13, 23):
        status_server.set(f"/t{index}", status=200, delay=HANG_SECONDS)
    for index in (33, 43):
        Source.objects.filter(pk=sources[index].pk).update(
            url=f"http://127.0.0.1:{nobody_accepts}/hang"
        )
    sources = list(Source.objects.order_by("pk"))
    runs = run_probes(sources)
    hanging = {3, 13, 23, 33, 43}
    answered = [run.result for index, run in enumerate(runs) if index not in hanging]
    stuck = [run.result for index, run in enumerate(runs) if index in hanging]
    assert [(r.verdict, r.status_code) for r in answered] == [("up", 401)] * 45
    assert {(r.verdict, r.error_class) for r in stuck} == {("down", "timeout")}
