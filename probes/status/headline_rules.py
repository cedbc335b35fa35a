"""The status model: how one honest headline comes from a provider's sources, probes and reports.

Pure: plain values in, a `Headline` out; no ORM and no clock (the caller says what is stale).
`decide_headline` is the one place the rules live; docs/status-model.md explains them and
tests/probes/test_headline_rules.py holds their table of cases and property tests.

In short:
- Official status is the worst of what the provider's pages say: components, open incidents,
  page indicators. A page that cannot be read right now keeps its last word (an outage nobody
  has called over is not over), and the provider is flagged "partly unreadable" with the
  reason. Only when no page can be read at all is the official status unknown.
- Our own probes, when fresh and confirmed, may raise the headline above the official status
  (provenance "observed"), never lower it. A provider with no official page gets its headline
  from its probes alone.
- Team reports never change the status word: they add a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from probes.parsers.types import SEVERITY, Status, worst

TROUBLE = frozenset({Status.DEGRADED_PERFORMANCE, Status.PARTIAL_OUTAGE, Status.MAJOR_OUTAGE})


class Readability(StrEnum):
    READABLE = "readable"
    # The last fetch or parse failed.
    UNREADABLE = "unreadable"
    # Read before, but not for too long (the poller may be stopped).
    STALE = "stale"
    # Never read yet.
    NOT_READ = "not_read"


class Provenance(StrEnum):
    OFFICIAL = "official"
    OBSERVED = "observed"
    # Nothing can speak for the provider right now: the headline is unknown.
    NONE = "none"


@dataclass(frozen=True, slots=True)
class OfficialReading:
    """One official status source: whether it can be read now, and what it says (or last said)."""

    url: str
    readability: Readability
    # Its indicator, the statuses of the components it reported, the impacts of its open
    # incidents: its last word, kept while it cannot be read.
    statuses: tuple[Status, ...] = ()
    reason: str = ""
    # Unreadable: since when; stale: the last good read.
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class ObservedReading:
    """What our own probes confirmed for the provider as a whole."""

    status: Status
    fresh: bool
    since: datetime | None = None
    has_run: bool = True


@dataclass(frozen=True, slots=True)
class SourceIssue:
    """A source that cannot speak right now, and why."""

    kind: Readability
    url: str
    reason: str
    since: datetime | None


@dataclass(frozen=True, slots=True)
class Headline:
    status: Status
    provenance: Provenance
    # The pages' own word (unknown when none can be read), always kept apart from `status`.
    official: Status
    # Our probes' confirmed, fresh status; unknown when stale, not run or not probed.
    observed: Status
    since: datetime | None
    has_official_sources: bool
    has_probes: bool
    # At least one official source can be read now.
    any_readable: bool = False
    # Official sources that cannot speak now (unreadable, stale or not read yet).
    issues: tuple[SourceIssue, ...] = ()
    # A burst of team reports: a warning beside the status, never the status itself.
    team_warning: bool = False

    @property
    def partly_unreadable(self) -> bool:
        """Some official sources fail (or went stale) while others still speak for the provider.

        A source not read yet is not a failure: it is a setup matter of the next few seconds.
        """
        failing = {Readability.UNREADABLE, Readability.STALE}
        return self.any_readable and any(issue.kind in failing for issue in self.issues)

    @property
    def observed_only(self) -> bool:
        """No official page at all: the headline is whatever our probes observe."""
        return not self.has_official_sources

    @property
    def label(self) -> str:
        return self.status.label

    @property
    def in_trouble(self) -> bool:
        return self.status in TROUBLE


def official_status(readings: Sequence[OfficialReading], unattributed: Sequence[Status]) -> Status:
    """The worst every official source says or last said; unknown when none can be read now.

    `unattributed` is what the provider's rows say without a source of their own (an archived
    incident still open, one recorded by a source since removed): it counts like a page's word.
    """
    if not any(reading.readability == Readability.READABLE for reading in readings):
        return Status.UNKNOWN
    said = [status for reading in readings for status in reading.statuses]
    return worst([*said, *unattributed])


def decide_headline(
    readings: Sequence[OfficialReading],
    observed: ObservedReading | None,
    *,
    unattributed: Sequence[Status] = (),
    recorded: tuple[Status, datetime | None] | None = None,
    stored_official: Status | None = None,
    team_burst: bool = False,
) -> Headline:
    """A provider's headline from its official sources, its probes and its team reports.

    `observed` is None when the provider has no probe. `recorded` is the official status stored
    for the provider with the time it began (bridged over unreadable gaps by `bridged_since`):
    the headline's "since" when it still holds. `stored_official` is the official status
    recorded after the last poll by this same rule: pages show it while a source can be read, so
    they say what the alerts said (staleness since then can only turn it unknown).
    """
    any_readable = any(reading.readability == Readability.READABLE for reading in readings)
    if stored_official is not None and stored_official != Status.UNKNOWN:
        official = stored_official if any_readable else Status.UNKNOWN
    else:
        official = official_status(readings, unattributed)
    official_since = recorded[1] if recorded is not None and recorded[0] == official else None
    seen = Status.UNKNOWN
    observed_since = None
    if observed is not None and observed.fresh and observed.status != Status.UNKNOWN:
        seen = observed.status
        observed_since = observed.since
    # Worst first; at equal severity the official word wins, so provenance stays "official"
    # whenever the pages already say as much as our probes.
    options: list[tuple[Status, Provenance, datetime | None]] = []
    if any_readable:
        options.append((official, Provenance.OFFICIAL, official_since))
    if seen != Status.UNKNOWN:
        options.append((seen, Provenance.OBSERVED, observed_since))
    if options:
        status, provenance, since = max(options, key=lambda option: SEVERITY[option[0]])
    else:
        status, provenance, since = Status.UNKNOWN, Provenance.NONE, official_since
    issues = tuple(
        SourceIssue(reading.readability, reading.url, reading.reason, reading.since)
        for reading in readings
        if reading.readability != Readability.READABLE
    )
    return Headline(
        status=status,
        provenance=provenance,
        official=official,
        observed=seen,
        since=since,
        has_official_sources=bool(readings),
        has_probes=observed is not None,
        any_readable=any_readable,
        issues=issues,
        team_warning=team_burst,
    )


def bridged_since(
    new: Status, at: datetime, history: Sequence[tuple[Status, datetime]]
) -> datetime:
    """When the provider's official status began to be `new`, looking through unknown gaps.

    `history` is the provider's earlier official transitions (new status, time), oldest first.
    Major outage, then unknown (every page unreadable for a while), then major outage again is
    one outage: its "since" is the first one's. Any other status in between ends the run.
    """
    since = at
    for status, when in reversed(history):
        if status == Status.UNKNOWN:
            continue
        if status != new:
            break
        since = when
    return since
