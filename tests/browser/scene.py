"""One set of rows that gives every page something to show, read just now (the browser's clock
and the live server's are the real ones), and the pages a person visits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from alerts.models import Playbook
from probes.models import Incident
from tests.factories import make_component, make_incident, make_provider, make_read_source


def make_scene() -> dict[str, str]:
    """A provider in a major outage with an incident and a playbook, a calm alternative and a
    calm upstream cloud; names as tests/dashboard/test_french_pages.py lists them as written.
    Returns the pages by name."""
    now = timezone.now()
    broken = make_provider("example", name="Example AI", status="major_outage")
    make_read_source(broken, at=now)
    group = make_component(broken, "APIs", is_group=True)
    make_component(broken, "Chat", status="major_outage", group=group)
    Playbook.objects.create(provider=broken, body="1. Switch the bot to **Other AI**.")
    make_read_source(make_provider("other", name="Other AI"), at=now)
    cloud = make_provider("cloud", name="Cloud")
    make_read_source(cloud, at=now)
    broken.upstreams.add(cloud)
    incident: Incident = make_incident(
        broken,
        "Chat is down",
        started_at=now - timedelta(minutes=30),
        updates=[("investigating", "Looking.", now - timedelta(minutes=30))],
    )
    make_incident(
        cloud, "Region down", started_at=now - timedelta(days=3), resolved_at=now, status="resolved"
    )
    return {
        "overview": "/",
        "provider": "/providers/example/",
        "incident": f"/incidents/{incident.pk}/",
        "incidents": "/incidents/",
        "history": "/history/",
        "api": "/api/",
        "stack": "/stack/",
        "drills": "/drills/",
        "zones": "/timezone/",
    }


# Reports Content-Security-Policy violations: an init script, so it listens before any of the
# page's own scripts run.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def csp_violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__cspViolations || []"))
