"""What the admin does beyond editing rows: poll now (queued or at once), turn rows on and off.

"Poll now" on a change form polls right there, through the same functions as the workers
(`probes.status.polling.poll_source`, `probes.observe.probing.run_probes`), whose requests go
through the outbound seam with its timeouts, and says what happened. The list action queues
polls for the workers, since a whole list polled in one request could outlast it.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext

from probes.models import Provider, Source
from probes.observe import probing
from probes.status import polling
from probes.tasks import enqueue_sources


def enqueue_polls(source_ids: list[int]) -> int:
    """Poll these sources (probes in batches) once the admin's transaction commits, so a worker
    never reads a row before the admin's change lands; return how many sources."""
    transaction.on_commit(partial(enqueue_sources, source_ids))
    return len(source_ids)


def report_queued_polls(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, count: int
) -> None:
    if count:
        modeladmin.message_user(
            request,
            ngettext(
                "Queued %(count)d poll: a worker runs it within seconds, and the source's "
                "row shows its result. A source's own page polls at once and shows it.",
                "Queued %(count)d polls: workers run them within seconds, and each source's "
                "row shows its result. A source's own page polls at once and shows it.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
    else:
        modeladmin.message_user(request, gettext("No enabled sources to poll."), messages.WARNING)


def poll_sentence(source: Source) -> tuple[str, int]:
    """Poll one enabled source now; say what happened, with the message level to show it at."""
    if source.is_probe:
        run = probing.run_probes([source])[0]
        result = run.result
        facts = {
            "source": source.url,
            "verdict": result.get_verdict_display(),
            "code": result.status_code if result.status_code is not None else "—",
            "latency": f"{result.latency_ms:.0f}" if result.latency_ms is not None else "—",
            "reason": result.message or result.error_class or "—",
        }
        text = (
            gettext("Probed %(source)s: %(verdict)s (HTTP %(code)s, %(latency)s ms). %(reason)s")
            % facts
        )
        return text, messages.SUCCESS if result.verdict == "up" else messages.WARNING
    poll = polling.poll_source(source)
    source.refresh_from_db()
    provider = Provider.objects.get(pk=source.provider_id)
    count = source.components.filter(is_active=True).count()
    facts = {
        "source": source.url,
        "format": source.format or "—",
        "count": count,
        "status": provider.status_label,
        "reason": poll.message,
    }
    if poll.state == "error":
        text = gettext(
            "Polled %(source)s: it could not be read: %(reason)s. The provider now shows "
            "%(status)s."
        )
        return text % facts, messages.ERROR
    if poll.state == "unchanged":
        text = ngettext(
            "Polled %(source)s: nothing changed since the last poll. Read as %(format)s, "
            "%(count)d component followed; the provider shows %(status)s.",
            "Polled %(source)s: nothing changed since the last poll. Read as %(format)s, "
            "%(count)d components followed; the provider shows %(status)s.",
            count,
        )
        return text % facts, messages.SUCCESS
    text = ngettext(
        "Polled %(source)s: read as %(format)s, %(count)d component followed. The provider "
        "shows %(status)s.",
        "Polled %(source)s: read as %(format)s, %(count)d components followed. The provider "
        "shows %(status)s.",
        count,
    )
    return text % facts, messages.SUCCESS


def poll_sources_now(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, sources: list[Source]
) -> None:
    """Poll these sources one by one and report each; once the poll time budget is spent,
    queue the rest for the workers rather than hold the page."""
    enabled = [source for source in sources if source.enabled and source.provider.enabled]
    if not enabled:
        modeladmin.message_user(
            request,
            gettext(
                "Nothing polled: no enabled source of an enabled provider. Enable it first, "
                "or press Detect on a source for a dry run."
            ),
            messages.WARNING,
        )
        return
    started = time.monotonic()
    for number, source in enumerate(enabled):
        if time.monotonic() - started > settings.AIWATCH_HTTP_TOTAL_TIMEOUT:
            report_queued_polls(
                modeladmin, request, enqueue_polls([rest.pk for rest in enabled[number:]])
            )
            return
        text, level = poll_sentence(source)
        modeladmin.message_user(request, text, level)


def set_enabled(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any], enabled: bool
) -> tuple[int, int]:
    """Turn the selected rows on or off, noting each change in the admin's history; return how
    many changed and how many already were so."""
    changing = list(queryset.exclude(enabled=enabled))
    queryset.model.objects.filter(pk__in=[row.pk for row in changing]).update(enabled=enabled)
    for row in changing:
        modeladmin.log_change(request, row, [{"changed": {"fields": ["enabled"]}}])
    return len(changing), queryset.count() - len(changing)


def already_so(count: int) -> str:
    if not count:
        return ""
    return " " + ngettext("%(count)d was already so.", "%(count)d were already so.", count) % {
        "count": count
    }
