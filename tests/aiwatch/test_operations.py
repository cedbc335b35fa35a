"""Operations: the JSON log format and the optional Sentry reporting."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from aiwatch.logformat import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


def test_a_json_log_line_carries_level_logger_message_and_extras():
    record = logging.makeLogRecord(
        {
            "name": "probes.polling",
            "levelname": "WARNING",
            "msg": "poll of %s failed",
            "args": ("openai",),
            "source_id": 7,
        }
    )

    line = json.loads(JsonFormatter().format(record))

    assert line["level"] == "WARNING"
    assert line["logger"] == "probes.polling"
    assert line["message"] == "poll of openai failed"
    assert line["source_id"] == 7
    assert line["time"].endswith("+00:00")


def settings_probe(**env: str) -> str:
    code = (
        "import django, logging, sentry_sdk; django.setup(); "
        "print(sentry_sdk.get_client().is_active()); "
        "logging.getLogger('aiwatch.test').warning('hello')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "aiwatch.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip() + "\n" + result.stderr.strip()


def test_sentry_is_off_by_default_and_on_with_a_dsn_and_logs_can_be_json():
    plain = settings_probe(SENTRY_DSN="", LOG_FORMAT="text").splitlines()
    assert plain[0] == "False"
    assert plain[-1] == "hello"

    # An address nothing listens on: init sends nothing until an event happens.
    configured = settings_probe(SENTRY_DSN="http://key@127.0.0.1:9/1", LOG_FORMAT="json")
    lines = configured.splitlines()
    assert lines[0] == "True"
    assert json.loads(lines[-1])["message"] == "hello"
