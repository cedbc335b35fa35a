"""Turning an event's snapshot into the words and the JSON a channel receives.

Pure: the event's payload (written with it in the outbox) in, a Message out. The same event and
channel always give byte-identical output, so a retried webhook carries the same signature.

Provider text (names, component names, incident titles and updates, source errors) comes from
status pages we do not control. It is flattened to one line, so it cannot forge lines of its own
("**OpenAI** is now **Operational**", a fake "Plan B"), and its mentions are broken (`@channel`,
`@everyone`, `<!here>`), for every channel. In the Markdown body it is also escaped, so it cannot
become a link, emphasis or HTML; links are ours to write, only to http(s) addresses. The title is
plain text (Apprise shows it as such; Slack's plugin escapes it). The webhook's JSON carries the
same title and text, and the raw values as data.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from alerts.drill_messages import drill_headline, drill_lines
from alerts.events import EventType
from alerts.feature_messages import feature_lines, features_headline
from alerts.playbooks import quote_for_message
from alerts.report_messages import report_headline, report_lines
from alerts.transports import Message
from probes.parsers.types import INCIDENT_STATUS_LABELS, LABELS, IncidentStatus, Status
from probes.validation import web_link

MAX_COMPONENTS = 15

# "@" before a name (@everyone, @here, @channel, @U123) and Slack's "<!here>", "<@U123>",
# "<#C123>": a zero-width space after the "@" or "<" keeps the text readable and stops every
# chat service from pinging anyone.
_MENTION = re.compile(r"@(?=[\w!&])|<(?=[!@#])")
# Characters that start Markdown (or HTML, for channels that render Markdown to HTML) inline.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~!])")
# Characters a link target may not carry unencoded inside "[text](target)".
_LINK_TARGET = str.maketrans({"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C"})


def one_line(value: object) -> str:
    """Text on one line: newlines, Unicode line separators and control characters are spaces."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value or ""))
    return " ".join(text.split())


def plain(value: object) -> str:
    """Provider text for a plain-text field (the title): one line, no live mentions."""
    return _MENTION.sub(lambda match: match.group() + "\u200b", one_line(value))


def inline(value: object) -> str:
    """Provider text inside the Markdown body: one line, no mentions, no markup."""
    return _MARKDOWN.sub(r"\\\1", plain(value))


def link(text: str, url: object) -> str:
    """A Markdown link to `url` when it is http(s); just the text otherwise."""
    target = web_link(url)
    return f"[{text}]({target.translate(_LINK_TARGET)})" if target else text


def status_label(value: str | None) -> str:
    try:
        return str(LABELS[Status(value or "unknown")])
    except ValueError:
        return str(value)


def incident_state(value: object) -> str:
    """An incident's status word ("in_progress") as the reader says it ("in progress")."""
    try:
        return str(INCIDENT_STATUS_LABELS[IncidentStatus(str(value))]).lower()
    except ValueError:
        return str(value or "").replace("_", " ")


