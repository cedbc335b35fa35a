"""The suite's guard against reaching the network (tests/conftest.py)."""

from __future__ import annotations

import socket

import pytest


def test_a_connect_past_this_machine_fails_at_once_and_names_the_address():
    with socket.socket() as sock, pytest.raises(OSError, match="must not reach the network"):
        sock.connect(("203.0.113.7", 443))  # a documentation address (RFC 5737)


def test_this_machine_stays_reachable(status_server):
    with socket.create_connection(("127.0.0.1", status_server.port), timeout=5):
        pass
