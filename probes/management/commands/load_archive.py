from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from probes.status.archive import DEFAULT_PATH, ArchiveError, load_archive, read_archive_file


class Command(BaseCommand):
    help = "Load the shipped outage archive (aiwatch/archive.toml). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=DEFAULT_PATH, help="Another archive file.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            entries = read_archive_file(options["file"])
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        report = load_archive(entries)
        for slug in report.providers_created:
            self.stdout.write(_("provider created: %(slug)s") % {"slug": slug})
        self.stdout.write(
            _(
                "archive: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                "%(written)d timeline entries written"
            )
            % {
                "created": len(report.created),
                "updated": len(report.updated),
                "unchanged": len(report.unchanged),
                "written": report.updates_added,
            }
        )
