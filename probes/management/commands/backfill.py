from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from probes.models import Source
from probes.parsers import PARSERS
from probes.status.backfill import Target, backfill_source


class Command(BaseCommand):
    help = (
        "Import the past incidents each source offers (Statuspage/incident.io incidents.json, "
        "history feeds). Idempotent. Exit status 1 if any source failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--provider",
            action="append",
            default=[],
            metavar="SLUG",
            help="Only this provider's sources (repeatable). Default: every enabled source.",
        )
        parser.add_argument(
            "--url",
            default="",
            help="Read this history URL instead (needs exactly one --provider), "
            "e.g. https://status.example.com/history.atom",
        )
        parser.add_argument(
            "--format",
            default="",
            choices=["", *sorted(PARSERS)],
            help="The format of --url (default: detect it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Status pages only: probes have no history to backfill.
        try:
            sources = Source.objects.active().status_pages().for_providers(options["provider"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        target = None
        if options["url"]:
            if len(options["provider"]) != 1:
                raise CommandError("--url needs exactly one --provider")
            target = Target(options["url"], options["format"])
            first = sources.order_by("pk").first()
            sources = sources.filter(pk=first.pk) if first else sources.none()
        failed = 0
        for source in sources.order_by("provider__slug", "pk"):
            for result in backfill_source(source, target=target):
                failed += bool(result.error)
                self.stdout.write(f"{source.provider.slug:<16} {result.url}  {result}")
        if failed:
            raise CommandError(f"{failed} history source(s) failed", returncode=1)
