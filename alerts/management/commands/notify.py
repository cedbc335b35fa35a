from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.delivery import deliver_pending
from alerts.reminders import schedule_reminders


class Command(BaseCommand):
    help = (
        "Deliver pending alerts now, without a broker; one line per delivery. "
        "Exit status 1 if any delivery failed for good."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--due-only",
            action="store_true",
            help="Leave deliveries that wait for a retry until their time (default: send them).",
        )
        parser.add_argument(
            "--no-reminders", action="store_true", help="Do not create due repeat reminders first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_reminders"]:
            schedule_reminders(timezone.now())
        report = deliver_pending(include_waiting=not options["due_only"])
        for line in report.lines:
            self.stdout.write(line)
        self.stdout.write(
            _("%(sent)d sent, %(retrying)d to retry, %(failed)d failed")
            % {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}
        )
        if report.failed:
            raise CommandError(
                _("%(count)d delivery(ies) failed") % {"count": report.failed}, returncode=1
            )
