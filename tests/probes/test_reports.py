"""Team reports: rate limits per person, per network and per provider; bursts; counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from probes.models import Provider, TeamReport
from probes.observe import reports
from probes.observe.reports import ReportRefused, submit_report

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def provider() -> Provider:
    return Provider.objects.create(slug="example", name="Example AI")


def report(provider, person="alice", network="office", at=NOW, note=""):
    return submit_report(provider, person=person, network=network, note=note, now=at)


def test_one_person_can_report_a_provider_once_per_window(provider, settings):
    settings.AIWATCH_REPORT_WINDOW_MINUTES = 15
    report(provider)
    with pytest.raises(ReportRefused, match="already reported"):
        report(provider, at=NOW + timedelta(minutes=14))
    report(provider, person="bob")  # a colleague on the same network
    report(provider, at=NOW + timedelta(minutes=16))
    assert TeamReport.objects.count() == 3


def test_a_network_and_a_provider_have_their_own_caps(provider, settings):
    settings.AIWATCH_REPORT_MAX_PER_NETWORK = 3
    settings.AIWATCH_REPORT_MAX_PER_PROVIDER = 5
    for person in ("a", "b", "c"):
        report(provider, person=person)
    with pytest.raises(ReportRefused, match="your network"):
        report(provider, person="d")
    report(provider, person="d", network="home-d")
    report(provider, person="e", network="home-e")
    with pytest.raises(ReportRefused, match="many reports"):
        report(provider, person="f", network="home-f")
    assert TeamReport.objects.count() == 5


def test_notes_are_trimmed_and_capped(provider):
    stored = report(provider, note="  the   API\n answers 500  " + "x" * 400)
    assert stored.note.startswith("the API answers 500 x")
    assert len(stored.note) == 280


def test_digests_are_stable_keyed_and_not_the_raw_value():
    first = reports.digest("10.0.0.1", purpose="network")
    assert first == reports.digest("10.0.0.1", purpose="network")
    assert first != reports.digest("10.0.0.1", purpose="person")
    assert "10.0.0.1" not in first


def test_a_burst_above_the_usual_level_raises_the_flag(provider, settings):
    settings.AIWATCH_REPORT_BURST_MIN = 3
    settings.AIWATCH_REPORT_BURST_FACTOR = 3
    other = Provider.objects.create(slug="other", name="Other")
    # The usual level: a report a day.
    for day in range(1, 7):
        report(provider, person=f"p{day}", at=NOW - timedelta(days=day))
    assert not reports.bursts([provider, other], now=NOW)[provider.pk].is_burst
    for person in ("a", "b", "c"):
        report(provider, person=person, network=person, at=NOW - timedelta(minutes=2))
    state = reports.bursts([provider, other], now=NOW)
    assert state[provider.pk].is_burst
    assert state[provider.pk].recent == 3
    assert not state[other.pk].is_burst


def test_report_counts_cover_every_step_with_zeros(provider):
    report(provider, at=NOW - timedelta(minutes=50))
    report(provider, person="bob", at=NOW - timedelta(minutes=55))
    report(provider, person="eve", at=NOW - timedelta(minutes=5))
    counts = reports.report_counts(
        provider, start=NOW - timedelta(hours=1), end=NOW, step=timedelta(minutes=15)
    )
    assert [n for _, n in counts] == [2, 0, 0, 1]
    assert counts[0][0] == NOW - timedelta(hours=1)
