"""Signals the pipeline sends inside the transaction of the change that caused them.

Receivers that write (the alert outbox, for one) therefore commit or roll back together with the
change: an event is never lost, and never sent for a change that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from probes.models import Incident, StatusChange
    from probes.status.provider_rows import ProviderRows


@dataclass
class PollOutcome:
    """What one recorded poll changed; empty lists when nothing did."""

    component_changes: list[StatusChange] = field(default_factory=list)
    provider_change: StatusChange | None = None
    incidents_opened: list[Incident] = field(default_factory=list)
    incidents_updated: list[Incident] = field(default_factory=list)
    incidents_resolved: list[Incident] = field(default_factory=list)
    new_updates: int = 0
    # The source went from readable to failing (or back) with this poll.
    source_became_unreadable: bool = False
    source_recovered: bool = False
    # Set by a recording that compared its incidents' impacts (times, impact, components)
    # before and after: `impacts_changed_from` is then the earliest moment whose impacts
    # changed, None when none did. Without the comparison, receivers take every touched
    # incident as changed from its start.
    impacts_compared: bool = False
    impacts_changed_from: datetime | None = None
    # The recording holds the provider's row lock (record_poll reads the source with its
    # provider FOR UPDATE), so receivers in the same transaction need not take it again.
    provider_locked: bool = False
    # The provider's headline rows as the poll left them (read once for the status refresh),
    # so that receivers in the same transaction need not read them again. None: read them.
    rows: ProviderRows | None = None

    @property
    def changed(self) -> bool:
        return bool(
            self.component_changes
            or self.provider_change
            or self.incidents_opened
            or self.incidents_updated
            or self.incidents_resolved
            or self.new_updates
        )


#: Sent after a poll of `source` was recorded (also after an unchanged or failed poll), with
#: `outcome` (PollOutcome, above) and `at`. sender is the Source class.
poll_recorded = Signal()

#: Sent by probes.catalog.sync_catalog inside its transaction, with `catalog` (Catalog) and
#: `report` (SyncReport, whose `notes` a receiver may append to). A receiver raising
#: CatalogError rolls the sync back. sender is the Catalog class.
catalog_synced = Signal()

#: Sent when an observed status change is confirmed, inside the transaction that records it,
#: with `provider`, `source` (the probe's Source, or None for the provider as a whole), `old`
#: and `new` (probes.parsers.types.Status), `at`, and `transition` (ObservedTransition).
#: Receivers that want "observed outage confirmed / recovered" listen for source None.
observed_status_changed = Signal()

#: Sent by probes.observe.reports.submit_report when the report it stores tips a provider into a
#: burst of team reports (it was not one a moment before), inside the report's transaction, with
#: `provider`, `burst` (reports.Burst) and `at`. sender is the TeamReport class.
report_burst_started = Signal()

#: Sent by probes.acknowledge.acknowledge inside its transaction, with `acknowledgement`
#: (Acknowledgement). The alerts outbox writes the threaded message. sender is Acknowledgement.
acknowledged = Signal()
