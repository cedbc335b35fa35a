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


def test_anonymous_reports_weigh_less_in_the_burst_rule(provider, settings):
    settings.AIWATCH_REPORT_BURST_MIN = 2
    settings.AIWATCH_REPORT_ANONYMOUS_WEIGHT = 0.5
    for number in range(3):
        submit_report(
            provider, person=f"net{number}", network=f"n{number}", note="", now=NOW, weight=0.5
        )
    burst = reports.bursts([provider], now=NOW)[provider.pk]
    assert (burst.recent, burst.weighted, burst.is_burst) == (3, 1.5, False)
    # A fourth anonymous network makes two whole voices: now it is a burst.
    submit_report(provider, person="net3", network="n3", note="", now=NOW, weight=0.5)
    assert reports.bursts([provider], now=NOW)[provider.pk].is_burst


def test_a_visitor_not_signed_in_is_their_network_and_may_be_refused(settings):
    from django.contrib.auth.models import AnonymousUser

    settings.AIWATCH_REPORT_ANONYMOUS_WEIGHT = 0.25
    first = reports.reporter_for(AnonymousUser(), "203.0.113.5")
    again = reports.reporter_for(None, "203.0.113.5")
    assert first.person == again.person
    assert first.weight == 0.25
    assert first.user is None
    settings.AIWATCH_REPORT_ANONYMOUS = False
    with pytest.raises(reports.SignInToReport):
        reports.reporter_for(AnonymousUser(), "203.0.113.5")


def test_a_teammate_is_one_person_from_any_network(provider, django_user_model):
    alice = django_user_model.objects.create_user("alice", first_name="Alice", last_name="Martin")
    office = reports.reporter_for(alice, "198.51.100.1")
    home = reports.reporter_for(alice, "203.0.113.9")
    assert office.person == home.person
    assert office.network != home.network
    reports.submit_as(provider, office, note="502 from the office", now=NOW)
    with pytest.raises(ReportRefused, match="already reported"):
        reports.submit_as(provider, home, note="", now=NOW + timedelta(minutes=1))


def test_who_is_affected_lists_each_teammate_once_with_the_latest_note(
    provider, django_user_model, settings
):
    settings.AIWATCH_REPORT_WINDOW_MINUTES = 15
    alice = django_user_model.objects.create_user("alice", first_name="Alice")
    bob = django_user_model.objects.create_user("bob")
    reports.submit_as(provider, reports.reporter_for(alice, "a"), note="first", now=NOW)
    reports.submit_as(
        provider, reports.reporter_for(alice, "a"), note="still", now=NOW + timedelta(minutes=20)
    )
    reports.submit_as(provider, reports.reporter_for(bob, "b"), note="", now=NOW)
    reports.submit_as(provider, reports.reporter_for(None, "c"), note="anon note", now=NOW)
    seen = reports.affected(provider, now=NOW + timedelta(minutes=30))
    assert [(p.name, p.note) for p in seen.teammates] == [("Alice", "still"), ("bob", "")]
    assert [p.note for p in seen.anonymous] == ["anon note"]
    assert seen.total == 3
    # An hour later nobody is listed any more.
    assert reports.affected(provider, now=NOW + timedelta(hours=2)).total == 0


def test_a_report_through_an_alert_link_counts_once_however_often_replayed(provider, settings):
    settings.AIWATCH_REPORT_WINDOW_MINUTES = 15
    submit_report(provider, person="alice", network="n", note="", now=NOW, via_alert="e1")
    with pytest.raises(reports.AlreadyCounted):
        submit_report(
            provider,
            person="alice",
            network="n",
            note="",
            now=NOW + timedelta(hours=3),
            via_alert="e1",
        )
    assert TeamReport.objects.count() == 1


def test_the_burst_signal_fires_once_when_a_report_tips_the_level(provider, settings):
    from probes import signals

    settings.AIWATCH_REPORT_BURST_MIN = 2
    heard = []

    def listen(sender, *, provider, burst, at, **kwargs):
        heard.append((provider.slug, burst.recent))

    signals.report_burst_started.connect(listen, dispatch_uid="test.burst")
    try:
        report(provider, person="a")
        assert heard == []
        report(provider, person="b")
        report(provider, person="c")
    finally:
        signals.report_burst_started.disconnect(dispatch_uid="test.burst")
    assert heard == [("example", 2)]


def test_bursts_read_with_the_providers_are_the_bursts_read_alone(provider, settings):
    # A provider page reads the bursts as columns of its providers' query: the same figures.
    settings.AIWATCH_REPORT_BURST_MIN = 2
    quiet = Provider.objects.create(slug="quiet", name="Quiet")
    other = Provider.objects.create(slug="other", name="Other")
    for day in range(1, 9):
        report(provider, person=f"p{day}", at=NOW - timedelta(days=day, minutes=1))
    for person in ("a", "b"):
        report(provider, person=person, network=person, at=NOW - timedelta(minutes=2))
    submit_report(other, person="x", network="x", note="", now=NOW, weight=0.5)
    alone = reports.bursts([provider, quiet, other], now=NOW)

    annotated = Provider.objects.annotate(**reports.burst_columns(now=NOW)).order_by("pk")
    assert reports.bursts_of(list(annotated), now=NOW) == alone
    # The usual level's days hold six of the eight older reports and the two recent ones.
    assert [alone[p.pk].reports for p in (provider, quiet, other)] == [8, 0, 1]