def absolute(base_url: str, path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def headline(event_type: str, payload: dict[str, Any]) -> str:
    """One line saying what happened, without the "Update:" mark."""
    name = plain(payload.get("provider", {}).get("name", "AI Watch"))
    status = payload.get("status") or {}
    new = status.get("new")
    incidents = payload.get("incidents", [])
    first_incident = plain(incidents[0]["title"]) if incidents else ""
    if event_type == EventType.TEST:
        return _("AI Watch test message")
    if event_type == EventType.DRILL:
        return drill_headline(payload)
    if event_type == EventType.MONTHLY_REPORT:
        return report_headline(payload)
    if event_type == EventType.REMINDER:
        return _("%(name)s is still %(status)s") % {
            "name": name,
            "status": status_label(new).lower(),
        }
    if event_type in (EventType.OBSERVED_OUTAGE, EventType.OBSERVED_RECOVERED):
        observed = payload.get("observed") or {}
        if event_type == EventType.OBSERVED_OUTAGE:
            return _("%(name)s: outage confirmed by our own checks (%(status)s)") % {
                "name": name,
                "status": status_label(observed.get("new")),
            }
        return _("%(name)s: our own checks see it working again") % {"name": name}
    if event_type == EventType.REPORT_BURST:
        burst = payload.get("report_burst") or {}
        return _("%(name)s: %(count)d team reports in the last %(minutes)d minutes") % {
            "name": name,
            "count": int(burst.get("recent") or 0),
            "minutes": int(burst.get("minutes") or 0),
        }
    if event_type == EventType.ACKNOWLEDGED:
        ack = payload.get("acknowledgement") or {}
        words = {"name": name, "by": plain(ack.get("by", ""))}
        if ack.get("plan_b_in_place"):
            return _("%(name)s: acknowledged by %(by)s, plan B in place") % words
        return _("%(name)s: acknowledged by %(by)s") % words
    if event_type == EventType.MAINTENANCE_STARTED:
        started = _("%(name)s: maintenance started") % {"name": name}
        return f"{started}: {first_incident}" if first_incident else started
    if event_type == EventType.MAINTENANCE_ENDED:
        ended = _("%(name)s: maintenance ended") % {"name": name}
        return f"{ended}: {first_incident}" if first_incident else ended
    if event_type == EventType.STATUS_CHANGED:
        components = payload.get("components", [])
        if new is None and len(components) == 1:
            only = components[0]
            return _("%(name)s: %(component)s %(status)s") % {
                "name": name,
                "component": plain(only["name"]),
                "status": status_label(only["new"]).lower(),
            }
        if new is None:
            return _("%(name)s: %(count)d components changed") % {
                "name": name,
                "count": len(components),
            }
        if new == Status.OPERATIONAL:
            return _("%(name)s is operational again") % {"name": name}
        return _("%(name)s: %(status)s") % {"name": name, "status": status_label(new)}
    if event_type == EventType.INCIDENT_OPENED:
        return _("%(name)s: incident opened: %(title)s") % {"name": name, "title": first_incident}
    if event_type == EventType.INCIDENT_RESOLVED:
        return _("%(name)s: incident resolved: %(title)s") % {"name": name, "title": first_incident}
    if event_type == EventType.INCIDENT_UPDATED:
        return _("%(name)s: incident update: %(title)s") % {"name": name, "title": first_incident}
    if event_type == EventType.SOURCE_UNREADABLE:
        others_say = (payload.get("source") or {}).get("others_say")
        if others_say:
            return _("%(name)s: one status source unreadable; the others still say %(status)s") % {
                "name": name,
                "status": status_label(others_say),
            }
        return _("%(name)s: status source unreadable, status unknown") % {"name": name}
    if event_type == EventType.SOURCE_RECOVERED:
        return _("%(name)s: status source readable again") % {"name": name}
    return _("%(name)s: %(status)s") % {"name": name, "status": event_type}


def notify_type(event_type: str, payload: dict[str, Any]) -> str:
    """Apprise's colour: failure for outages, success for recoveries, warning in between."""
    new = (payload.get("status") or {}).get("new") or (payload.get("observed") or {}).get("new")
    if new is None and payload.get("components"):
        # A change inside a provider whose overall status stayed put: its worst component.
        new = max((Status(c["new"]) for c in payload["components"]), key=lambda s: s.severity).value
    if event_type in (
        EventType.TEST,
        EventType.INCIDENT_UPDATED,
        EventType.MONTHLY_REPORT,
        EventType.ACKNOWLEDGED,
    ):
        return "info"
    if (
        event_type
        in (
            EventType.OBSERVED_RECOVERED,
            EventType.MAINTENANCE_ENDED,
            EventType.INCIDENT_RESOLVED,
            EventType.SOURCE_RECOVERED,
        )
        or new == Status.OPERATIONAL
    ):
        return "success"
    if (
        new in (Status.MAJOR_OUTAGE, Status.PARTIAL_OUTAGE)
        or event_type == EventType.OBSERVED_OUTAGE
    ):
        return "failure"
    return "warning"


def render_body(
    event_type: str,
    payload: dict[str, Any],
    *,
    base_url: str,
    thread: str,
    event_id: str,
    is_update: bool,
) -> str:
    provider = payload.get("provider", {})
    name = inline(provider.get("name", ""))
    lines: list[str] = drill_lines(payload) if event_type == EventType.DRILL else []
    if event_type == EventType.MONTHLY_REPORT:
        page = absolute(base_url, (payload.get("report") or {}).get("page", ""))
        lines = report_lines(payload, inline=inline, link=link, page=page)
    status = payload.get("status")
    if status:
        words = {"name": name, "new": status_label(status.get("new"))}
        if status.get("old"):
            words["old"] = status_label(status.get("old"))
            lines.append(_("**%(name)s** is now **%(new)s** (was %(old)s).") % words)
        else:
            lines.append(_("**%(name)s** is now **%(new)s**.") % words)
    if payload.get("since"):
        since = payload["since"][:16].replace("T", " ")
        lines.append(_("Not operational since %(since)s UTC.") % {"since": since})
    if event_type == EventType.TEST:
        lines.append(_("This channel is set up: AI Watch alerts will arrive here."))
    observed = payload.get("observed")
    if observed:
        lines.append(
            _("Our own checks: **%(new)s** (was %(old)s).")
            % {"new": status_label(observed.get("new")), "old": status_label(observed.get("old"))}
            + (f" {inline(observed['detail'])}" if observed.get("detail") else "")
        )
    components = payload.get("components", [])
    if components:
        shown = [
            f"{inline(c['name'])} ({status_label(c['new'])})" for c in components[:MAX_COMPONENTS]
        ]
        more = len(components) - len(shown)
        listed = ", ".join(shown)
        if more > 0:
            listed = _("%(listed)s and %(more)d more") % {"listed": listed, "more": more}
        lines.append(
            _("Components (%(count)d): %(listed)s.") % {"count": len(components), "listed": listed}
        )
    change_words = {
        "opened": _("Incident opened"),
        "updated": _("Incident updated"),
        "resolved": _("Incident resolved"),
        "maintenance_started": _("Maintenance started"),
        "maintenance_ended": _("Maintenance ended"),
    }
    for incident in payload.get("incidents", []):
        title = link(inline(incident["title"]), incident.get("url"))
        state = inline(incident_state(incident.get("status")))
        words = {"change": change_words.get(incident["change"], _("Incident")), "title": title}
        line = "- " + _("%(change)s: %(title)s (%(state)s)") % {**words, "state": state}
        if incident.get("latest_update"):
            line = _("%(line)s: %(update)s") % {
                "line": line,
                "update": inline(incident["latest_update"]),
            }
        elif incident.get("closing_words_pending"):
            line = _("%(line)s; the provider's closing words are not published yet") % {
                "line": line
            }
        lines.append(line)
    lines += team_lines(payload)
    source = payload.get("source")
    if source and source.get("error"):
        lines.append(_("Status source: %(error)s") % {"error": inline(source["error"])})
    lines += feature_lines(payload, inline)
    if payload.get("playbook"):
        plan_b = _("Plan B")
        lines.append(f"**{plan_b}**")
        lines.append(quote_for_message(payload["playbook"]))
    alternatives = payload.get("alternatives") or []
    if alternatives:
        names = ", ".join(
            f"{link(inline(alt['name']), absolute(base_url, alt['url']))} "
            f"({inline('; '.join([', '.join(alt['shared']), *alt.get('caveats', [])]))})"
            for alt in alternatives
        )
        lines.append(_("Up now with the same capabilities: %(names)s.") % {"names": names})
    asked = payload.get("affected_links") or {}
    if asked.get("yes") and asked.get("no"):
        lines.append(
            _("Affected too? %(yes)s · %(no)s")
            % {
                "yes": link(_("yes"), absolute(base_url, asked["yes"])),
                "no": link(_("no"), absolute(base_url, asked["no"])),
            }
        )
    links = []
    if web_link(provider.get("status_page")):
        links.append(link(_("status page"), provider["status_page"]))
    if web_link(absolute(base_url, provider.get("page", ""))):
        links.append(link("AI Watch", absolute(base_url, provider["page"])))
    if links:
        lines.append(" · ".join(links))
    if is_update:
        lines.append(
            _("Update to alert %(thread)s (this is alert %(event)s).")
            % {"thread": thread, "event": event_id}
        )
    else:
        lines.append(_("Alert %(event)s.") % {"event": event_id})
    return "\n\n".join(lines)


def team_lines(payload: dict[str, Any]) -> list[str]:
    """What the team said: a burst of reports, or who acknowledged and who is on it."""
    lines = []
    burst = payload.get("report_burst")
    if burst:
        lines.append(
            _('%(count)d teammates pressed "I\'m affected" in the last %(minutes)d minutes.')
            % {"count": int(burst.get("recent") or 0), "minutes": int(burst.get("minutes") or 0)}
        )
    ack = payload.get("acknowledgement")
    if ack:
        target = ack.get("target") or {}
        if target.get("kind") == "incident":
            what = link(inline(target.get("title", "")), target.get("url"))
            line = _("Acknowledged by **%(by)s**: incident %(what)s.")
        else:
            what = ""
            line = _("Acknowledged by **%(by)s**: the outage our own checks confirmed.")
        lines.append(line % {"by": inline(ack.get("by", "")), "what": what})
        if ack.get("plan_b_in_place"):
            lines.append(_("Plan B is in place."))
        if ack.get("on_it"):
            lines.append(_("On it: %(names)s.") % {"names": inline(ack["on_it"])})
        if ack.get("note"):
            lines.append(_("Note: %(note)s") % {"note": inline(ack["note"])})
    return lines


def build_message(
    *,
    event_type: str,
    types: list[str],
    severity: str,
    at: str,
    payload: dict[str, Any],
    event_id: str,
    thread: str,
    is_update: bool,
    closes_thread: bool,
    key: str,
    base_url: str,
    language: str | None = None,
) -> Message:
    """The message for one delivery, in the channel's `language` (None: the site's). Follow-ups
    start with "Update:" and name the first alert."""
    with translation.override(language or settings.LANGUAGE_CODE):
        title = headline(event_type, payload)
        hits = features_headline(payload, plain)
        if hits:
            title = f"{title} ({hits})"
        if is_update:
            title = _("Update: %(title)s") % {"title": title}
        body = render_body(
            event_type,
            payload,
            base_url=base_url,
            thread=thread,
            event_id=event_id,
            is_update=is_update,
        )
    provider = dict(payload.get("provider", {}))
    if provider.get("page"):
        provider["page"] = absolute(base_url, provider["page"])
    document = {
        "version": 1,
        "delivery": key,
        "event": {
            "id": event_id,
            "type": event_type,
            "types": types,
            "severity": severity,
            "at": at,
            "thread": thread,
            "in_reply_to": thread if is_update else None,
            "is_update": is_update,
            "closes_thread": closes_thread,
        },
        "title": title,
        "text": body,
        "provider": provider or None,
        "status": payload.get("status"),
        "observed": payload.get("observed"),
        "components": payload.get("components", []),
        "incidents": payload.get("incidents", []),
        "source": payload.get("source"),
        "playbook": payload.get("playbook"),
        "features": payload.get("features", []),
        "report_burst": payload.get("report_burst"),
        "acknowledgement": payload.get("acknowledgement"),
        "affected_links": {
            answer: absolute(base_url, path)
            for answer, path in (payload.get("affected_links") or {}).items()
        }
        or None,
        "alternatives": [
            {**alt, "url": absolute(base_url, alt["url"])}
            for alt in payload.get("alternatives", [])
        ],
        # Only the monthly report carries one, so every other document stays as it was.
        **({"report": payload["report"]} if "report" in payload else {}),
    }
    return Message(
        title=title,
        body=body,
        notify_type=notify_type(event_type, payload),
        document=json.dumps(document, sort_keys=True, separators=(",", ":")).encode(),
        key=key,
        event_type=event_type,
    )
