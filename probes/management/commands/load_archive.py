from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

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
            self.stdout.write(f"provider created: {slug}")
        self.stdout.write(
            f"archive: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {report.updates_added} timeline entries written"
        )
