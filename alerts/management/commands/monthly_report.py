from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.events import EventType
from alerts.messages import headline, render_body
from alerts.models import Event
from alerts.monthly_report import dedupe_key, report_payload, send_monthly_report
from probes.stack.exposure import monthly_report, previous_month


def parse_month(value: str) -> date:
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise CommandError(f"--month must look like 2026-11, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "The monthly exposure report (minutes each feature was affected, incidents, drills, "
        "plan B): print it, or with --send queue it for the alert channels, once per month. "
        "Beat sends the last month's on the 1st by itself."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--month", help="YYYY-MM (default: the last complete month).", default=""
        )
        parser.add_argument(
            "--send",
            action="store_true",
            help="Queue it for every channel that takes it; `manage.py notify` delivers it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        month = parse_month(options["month"]) if options["month"] else previous_month(now)
        if not options["send"]:
            payload = report_payload(monthly_report(month, now=now))
            self.stdout.write(headline(EventType.MONTHLY_REPORT, payload))
            self.stdout.write("")
            self.stdout.write(
                render_body(
                    EventType.MONTHLY_REPORT,
                    payload,
                    base_url="",
                    thread="",
                    event_id="-",
                    is_update=False,
                ).rsplit("\n\n", 1)[0]
            )
            return
        try:
            event, deliveries = send_monthly_report(now=now, month=month)
        except ValueError as problem:
            raise CommandError(str(problem)) from None
        if event is None and not Event.objects.filter(dedupe_key=dedupe_key(month)).exists():
            self.stdout.write(_("No features are set up yet."))
        elif event is None:
            self.stdout.write(
                _("The report for %(month)s was sent already.") % {"month": f"{month:%Y-%m}"}
            )
        else:
            self.stdout.write(
                _("The report for %(month)s is queued for %(count)d channels.")
                % {"month": f"{month:%Y-%m}", "count": len(deliveries)}
            )
