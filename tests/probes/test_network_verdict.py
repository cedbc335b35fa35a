"""Our own network's verdict: recorded as the probe rows say it, shown once on the overview."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from probes.models import ProbeResult, Provider, Source
from probes.observe.network import our_network_down
from probes.observe.verdicts import OUR_NETWORK_DOWN

pytestmark = pytest.mark.django_db


def providers(count: int) -> list[Source]:
    probes = []
    for number in range(count):
        provider = Provider.objects.create(slug=f"p{number}", name=f"Provider {number}")
        Source.objects.create(
            provider=provider,
            kind="statuspage",
            url=f"https://status.p{number}.test/api/v2/summary.json",
            last_error="fetch failed (dns): [Errno -3] Temporary failure in name resolution",
            error_since=timezone.now() - timedelta(minutes=5),
            consecutive_failures=3,
        )
        probes.append(
            Source.objects.create(
                provider=provider, kind="http_probe", url=f"https://api.p{number}.test/"
            )
        )
    return probes


def result(probe: Source, at, *, ours: bool) -> ProbeResult:
    return ProbeResult.objects.create(
        source=probe,
        provider_id=probe.provider_id,
        at=at,
        verdict="inconclusive" if ours else "up",
        error_class="dns" if ours else "",
        message=(OUR_NETWORK_DOWN + "dns lookup failed") if ours else "HTTP 200",
    )


def test_the_verdict_holds_from_the_first_batch_of_its_run_while_it_is_fresh():
    probes = providers(3)
    now = timezone.now()
    for probe in probes:
        result(probe, now - timedelta(minutes=30), ours=False)
    for minutes in (6, 4, 2):
        for probe in probes:
            result(probe, now - timedelta(minutes=minutes), ours=True)

    verdict = our_network_down(now)

    assert verdict is not None
    assert verdict.since == now - timedelta(minutes=6)
    assert verdict.checked_at == now - timedelta(minutes=2)
    assert verdict.providers == 3
    # Stale: the probes stopped; the verdict says nothing about now.
    assert our_network_down(now + timedelta(minutes=30)) is None
    # A later batch reached someone: our network is back.
    result(probes[0], now - timedelta(minutes=1), ours=False)
    assert our_network_down(now) is None


def test_the_overview_says_it_once_instead_of_one_dns_error_per_provider(client: Client):
    probes = providers(4)
    now = timezone.now()
    for probe in probes:
        result(probe, now - timedelta(minutes=1), ours=True)

    html = client.get(reverse("dashboard:index")).content.decode()

    assert html.count("Our own network looks down") == 1
    assert "4 providers" in html
    assert "Temporary failure in name resolution" not in html
    assert html.count("status page unreachable while our own network looks down") == 4


def test_without_the_verdict_each_card_keeps_its_reason(client: Client):
    probes = providers(2)
    for probe in probes:
        result(probe, timezone.now() - timedelta(minutes=1), ours=False)

    html = client.get(reverse("dashboard:index")).content.decode()

    assert "Our own network looks down" not in html
    assert html.count("Temporary failure in name resolution") == 2
