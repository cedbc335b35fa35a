"""The "I'm affected" button: a CSRF-protected POST, rate-limited per person and per window.

A person is a browser session; the network is the client address (REMOTE_ADDR, or the proxy
header AIWATCH_CLIENT_IP_HEADER names, as for login limits). Both are stored only as keyed
digests (probes.observe.reports.digest).

A post without a session is counted per network only: every such post from one address is the
same "person", so a client that drops its cookies gets one report per provider per window, not
one per request, and cannot raise the burst flag alone. Only an accepted report starts a
session (which keeps that identity); a refused post creates nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aiwatch.access import client_address, permission_required
from probes.models import Provider
from probes.observe.reports import NOTE_MAX_LENGTH, ReportRefused, digest, submit_report

# The session key holding the digest a browser's reports are counted under.
PERSON_KEY = "aiwatch_report_person"


class TeamReportForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        help_text=gettext_lazy("Optional, e.g. 'chat completions time out from the office'."),
    )


@require_POST
@permission_required("probes.add_teamreport", anonymous_allowed=True)
def report_provider(request: HttpRequest, slug: str) -> HttpResponse:
    provider = get_object_or_404(Provider, slug=slug, enabled=True)
    target = reverse("dashboard:provider-detail", args=[provider.slug]) + "#team-reports"
    form = TeamReportForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("The note can be at most %(count)d characters.") % {"count": NOTE_MAX_LENGTH},
        )
        return HttpResponseRedirect(target)
    address = client_address(request)
    network = digest(address, purpose="network")
    had_session = request.session.session_key is not None
    if had_session:
        person = request.session.get(PERSON_KEY) or digest(
            str(request.session.session_key), purpose="person"
        )
    else:
        person = digest(address, purpose="person-without-session")
    try:
        submit_report(
            provider,
            person=person,
            network=network,
            note=form.cleaned_data["note"],
            now=timezone.now(),
        )
    except ReportRefused as refused:
        messages.warning(request, str(refused))
        response = HttpResponseRedirect(target)
        response.status_code = 303
        return response
    if not had_session:
        # The session starts now, carrying the identity the report was counted under.
        request.session[PERSON_KEY] = person
    messages.success(
        request, _("Thanks: your report about %(name)s is counted.") % {"name": provider.name}
    )
    response = HttpResponseRedirect(target)
    response.status_code = 303
    return response
