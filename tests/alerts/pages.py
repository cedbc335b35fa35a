"""Statuspage summary.json payloads built in code, for alert scenarios."""

from __future__ import annotations

import json

INDICATORS = {
    "operational": "none",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
    "under_maintenance": "maintenance",
}


def component(cid: str, name: str, status: str, position: int = 0) -> dict[str, object]:
    return {
        "id": cid,
        "name": name,
        "status": status,
        "created_at": "2024-03-01T10:00:00.000Z",
        "updated_at": "2026-11-20T10:05:00.000Z",
        "position": position,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": "page00000001",
        "group": False,
        "only_show_if_degraded": False,
    }


def incident(
    iid: str,
    name: str,
    *,
    status: str = "investigating",
    impact: str = "critical",
    components: tuple[str, ...] = (),
    updates: tuple[tuple[str, str, str], ...] = (),
) -> dict[str, object]:
    """`updates` are (id, status, body), oldest first."""
    return {
        "id": iid,
        "name": name,
        "status": status,
        "impact": impact,
        "created_at": "2026-11-20T10:02:11.000Z",
        "updated_at": "2026-11-20T10:31:02.000Z",
        "started_at": "2026-11-20T09:58:00.000Z",
        "monitoring_at": None,
        "resolved_at": None,
        "shortlink": f"https://stspg.io/{iid}",
        "page_id": "page00000001",
        "components": [{"id": cid, "name": cid} for cid in components],
        "incident_updates": [
            {
                "id": uid,
                "status": ustatus,
                "body": body,
                "incident_id": iid,
                "created_at": f"2026-11-20T10:{10 + n:02d}:00.000Z",
                "updated_at": f"2026-11-20T10:{10 + n:02d}:00.000Z",
                "display_at": f"2026-11-20T10:{10 + n:02d}:00.000Z",
                "affected_components": None,
            }
            for n, (uid, ustatus, body) in reversed(list(enumerate(updates)))
        ],
    }


def summary(
    statuses: dict[str, str],
    *,
    incidents: tuple[dict[str, object], ...] = (),
    maintenances: tuple[dict[str, object], ...] = (),
    name: str = "Example AI",
) -> bytes:
    """A summary.json whose components are {id: status}, named after their ids."""
    worst = "operational"
    order = [
        "operational",
        "under_maintenance",
        "degraded_performance",
        "partial_outage",
        "major_outage",
    ]
    for status in statuses.values():
        if order.index(status) > order.index(worst):
            worst = status
    payload = {
        "page": {
            "id": "page00000001",
            "name": name,
            "url": "https://status.example-ai.test",
            "time_zone": "Etc/UTC",
            "updated_at": "2026-11-20T10:31:02.514Z",
        },
        "status": {"indicator": INDICATORS[worst], "description": worst},
        "components": [
            component(cid, cid, status, position)
            for position, (cid, status) in enumerate(statuses.items())
        ],
        "incidents": list(incidents),
        "scheduled_maintenances": list(maintenances),
    }
    return json.dumps(payload).encode()
