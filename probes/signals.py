"""Signals the pipeline sends inside the transaction of the change that caused them.

Receivers that write (the alert outbox, for one) therefore commit or roll back together with the
change: an event is never lost, and never sent for a change that did not happen.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent after a poll of `source` was recorded (also after an unchanged or failed poll), with
#: `outcome` (probes.recording.PollOutcome) and `at`. sender is the Source class.
poll_recorded = Signal()

#: Sent when an observed status change is confirmed, inside the transaction that records it,
#: with `provider`, `source` (the probe's Source, or None for the provider as a whole), `old`
#: and `new` (probes.parsers.types.Status), `at`, and `transition` (ObservedTransition).
#: Receivers that want "observed outage confirmed / recovered" listen for source None.
observed_status_changed = Signal()
