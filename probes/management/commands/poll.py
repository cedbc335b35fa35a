from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from probes.models import Source
from probes.status.polling import poll_source


class Command(BaseCommand):
    help = "Poll sources now, without a broker; one line per source. Exit status 1 on any error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--provider",
            action="append",
            default=[],
            metavar="SLUG",
            help="Only this provider's sources (repeatable). Default: every enabled source.",
        )
        parser.add_argument("--source", action="append", type=int, default=[], metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        # Status pages only: probes run with `manage.py probe`.
        try:
            sources = Source.objects.active().status_pages().for_providers(options["provider"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["source"]:
            sources = sources.filter(pk__in=options["source"])
        failed = 0
        for source in sources.order_by("provider__slug", "pk"):
            result = poll_source(source)
            failed += result.state == "error"
            self.stdout.write(f"{source.provider.slug:<16} {source.url}  {result}")
        if failed:
            raise CommandError(_("%(count)d source(s) failed") % {"count": failed}, returncode=1)
