"""Status-page accuracy: lateness of first posts (median, p90), outages never posted, and the
gap between "resolved" and our observed recovery; on the history page and in the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.models import Incident, IncidentUpdate, ObservedTransition
from probes.observe.accuracy import nearest_rank, scorecard, scorecards
from probes.observe.detection import Detection, Episode, Lead, OfficialIncident
from probes.parsers.types import Status
from tests.dashboard.test_french_pages import english_words
from tests.factories import make_probe, make_provider

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=20)
DOWN = Status.MAJOR_OUTAGE
WINDOW = timedelta(minutes=120)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def official(pk, start, first_post, end):
    return OfficialIncident(pk, f"incident {pk}", minutes(start), minutes(first_post), end)


def test_nearest_rank_percentiles():
    values = [timedelta(minutes=n) for n in (5, 1, 3, 2, 4, 10, 6, 7, 8, 9)]
    assert nearest_rank(values, 0.5) == timedelta(minutes=5)
    assert nearest_rank(values, 0.9) == timedelta(minutes=9)
    assert nearest_rank(values[:1], 0.9) == timedelta(minutes=5)
    assert nearest_rank([], 0.5) is None


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=40))
def test_the_median_is_never_above_the_90th_percentile(values):
    deltas = [timedelta(seconds=v) for v in values]
    median, p90 = nearest_rank(deltas, 0.5), nearest_rank(deltas, 0.9)
    assert min(deltas) <= median <= p90 <= max(deltas)
    assert sum(d <= p90 for d in deltas) >= 0.9 * len(deltas)


def test_the_scorecard_from_leads_and_silent_outages():
    episodes = [
        Episode(minutes(0), minutes(40), DOWN),  # posted 12 min late, resolved 20 min after
        Episode(minutes(300), minutes(320), DOWN),  # never posted
        Episode(minutes(600), minutes(650), DOWN),  # posted 5 min before us, resolved early
        Episode(minutes(900), None, DOWN),  # still running and not posted: left out
    ]
    first = official(1, 5, 12, minutes(60))
    third = official(2, 590, 595, minutes(640))
    detection = Detection(
        leads=[Lead(first, minutes(0)), Lead(third, minutes(600))],
        silent=[episodes[1], episodes[3]],
        episodes=episodes,
    )
    card = scorecard(detection, slug="openai", name="OpenAI", window=WINDOW, now=minutes(1000))
    assert card.outages == 3
    assert card.never_posted == 1
    assert card.posted == 2
    assert card.never_posted_share == pytest.approx(1 / 3)
    assert card.lateness == (timedelta(minutes=12), timedelta(minutes=-5))
    assert card.median_lateness == timedelta(minutes=-5)
    assert card.p90_lateness == timedelta(minutes=12)
    assert card.recovery_gaps == (timedelta(minutes=20), timedelta(minutes=-10))


def test_an_incident_still_open_or_covering_a_running_outage_has_no_gap_yet():
    episodes = [Episode(minutes(0), None, DOWN)]
    resolved = official(1, 5, 12, minutes(60))
    detection = Detection(leads=[Lead(resolved, minutes(0))], silent=[], episodes=episodes)
    card = scorecard(detection, slug="x", name="X", window=WINDOW, now=minutes(100))
    assert card.recovery_gaps == ()
    assert card.outages == 0
    assert card.never_posted_share is None


@pytest.fixture
def probed():
    provider = make_provider("openai", name="OpenAI")
    make_probe(provider, url="http://127.0.0.1:9/v1/models")
    make_provider("quiet", name="Quiet AI")  # no probe: no scorecard
    base = NOW - timedelta(days=3)
    for at, old, new in [
        (base - timedelta(days=1), "unknown", "operational"),
        (base, "operational", "major_outage"),
        (base + timedelta(minutes=30), "major_outage", "operational"),
        (base + timedelta(hours=5), "operational", "partial_outage"),
        (base + timedelta(hours=5, minutes=20), "partial_outage", "operational"),
    ]:
        ObservedTransition.objects.create(provider=provider, old_status=old, new_status=new, at=at)
    incident = Incident.objects.create(
        provider=provider,
        external_id="inc-1",
        title="Elevated errors",
        impact="major",
        status="resolved",
        started_at=base + timedelta(minutes=3),
        resolved_at=base + timedelta(minutes=75),
    )
    IncidentUpdate.objects.create(
        incident=incident, key="u1", status="investigating", at=base + timedelta(minutes=18)
    )
    return provider


@pytest.mark.django_db
def test_scorecards_read_every_probed_provider(probed):
    [card] = scorecards(now=NOW)
    assert card.slug == "openai"
    assert card.lateness == (timedelta(minutes=18),)
    assert card.recovery_gaps == (timedelta(minutes=45),)
    assert (card.outages, card.never_posted) == (2, 1)


@pytest.mark.django_db
def test_the_api_gives_the_scorecard(client, probed):
    with time_machine.travel(NOW, tick=False):
        body = client.get(reverse("dashboard:api-accuracy")).json()
        one = client.get(reverse("dashboard:api-provider-accuracy", args=["openai"])).json()
        quiet = client.get(reverse("dashboard:api-provider-accuracy", args=["quiet"])).json()
        missing = client.get(reverse("dashboard:api-provider-accuracy", args=["nobody"]))
    assert body["days"] == 90
    assert body["providers"] == [one]
    assert one == {
        "provider": "openai",
        "name": "OpenAI",
        "probed": True,
        "days": 90,
        "confirmed_outages": 2,
        "posted": 1,
        "never_posted": 1,
        "never_posted_share": 0.5,
        "first_post_delay": {"count": 1, "median_seconds": 1080, "p90_seconds": 1080},
        "resolved_gap": {"count": 1, "median_seconds": 2700, "p90_seconds": 2700},
    }
    assert quiet["probed"] is False
    assert quiet["confirmed_outages"] == 0
    assert quiet["first_post_delay"]["median_seconds"] is None
    assert missing.status_code == 404


@pytest.mark.django_db
def test_the_history_page_shows_the_scorecard_in_both_languages(client, probed):
    with time_machine.travel(NOW, tick=False):
        english = client.get(reverse("dashboard:history")).content.decode()
        french = client.get(
            reverse("dashboard:history"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9"
        ).content.decode()
    assert "How accurate their status pages are" in english
    assert "1 of 2 (50%)" in english
    assert "18 min after us" in english
    assert "45 min after our recovery" in english
    assert "Quiet AI" not in english
    assert "18 min après nous" in french
    assert english_words(french.replace("OpenAI", "")) == []
