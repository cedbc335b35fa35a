"""The "I'm affected" button: a CSRF-protected POST, rate-limited per person and per window.

A signed-in user is one person (probes.observe.reports.reporter_for). A visitor who is not
signed in, when AIWATCH_REPORT_ANONYMOUS allows it, is counted per network (the client address:
REMOTE_ADDR, or the proxy header AIWATCH_CLIENT_IP_HEADER names, as for login limits), so a
client that drops its cookies or opens many sessions still gets one report per provider per
window and cannot raise the burst flag alone. Both are stored only as keyed digests.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from aiwatch.access import client_address, permission_required
from alerts import affected_links
from probes.models import Provider, TeamReport
from probes.observe import reports
from probes.observe.reports import NOTE_MAX_LENGTH, ReportRefused


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
    try:
        reports.submit_as(
            provider,
            reports.reporter_for(request.user, client_address(request)),
            note=form.cleaned_data["note"],
            now=timezone.now(),
        )
    except ReportRefused as refused:
        messages.warning(request, str(refused))
        return _see_other(target)
    messages.success(
        request, _("Thanks: your report about %(name)s is counted.") % {"name": provider.name}
    )
    return _see_other(target)


@require_http_methods(["GET", "POST"])
@permission_required("probes.add_teamreport", anonymous_allowed=True)
def affected_from_alert(request: HttpRequest, token: str, answer: str) -> HttpResponse:
    """An alert's "affected too? yes / no" link.

    A signed-in teammate's click records (or, for "no", withdraws) their report at once. A
    visitor who is not signed in gets a page with one button first: link previews and mail
    scanners fetch links without a session and must not report anything. With
    AIWATCH_REQUIRE_LOGIN the login comes first and brings the teammate back here. A replayed
    link finds its report and counts nothing more.
    """
    if answer not in affected_links.ANSWERS:
        raise Http404
    try:
        claim = affected_links.read_token(token)
    except affected_links.LinkExpired:
        return _link_page(request, None, status=410, problem=_("This link has expired."))
    except affected_links.LinkInvalid:
        return _link_page(request, None, status=400, problem=_("This link is not valid."))
    provider = get_object_or_404(Provider, slug=claim.provider, enabled=True)
    anonymous = not request.user.is_authenticated
    if anonymous and not settings.AIWATCH_REPORT_ANONYMOUS:
        return redirect_to_login(request.get_full_path())
    if anonymous and request.method == "GET":
        return _link_page(request, provider, answer=answer)
    try:
        reporter = reports.reporter_for(request.user, client_address(request))
    except ReportRefused as refused:
        return _link_page(request, provider, status=403, problem=str(refused))
    target = reverse("dashboard:provider-detail", args=[provider.slug]) + "#team-reports"
    if answer == "no":
        withdrawn, _rows = TeamReport.objects.filter(
            person=reporter.person, via_alert=claim.event
        ).delete()
        messages.info(
            request,
            _("Noted: you are not affected by %(name)s. Your report from this alert is withdrawn.")
            % {"name": provider.name}
            if withdrawn
            else _("Noted: you are not affected by %(name)s. Nothing was counted.")
            % {"name": provider.name},
        )
        return _see_other(target)
    try:
        reports.submit_as(provider, reporter, note="", now=timezone.now(), via_alert=claim.event)
    except ReportRefused as refused:
        messages.info(request, str(refused))
        return _see_other(target)
    messages.success(
        request, _("Thanks: your report about %(name)s is counted.") % {"name": provider.name}
    )
    return _see_other(target)


def _link_page(
    request: HttpRequest,
    provider: Provider | None,
    *,
    answer: str = "",
    status: int = 200,
    problem: str = "",
) -> HttpResponse:
    ctx = {"provider": provider, "answer": answer, "problem": problem}
    return render(request, "dashboard/affected_link.html", ctx, status=status)


def _see_other(target: str) -> HttpResponse:
    response = HttpResponseRedirect(target)
    response.status_code = 303
    return response
