"""/feeds/maintenance.ics: every announced scheduled maintenance as an iCalendar feed, so it
lands in the team's calendar. All providers, or ?provider=SLUG."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from probes.models import Incident, Provider

# Past maintenance stays in the calendar this long; upcoming maintenance is always there.
KEEP_PAST = timedelta(days=90)
# A window announced without an end is shown as this long.
DEFAULT_LENGTH = timedelta(hours=1)
MAX_EVENTS = 1000


def maintenance_event(incident: Incident, page_url: str) -> Event:
    start = incident.scheduled_for or incident.started_at
    end = incident.scheduled_until or incident.resolved_at or start + DEFAULT_LENGTH
    event = Event()
    # Stable across polls and across sites: a calendar updates the event instead of adding one.
    event.add("uid", f"{incident.provider.slug}-{incident.external_id}@aiwatch")
    event.add("summary", f"{incident.provider.name}: {incident.title}")
    event.add("dtstart", start)
    event.add("dtend", max(end, start + timedelta(minutes=1)))
    event.add("dtstamp", incident.updated_at)
    event.add("last-modified", incident.updated_at)
    event.add("status", "CONFIRMED")
    latest = max(incident.updates.all(), key=lambda update: update.at, default=None)
    description = [latest.body] if latest is not None and latest.body else []
    components = [component.name for component in incident.components.all()]
    if components:
        description.append("Affects: " + ", ".join(components))
    description.append(incident.url or page_url)
    event.add("description", "\n\n".join(description))
    event.add("url", incident.url or page_url)
    return event


@require_GET
def maintenance_calendar(request: HttpRequest) -> HttpResponse:
    windows = (
        Incident.objects.filter(is_maintenance=True)
        .select_related("provider")
        .prefetch_related("updates", "components")
    )
    slug = request.GET.get("provider", "").strip()
    if slug:
        if not Provider.objects.filter(slug=slug).exists():
            raise Http404(f"unknown provider {slug!r}")
        windows = windows.filter(provider__slug=slug)
    since = timezone.now() - KEEP_PAST
    windows = windows.exclude(resolved_at__lt=since).order_by("-started_at", "-pk")[:MAX_EVENTS]
    calendar = Calendar()
    calendar.add("prodid", "-//AI Watch//maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "AI provider maintenance")
    for incident in windows:
        page = request.build_absolute_uri(reverse("dashboard:incident-detail", args=[incident.pk]))
        calendar.add_component(maintenance_event(incident, page))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="maintenance.ics"'
    return response
