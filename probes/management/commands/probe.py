from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from probes.models import Provider, Source
from probes.observe.probing import run_probes


class Command(BaseCommand):
    help = (
        "Run probes now, without a broker, and apply the results to observed status; one line "
        "per probe. Every enabled probe unless --provider names some."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--provider",
            action="append",
            default=[],
            metavar="SLUG",
            help="Only this provider's probes (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            probes = (
                Source.objects.active()
                .probes()
                .for_providers(options["provider"], what="probes")
                .order_by("provider__slug", "pk")
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        runs = run_probes(list(probes))
        for run in runs:
            result = run.result
            latency = f"{result.latency_ms:.0f} ms" if result.latency_ms is not None else "-"
            detail = result.error_class or "ok"
            line = (
                f"{run.source.provider.slug:<16} {run.source.get_kind_display()[:10]:<10} "
                f"{run.source.url}  {result.verdict} ({detail}, "
                f"{result.status_code or '-'}, {latency})"
            )
            for transition in run.transitions:
                subject = "provider" if transition.source_id is None else "probe"
                line += (
                    f"\n    {subject} observed {transition.old_status} → {transition.new_status}"
                )
            self.stdout.write(line)
        slugs = sorted({run.source.provider.slug for run in runs})
        for provider in Provider.objects.filter(slug__in=slugs).order_by("slug"):
            self.stdout.write(
                _("%(slug)s: observed %(observed)s, official %(official)s")
                % {
                    "slug": provider.slug,
                    "observed": provider.observed_status_label.lower(),
                    "official": provider.status_label.lower(),
                }
            )
