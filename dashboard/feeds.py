"""Our own Atom feed of incidents: /feeds/incidents.atom, all providers or ?provider=SLUG."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from probes.models import Incident, Provider
from probes.validation import web_link

FEED_SIZE = 50


class IncidentsFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed
    # Times in the entries are UTC: a feed reader has no viewer zone to use.
    description_template = None

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> Provider | None:
        slug = request.GET.get("provider", "").strip()
        if not slug:
            return None
        provider = Provider.objects.filter(slug=slug).first()
        if provider is None:
            raise Http404(f"unknown provider {slug!r}")
        return provider

    def title(self, obj: Provider | None) -> str:
        if obj is None:
            return _("AI Watch: incidents")
        return _("AI Watch: %(name)s incidents") % {"name": obj.name}

    def subtitle(self, obj: Provider | None) -> str:
        who = obj.name if obj else _("the AI services AI Watch follows")
        return _("Incidents and outages of %(who)s, newest first. Times in UTC.") % {"who": who}

    def link(self, obj: Provider | None) -> str:
        if obj is not None:
            return reverse("dashboard:provider-detail", args=[obj.slug])
        return reverse("dashboard:incident-list")

    def items(self, obj: Provider | None) -> list[Incident]:
        incidents = Incident.objects.select_related("provider").prefetch_related("updates")
        if obj is not None:
            incidents = incidents.filter(provider=obj)
        return list(incidents.order_by("-started_at", "-pk")[:FEED_SIZE])

    def item_title(self, item: Incident) -> str:
        return f"{item.provider.name}: {item.title}"

    def item_link(self, item: Incident) -> str:
        return reverse("dashboard:incident-detail", args=[item.pk])

    def item_guid(self, item: Incident) -> str:
        return f"aiwatch:incident:{item.provider.slug}:{item.external_id}"

    item_guid_is_permalink = False

    def item_description(self, item: Incident) -> str:
        resolved = _utc(item.resolved_at) if item.resolved_at else _("not yet")
        impact = _("%(impact)s impact, %(status)s.") % {
            "impact": f"<strong>{escape(item.get_impact_display())}</strong>",
            "status": escape(item.get_status_display().lower()),
        }
        times = _("Started %(started)s; resolved %(resolved)s.") % {
            "started": _utc(item.started_at),
            "resolved": resolved,
        }
        parts = [f"<p>{impact}</p>", f"<p>{times}</p>"]
        updates = list(item.updates.all())
        if updates:
            latest = max(updates, key=lambda update: (update.at, update.pk))
            parts.append(
                "<p>"
                + _("Latest update (%(status)s, %(at)s):")
                % {"status": escape(latest.status), "at": _utc(latest.at)}
                + f" {escape(latest.body[:2000])}</p>"
            )
        # Stored links passed the link rule when they were stored; rows from before it (or
        # written by hand) are checked again here, since this HTML is rendered by feed readers.
        postmortem = web_link(item.postmortem_url)
        if postmortem:
            parts.append(f'<p><a href="{escape(postmortem)}">{escape(_("Postmortem"))}</a></p>')
        return "".join(parts)

    def item_pubdate(self, item: Incident) -> datetime:
        return item.started_at

    def item_updateddate(self, item: Incident) -> datetime:
        return item.updated_at

    def item_categories(self, item: Incident) -> list[str]:
        return [item.provider.slug, item.impact]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
