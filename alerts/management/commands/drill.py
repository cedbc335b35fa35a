from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from alerts.drills import start_drill
from probes.models import Drill, Provider
from probes.parsers.types import Status
from probes.stack.drills import (
    DrillError,
    acknowledge,
    made_up_scenario,
    replay_scenario,
    stop_drill,
)
from probes.status.archive import ArchiveError, read_archive_file


class Command(BaseCommand):
    help = (
        "Plan-B drills: start one (a replayed archived outage or a made-up one), acknowledge it, "
        "stop it, list them. Real status data is never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        start = actions.add_parser("start", help="Start a drill.")
        start.add_argument(
            "--replay", metavar="YYYY-MM-DD", help="Replay the archived outages of that day."
        )
        start.add_argument("--provider", help="Made up: the provider slug that goes down.")
        start.add_argument(
            "--status",
            default=Status.MAJOR_OUTAGE.value,
            choices=[s.value for s in Status if s not in (Status.OPERATIONAL, Status.UNKNOWN)],
        )
        start.add_argument(
            "--minutes", type=int, default=120, help="Made up: how long (default 120)."
        )
        ack = actions.add_parser("ack", help="Record what a team member did.")
        ack.add_argument("drill", type=int)
        ack.add_argument("text")
        ack.add_argument("--by", default="")
        ack.add_argument(
            "--plan-b", action="store_true", help="The plan B is in place with this step."
        )
        stop = actions.add_parser("stop", help="End a drill.")
        stop.add_argument("drill", type=int)
        stop.add_argument("--notes", default="")
        actions.add_parser("list", help="Every drill, newest first, with its timings.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        try:
            if options["action"] == "start":
                self._start(options, now)
            elif options["action"] == "ack":
                answer = acknowledge(
                    self._drill(options["drill"]),
                    options["text"],
                    at=now,
                    by=options["by"],
                    plan_b_in_place=options["plan_b"],
                )
                self.stdout.write(f"drill {answer.drill_id}: acknowledged at {now:%H:%M:%S} UTC")
            elif options["action"] == "stop":
                drill = stop_drill(self._drill(options["drill"]), at=now, notes=options["notes"])
                self.stdout.write(f"drill {drill.pk} stopped: {self._timings(drill)}")
            else:
                for drill in Drill.objects.all():
                    started = f"{drill.started_at:%Y-%m-%d %H:%M}"
                    self.stdout.write(
                        f"{drill.pk}  {started}  {drill.title}  {self._timings(drill)}"
                    )
        except (DrillError, ArchiveError) as error:
            raise CommandError(str(error)) from None

    def _start(self, options: dict[str, Any], now: Any) -> None:
        if bool(options["replay"]) == bool(options["provider"]):
            raise CommandError("give either --replay YYYY-MM-DD or --provider SLUG")
        if options["replay"]:
            try:
                day = date.fromisoformat(options["replay"])
            except ValueError:
                raise CommandError(
                    f"--replay {options['replay']!r} is not a date (YYYY-MM-DD)"
                ) from None
            scenario = replay_scenario(read_archive_file(), day)
        else:
            provider = Provider.objects.filter(slug=options["provider"]).first()
            if provider is None:
                raise CommandError(f"unknown provider {options['provider']!r}")
            if options["minutes"] <= 0:
                raise CommandError("--minutes must be more than 0")
            scenario = made_up_scenario(
                provider.slug, provider.name, Status(options["status"]), options["minutes"]
            )
        drill, deliveries = start_drill(scenario, now=now)
        self.stdout.write(f"[DRILL] {drill.pk}: {drill.title}")
        for feature in drill.affected:
            self.stdout.write(f"  {feature['sentence']}")
        if not drill.affected:
            self.stdout.write("  no feature would be hit")
        self.stdout.write(f"  alert queued for {len(deliveries)} drill channel(s)")

    def _drill(self, pk: int) -> Drill:
        drill = Drill.objects.filter(pk=pk).first()
        if drill is None:
            raise CommandError(f"no drill {pk}")
        return drill

    def _timings(self, drill: Drill) -> str:
        def words(value: Any) -> str:
            return f"{int(value.total_seconds() // 60)} min" if value is not None else "—"

        return (
            f"first acknowledgement {words(drill.time_to_first_ack)}, "
            f"plan B in place {words(drill.time_to_plan_b)}, "
            f"{'running' if drill.is_running else 'lasted ' + words(drill.duration)}"
        )
