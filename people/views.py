"""A person's own pages: /me/ and their watchlist; the admin's login goes to the one sign-in.

Everything here is the signed-in person's own: every query is filtered by `owner=request.user`
(or `user=`), so an id from someone else's page finds nothing (404), and every write checks the
role's permission (aiwatch/roles.py) first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import requests
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aiwatch.access import permission_required
from aiwatch.roles import role_of
from alerts.models import Channel, PersonalSubscription
from alerts.outbox import create_test_event
from alerts.wakeup import wake_delivery_worker
from people.forms import PERSONAL_EVENT_LABELS, ChannelForm, ProfileForm, SubscriptionForm
from people.models import Profile, Watch
from people.preferences import remember

logger = logging.getLogger(__name__)


def _provider_unreachable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A sign-in that cannot reach the identity provider says so instead of failing with 500.

    (allauth reads the provider's discovery document when the button is pressed; the address
    policy, a timeout or a provider that is down all end here.)
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except requests.RequestException as error:
            logger.warning("single sign-on: the identity provider cannot be reached: %s", error)
            return render(request, "account/sso_unavailable.html", status=502)

    return wrapper


oidc_login = _provider_unreachable(oidc_views.login)
oidc_callback = _provider_unreachable(oidc_views.callback)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login link leads to the site's sign-in page, then back to the admin."""
    target = request.GET.get(REDIRECT_FIELD_NAME, "") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    return HttpResponseRedirect(
        f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}"
    )


def _person(request: HttpRequest) -> User:
    """The signed-in person (every view here runs behind a sign-in check)."""
    assert isinstance(request.user, User)
    return request.user


def _profile(request: HttpRequest) -> Profile:
    """The person's saved choices; unsaved (nothing written) until they save them."""
    person = _person(request)
    return Profile.objects.filter(user=person).first() or Profile(user=person)


def _back() -> HttpResponse:
    response = HttpResponseRedirect(reverse("people:me"))
    response.status_code = 303
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_page(request: HttpRequest) -> HttpResponse:
    """The person's page: watchlist, language and time zone, channels and subscriptions.

    POST saves the language and time zone (and writes them into this browser's cookies).
    """
    profile = _profile(request)
    if request.method == "POST":
        return _save_profile(request, profile)
    return _render_page(request, profile)


def _render_page(
    request: HttpRequest,
    profile: Profile,
    *,
    profile_form: ProfileForm | None = None,
    channel_form: ChannelForm | None = None,
    subscription_form: SubscriptionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _person(request)
    language = translation.get_language() or "en"
    channels = list(Channel.objects.filter(owner=user).order_by("name"))
    subscriptions = list(
        PersonalSubscription.objects.filter(owner=user)
        .select_related("channel")
        .prefetch_related("providers", "features")
    )
    ctx = {
        "profile": profile,
        "role": role_of(user),
        "watches": list(Watch.objects.filter(user=user).select_related("provider")),
        "channels": channels,
        "subscriptions": [
            {
                "row": subscription,
                "events": [PERSONAL_EVENT_LABELS[name] for name in subscription.events],
            }
            for subscription in subscriptions
        ],
        "profile_form": profile_form or ProfileForm(instance=profile),
        "channel_form": channel_form or ChannelForm(owner=user, profile=profile, language=language),
        "subscription_form": subscription_form or SubscriptionForm(owner=user),
        "may_subscribe": user.has_perm("alerts.add_personalsubscription"),
        "may_watch": user.has_perm("people.add_watch"),
    }
    return render(request, "me.html", ctx, status=status)


@permission_required("people.change_profile")
def _save_profile(request: HttpRequest, profile: Profile) -> HttpResponse:
    form = ProfileForm(request.POST, instance=profile)
    if not form.is_valid():
        return _render_page(request, profile, profile_form=form, status=400)
    with transaction.atomic():
        form.save()
        # Quiet hours are read in the person's zone.
        own = Channel.objects.filter(owner=_person(request))
        own.update(time_zone=profile.time_zone)
        if profile.language:
            own.update(language=profile.language)
    messages.success(request, _("Your preferences are saved."))
    response = _back()
    remember(response, request, language=profile.language, time_zone=profile.time_zone)
    return response


@require_POST
@permission_required("alerts.add_personalsubscription")
def add_channel(request: HttpRequest) -> HttpResponse:
    profile = _profile(request)
    form = ChannelForm(
        request.POST,
        owner=request.user,
        profile=profile,
        language=translation.get_language() or "en",
    )
    if not form.is_valid():
        return _render_page(request, profile, channel_form=form, status=400)
    form.save()
    messages.success(request, _("Channel added. Send it a test to check it works."))
    return _back()


@require_POST
@permission_required("alerts.delete_personalsubscription")
def delete_channel(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=pk, owner=_person(request))
    channel.delete()
    messages.success(request, _("Channel removed, with its subscriptions."))
    return _back()


@require_POST
@permission_required("alerts.add_personalsubscription")
def test_channel(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a test message to one of the person's channels (a worker sends it)."""
    channel = get_object_or_404(Channel, pk=pk, owner=_person(request), enabled=True)
    with transaction.atomic():
        create_test_event([channel], at=timezone.now())
        transaction.on_commit(wake_delivery_worker)
    messages.success(
        request,
        _("Test message queued for %(channel)s; it arrives within a minute.")
        % {"channel": channel.name},
    )
    return _back()


@require_POST
@permission_required("alerts.add_personalsubscription")
def add_subscription(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST, owner=request.user)
    if not form.is_valid():
        return _render_page(request, _profile(request), subscription_form=form, status=400)
    form.save()
    messages.success(request, _("Subscribed."))
    return _back()


@require_POST
@permission_required("alerts.delete_personalsubscription")
def delete_subscription(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(PersonalSubscription, pk=pk, owner=_person(request)).delete()
    messages.success(request, _("Subscription removed."))
    return _back()
