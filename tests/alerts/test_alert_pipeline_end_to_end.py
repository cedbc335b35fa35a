"""The whole path, as an operator runs it: catalog channel, poll, notify, a local receiver.

A channel with no filters, declared in a catalog file, gets exactly two messages for a page that
goes operational → major outage → operational: the outage (naming the alternatives that are up
and quoting the playbook) and the recovery, marked as an update of the outage.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from alerts.alternatives import provider_page_url
from alerts.models import Channel, Delivery, Event, Playbook
from probes.models import Provider
from tests.alerts.pages import summary
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

CATALOG = """
[[provider]]
slug = "example"
name = "Example AI"
url = "https://status.example-ai.test"
category = "model_api"
capabilities = ["chat", "code"]

[[provider.source]]
url = "{base}/example/summary.json"
kind = "statuspage"

[[provider]]
slug = "backup"
name = "Backup AI"
url = "https://status.backup.test"
category = "model_api"
capabilities = ["chat"]

[[provider.source]]
url = "{base}/backup/summary.json"

[[provider]]
slug = "painter"
name = "Painter"
url = "https://status.painter.test"
category = "image"
capabilities = ["image"]

[[provider.source]]
url = "{base}/painter/summary.json"

[[channel]]
name = "local-json"
url = "json://127.0.0.1:${{AIWATCH_SECRET_TEST_RECEIVER_PORT}}/hook"
"""


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_a_catalog_channel_gets_exactly_the_outage_and_the_recovery(
    status_server, receiver, tmp_path, monkeypatch
):
    monkeypatch.setenv("AIWATCH_SECRET_TEST_RECEIVER_PORT", str(receiver.port))
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(CATALOG.format(base=f"http://127.0.0.1:{status_server.port}"))
    operational = load_fixture("statuspage/summary_operational.json")
    status_server.set("/example/summary.json", operational)
    status_server.set("/backup/summary.json", summary({"api": "operational"}))
    status_server.set("/painter/summary.json", summary({"images": "operational"}))

    run("sync_catalog", str(catalog))
    channel = Channel.objects.get(name="local-json")
    # The secret-bearing part stays a placeholder in the database.
    assert channel.url == "json://127.0.0.1:${AIWATCH_SECRET_TEST_RECEIVER_PORT}/hook"
    Playbook.objects.create(
        provider=Provider.objects.get(slug="example"),
        body="Switch the support bot to **Backup AI**.\n\nTell #support-leads.",
    )

    run("poll")
    run("notify")
    assert receiver.requests == []

    status_server.set("/example/summary.json", load_fixture("statuspage/summary_major_outage.json"))
    run("poll")
    run("notify")
    assert len(receiver.requests) == 1

    status_server.set("/example/summary.json", operational)
    run("poll")
    run("notify")
    # Polling and notifying again changes nothing.
    run("poll")
    run("notify")

    assert len(receiver.requests) == 2
    outage, recovery = (json.loads(request.body) for request in receiver.requests)
    assert outage["type"] == "failure"
    assert outage["title"] == "Example AI: Major outage"
    assert "is now **Major outage** (was Operational)" in outage["message"]
    assert "Requests to the API are failing" in outage["message"]
    assert "> Switch the support bot to **Backup AI**." in outage["message"]
    assert "> Tell #support-leads." in outage["message"]
    assert (
        f"[Backup AI](http://localhost:8000{provider_page_url('backup')}) (chat)"
        in (outage["message"])
    )
    assert "Painter" not in outage["message"]

    assert recovery["type"] == "success"
    assert recovery["title"] == "Update: Example AI is operational again"
    first_event = Event.objects.get(root__isnull=True)
    assert f"Update to alert {first_event.uuid}" in recovery["message"]
    assert "Plan B" not in recovery["message"]

    keys = [request.headers["Idempotency-Key"] for request in receiver.requests]
    assert len(set(keys)) == 2
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
