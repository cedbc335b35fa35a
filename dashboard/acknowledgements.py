"""Acknowledging from the pages: an incident or observed outage, and a running drill.

Both are POSTs (CSRF-protected) from signed-in users holding the permission to add the row
(`probes.add_acknowledgement`, `probes.add_drillacknowledgement`: the editor role has them,
aiwatch/roles.py); anyone else is sent to sign in, or refused. Context builders for the
overview, the provider page and the incident page are here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aiwatch.access import permission_required
from probes import acknowledge as acks
from probes import audit
from probes.models import Drill, Incident, ObservedTransition, Provider
from probes.observe import detection
from probes.observe.reports import display_name
from probes.stack.drills import DrillError
from probes.stack.drills import acknowledge as acknowledge_drill_step


class AcknowledgeForm(forms.Form):
    target = forms.CharField(max_length=40)
    on_it = forms.CharField(required=False, max_length=acks.ON_IT_MAX_LENGTH, strip=True)
    note = forms.CharField(required=False, max_length=acks.NOTE_MAX_LENGTH, strip=True)
    plan_b_in_place = forms.BooleanField(required=False)


class DrillAnswerForm(forms.Form):
    text = forms.CharField(max_length=1000, strip=True)
    plan_b_in_place = forms.BooleanField(required=False)


def _see_other(target: str) -> HttpResponse:
    response = HttpResponseRedirect(target)
    response.status_code = 303
    return response


@require_POST
@permission_required("probes.add_acknowledgement")
def acknowledge_provider(request: HttpRequest, slug: str) -> HttpResponse:
    provider = get_object_or_404(Provider.objects.for_dashboard(), slug=slug)
    page = reverse("dashboard:provider-detail", args=[provider.slug]) + "#acknowledge"
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form: who is on it and the note are limited."))
        return _see_other(page)
    try:
        target = acks.find_target(provider, form.cleaned_data["target"])
    except acks.AcknowledgeRefused:
        messages.warning(request, _("This incident or outage is no longer open."))
        return _see_other(page)
    acks.acknowledge(
        target,
        user=request.user,
        on_it=form.cleaned_data["on_it"] or display_name(request.user),
        note=form.cleaned_data["note"],
        plan_b_in_place=form.cleaned_data["plan_b_in_place"],
        at=timezone.now(),
    )
    messages.success(
        request,
        _("Acknowledged: the team channels hear that %(name)s is in hand.")
        % {"name": provider.name},
    )
    return _see_other(page)


@require_POST
@permission_required("probes.add_drillacknowledgement")
def acknowledge_drill(request: HttpRequest, pk: int) -> HttpResponse:
    drill = get_object_or_404(Drill, pk=pk)
    page = reverse("dashboard:drills")
    form = DrillAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done, e.g. 'switched the support bot to Claude'."))
        return _see_other(page)
    try:
        answer = acknowledge_drill_step(
            drill,
            form.cleaned_data["text"],
            at=timezone.now(),
            by=display_name(request.user),
            plan_b_in_place=form.cleaned_data["plan_b_in_place"],
        )
    except DrillError:
        messages.warning(request, _("This drill is over."))
        return _see_other(page)
    audit.log_write(request.user, answer, added=True, message=f"Answered drill {drill.pk}")
    messages.success(request, _("Your answer to the drill is recorded."))
    return _see_other(page)


def overview_acknowledged(
    providers: list[Provider], *, now: datetime, open_incidents: Iterable[Incident] | None = None
) -> list[acks.Target]:
    """The open incidents and outages someone acknowledged, for the overview's banner
    (`open_incidents`: as the page already read them). The provider-level transitions of
    those in an observed outage are read in one query, not each one's on its own."""
    down = [p.pk for p in providers if p.observed_status in acks.OBSERVED_DOWN]
    since = now - timedelta(days=detection.DAYS)
    transitions = detection.provider_transitions(down, since=since) if down else {}
    targets = acks.open_targets(providers, open_incidents=open_incidents, transitions=transitions)
    return [target for group in targets.values() for target in group if target.acknowledgements]


def provider_acknowledgements(
    provider: Provider,
    *,
    open_incidents: Iterable[Incident] | None = None,
    transitions: Sequence[ObservedTransition] | None = None,
) -> dict[str, Any]:
    """What is open to acknowledge on the provider's page, and who acknowledged it
    (`open_incidents`, `transitions`: as `acks.open_targets()` takes them, as the page read
    them)."""
    held = {provider.pk: transitions} if transitions is not None else None
    targets = acks.open_targets([provider], open_incidents=open_incidents, transitions=held)
    return {
        "ack_targets": targets[provider.pk],
        "ack_on_it_max": acks.ON_IT_MAX_LENGTH,
        "ack_note_max": acks.NOTE_MAX_LENGTH,
    }


def incident_acknowledgements(incident: Incident) -> dict[str, Any]:
    rows = acks.incident_acknowledgements(incident)
    return {
        "acknowledgements": rows,
        "time_to_acknowledge": rows[0].after if rows else None,
    }
