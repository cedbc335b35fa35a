from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from probes.history import rollups
from probes.models import Provider


class Command(BaseCommand):
    help = "Recompute the daily uptime rollups from the raw history (repair; pages never do this)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--provider",
            action="append",
            default=[],
            metavar="SLUG",
            help="Only this provider (repeatable). Default: every provider.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        providers = Provider.objects.order_by("slug")
        if options["provider"]:
            providers = providers.filter(slug__in=options["provider"])
            unknown = sorted(
                set(options["provider"]) - set(providers.values_list("slug", flat=True))
            )
            if unknown:
                raise CommandError(f"unknown provider: {', '.join(unknown)}")
        for provider in providers:
            written = rollups.rebuild(provider)
            self.stdout.write(
                f"{provider.slug:<16} " + _("%(count)d day rows") % {"count": written}
            )
