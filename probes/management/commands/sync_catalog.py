from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from probes.catalog import CatalogError, load_catalog_file, sync_catalog


class Command(BaseCommand):
    help = "Load the provider catalog (TOML) into the database: create or update by slug."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="Catalog file (default: aiwatch/catalog.toml)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]) if options["path"] else settings.AIWATCH_CATALOG_PATH
        try:
            report = sync_catalog(load_catalog_file(path))
        except CatalogError as error:
            raise CommandError(str(error)) from None  # it names the file already
        self.stdout.write(
            _(
                "%(path)s: %(created)d providers created, %(updated)d updated, %(unchanged)d "
                "unchanged; %(sources_created)d sources created, %(sources_updated)d updated"
            )
            % {
                "path": path,
                "created": len(report.created),
                "updated": len(report.updated),
                "unchanged": len(report.unchanged),
                "sources_created": report.sources_created,
                "sources_updated": report.sources_updated,
            }
        )
        for note in report.notes:
            self.stdout.write(f"{path}: {note}")
