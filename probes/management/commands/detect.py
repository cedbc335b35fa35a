"""`manage.py detect URL`: which status platform a URL speaks, and what a poll would record.

A dry run: it fetches and parses, prints the result, and writes nothing, except that
`--source ID --reset` forgets the source's detected format so its next poll detects afresh.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from probes import outbound
from probes.models import Source
from probes.parsers import detect_format
from probes.parsers.payload import ParseTimeout, time_budget
from probes.parsers.types import Filters, ParsedPage, ParseError


class Command(BaseCommand):
    help = "Detect the status format of a URL (or a saved file) and show what would be recorded."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "url", nargs="?", help="E.g. https://status.claude.com/api/v2/summary.json"
        )
        parser.add_argument("--file", help="Read the payload from this file instead of fetching.")
        parser.add_argument(
            "--filters",
            default="",
            help='JSON filters, e.g. \'{"services": ["bedrock"], "regions": ["us-east-1"]}\'.',
        )
        parser.add_argument(
            "--source", type=int, metavar="ID", help="Use this source's URL and filters."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="With --source: forget its detected format so the next poll detects it again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"] or ""
        filters = self._filters(options["filters"])
        source = None
        if options["source"] is not None:
            source = Source.objects.select_related("provider").filter(pk=options["source"]).first()
            if source is None:
                raise CommandError(f"no source with id {options['source']}")
            url = url or source.url
            filters = filters or (source.filters if isinstance(source.filters, dict) else {})
            self.stdout.write(
                f"source {source.pk} ({source.provider.slug}): kind {source.kind}, "
                f"detected {source.detected_format or '-'}"
            )
            if options["reset"]:
                Source.objects.filter(pk=source.pk).update(detected_format="", body_hash="")
                self.stdout.write("detected format cleared: the next poll detects it again")
        elif options["reset"]:
            raise CommandError("--reset needs --source ID")

        content = self._content(url, options["file"])
        try:
            # The same budget as a poll: a hostile payload cannot hold the command.
            with time_budget(settings.AIWATCH_PARSE_SECONDS):
                kind, page = detect_format(content, filters)
        except (ParseError, ParseTimeout) as error:
            raise CommandError(f"unreadable: {error}") from None
        self.stdout.write(f"platform: {kind}")
        if source is not None and source.kind not in (Source.Kind.AUTO, kind):
            self.stdout.write(f"note: the source is set to kind {source.kind}, which differs")
        self._describe(page)

    def _filters(self, text: str) -> Filters:
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as error:
            raise CommandError(f"--filters is not JSON: {error}") from None
        if not isinstance(value, dict) or not all(
            isinstance(v, list) and all(isinstance(i, str) for i in v) for v in value.values()
        ):
            raise CommandError(
                '--filters must map names to lists of strings, e.g. {"regions": ["us-east-1"]}'
            )
        return value

    def _content(self, url: str, path: str | None) -> bytes:
        if path:
            try:
                return Path(path).read_bytes()
            except OSError as error:
                raise CommandError(f"cannot read {path}: {error.strerror}") from None
        if not url:
            raise CommandError("give a URL, --file PATH or --source ID")
        try:
            fetched = outbound.fetch(url)
        except outbound.FetchError as error:
            raise CommandError(f"fetch failed ({error.kind}): {error}") from None
        if not 200 <= fetched.status_code < 300:
            raise CommandError(f"HTTP {fetched.status_code} from {fetched.url}")
        return fetched.content

    def _describe(self, page: ParsedPage) -> None:
        write = self.stdout.write
        write("dry run, nothing saved. A poll would record:")
        if page.indicator is not None:
            write(f"  page headline: {page.indicator.label}")
        if page.has_component_states:
            write(f"  {len(page.components)} components (their current states):")
            for component in page.components:
                kind = " [group]" if component.is_group else ""
                write(f"    {component.status.label:<22} {component.name}{kind}")
        else:
            write("  no component states (this format does not carry them)")
        open_incidents = [i for i in page.incidents if i.is_open]
        write(
            f"  {len(page.incidents)} incidents, {len(open_incidents)} open"
            + ("; the list holds every open incident" if page.lists_all_open_incidents else "")
        )
        for incident in page.incidents:
            state = "open" if incident.is_open else "closed"
            write(
                f"    {state:<6} {incident.status.value:<13} {incident.impact.value:<11} "
                f"{incident.started_at:%Y-%m-%d %H:%M}Z  {incident.title[:70]}"
                f"  ({len(incident.updates)} updates)"
            )
        for note in page.notes:
            write(f"  note: {note}")
