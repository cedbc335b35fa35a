from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from probes.models import Provider, Source
from probes.probing import run_probes


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
        probes = (
            Source.objects.filter(enabled=True, provider__enabled=True, kind__in=Source.PROBE_KINDS)
            .select_related("provider")
            .order_by("provider__slug", "pk")
        )
        if options["provider"]:
            probes = probes.filter(provider__slug__in=options["provider"])
            unknown = sorted(
                set(options["provider"]) - set(probes.values_list("provider__slug", flat=True))
            )
            if unknown:
                raise CommandError(f"no enabled probes for: {', '.join(unknown)}")
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
                f"{provider.slug}: observed {provider.observed_status_label.lower()}, "
                f"official {provider.status_label.lower()}"
            )
