"""A year (or any span) of history for benchmark providers, written as the pipeline writes it.

Per provider: 12 components; an incident every few days with three updates, recorded through
`probes.status.recording.record_incidents` (the backfill path); the status changes those
incidents cause, for the provider and one component; an HTTP probe with one result a minute
over the probe retention window (older minutes exist only as rollups, as after pruning);
then the uptime and probe rollups rebuilt by the project's own functions.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

INCIDENT_EVERY_DAYS = 4
COMPONENTS = 12


def generate(providers: int, days: int, *, now: datetime, probe_days: int | None = None) -> None:
    from django.conf import settings

    from probes.history import rollups
    from probes.models import Component, ProbeResult, ProbeRollup, Provider, Source, StatusChange
    from probes.observe import rollups as probe_rollups
    from probes.parsers.types import Impact, IncidentStatus, ParsedIncident, ParsedUpdate
    from probes.status import recording

    chance = random.Random(7)
    start = now - timedelta(days=days)
    retention = probe_days if probe_days is not None else settings.AIWATCH_PROBE_RETENTION_DAYS
    for number in range(providers):
        provider, _ = Provider.objects.get_or_create(
            slug=f"bench-{number}", defaults={"name": f"Bench {number}"}
        )
        Provider.objects.filter(pk=provider.pk).update(created_at=start)
        source, _ = Source.objects.get_or_create(
            provider=provider,
            kind="statuspage",
            defaults={"url": f"https://status{number}.example.test/api/v2/summary.json"},
        )
        probe, _ = Source.objects.get_or_create(
            provider=provider,
            kind="http_probe",
            defaults={"url": f"https://api{number}.example.test/", "interval_seconds": 60},
        )
        components = [
            Component.objects.get_or_create(
                provider=provider,
                external_id=f"c{number}-{n}",
                defaults={"name": f"Component {n}", "source": source, "position": n},
            )[0]
            for n in range(COMPONENTS)
        ]
        incidents = []
        changes = []
        moment = start + timedelta(hours=chance.randrange(0, 48))
        serial = 0
        while moment < now - timedelta(hours=6):
            length = timedelta(minutes=chance.randrange(10, 240))
            impact = chance.choice([Impact.MINOR, Impact.MAJOR, Impact.CRITICAL])
            updates = tuple(
                ParsedUpdate(
                    key=f"u{number}-{serial}-{step}",
                    status=status,
                    body="We are looking into elevated errors and will post again shortly.",
                    at=moment + length * step / 2,
                )
                for step, status in enumerate(
                    (
                        IncidentStatus.INVESTIGATING,
                        IncidentStatus.MONITORING,
                        IncidentStatus.RESOLVED,
                    )
                )
            )
            incidents.append(
                ParsedIncident(
                    external_id=f"i{number}-{serial}",
                    title=f"Elevated errors {serial}",
                    status=IncidentStatus.RESOLVED,
                    impact=impact,
                    started_at=moment,
                    resolved_at=moment + length,
                    url=f"https://status{number}.example.test/incidents/i{serial}",
                    updates=updates,
                    component_ids=(components[serial % COMPONENTS].external_id,),
                )
            )
            status = impact.as_status().value
            for component in (None, components[serial % COMPONENTS]):
                changes.append(
                    StatusChange(
                        provider=provider,
                        component=component,
                        old_status="operational",
                        new_status=status,
                        at=moment,
                    )
                )
                changes.append(
                    StatusChange(
                        provider=provider,
                        component=component,
                        old_status=status,
                        new_status="operational",
                        at=moment + length,
                    )
                )
            serial += 1
            moment += timedelta(days=INCIDENT_EVERY_DAYS, hours=chance.randrange(-24, 24))
        recording.record_incidents(source, incidents, at=now, provenance="backfill")
        StatusChange.objects.bulk_create(changes, batch_size=2000)
        minutes = min(days, retention) * 24 * 60
        ProbeResult.objects.bulk_create(
            (
                ProbeResult(
                    source=probe,
                    provider=provider,
                    at=now - timedelta(minutes=minute),
                    verdict="up" if chance.random() > 0.01 else "down",
                    status_code=200,
                    latency_ms=chance.uniform(40, 400),
                )
                for minute in range(minutes)
            ),
            batch_size=5000,
        )
        # Older minutes survive only as rollups, as after the nightly prune.
        hourly_days = min(days, settings.AIWATCH_PROBE_HOURLY_RETENTION_DAYS)
        older = [
            ProbeRollup(
                source=probe,
                provider=provider,
                period=period,
                start=bucket,
                count=count,
                failures=chance.randrange(0, 2),
                p50_ms=chance.uniform(60, 120),
                p95_ms=chance.uniform(200, 400),
                max_ms=chance.uniform(400, 900),
            )
            for period, step, count, span in (
                ("hour", timedelta(hours=1), 60, hourly_days * 24),
                ("day", timedelta(days=1), 1440, days),
            )
            for n in range(span)
            if (bucket := probe_rollups.bucket_start(now - step * (n + 1), period))
            < now - timedelta(days=retention)
        ]
        ProbeRollup.objects.bulk_create(older, batch_size=5000, ignore_conflicts=True)
        rollups.rebuild(provider, now=now)
    probe_rollups.roll_up(now=now)


def bench_now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)
