"""Alternatives: providers sharing a capability that are up now, most reliable first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.alternatives import (
    Candidate,
    alternatives_for,
    incident_minutes,
    is_up,
    rank_alternatives,
)
from probes.models import Incident, Provider, Source

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def candidate(slug, caps, status="operational", observed=None, minutes=0.0):
    return Candidate(
        slug=slug,
        name=slug.title(),
        capabilities=frozenset(caps),
        official_status=status,
        observed_status=observed,
        incident_minutes=minutes,
    )


def test_it_keeps_providers_sharing_a_tag_that_are_up_and_ranks_by_reliability():
    ranked = rank_alternatives(
        {"chat", "code"},
        [
            candidate("flaky", {"chat"}, minutes=300),
            candidate("steady", {"chat"}, minutes=5),
            candidate("twin", {"chat", "code"}, minutes=5),
            candidate("down", {"chat"}, status="major_outage"),
            candidate("observed-down", {"chat"}, observed="major_outage"),
            candidate("painter", {"image"}),
            candidate("unknown", {"chat"}, status="unknown"),
        ],
    )
    assert [(c.slug, shared) for c, shared in ranked] == [
        ("twin", ("chat", "code")),
        ("steady", ("chat",)),
        ("flaky", ("chat",)),
    ]


def test_observed_status_counts_when_it_is_known():
    assert is_up(candidate("a", {"chat"}, observed="operational"))
    assert is_up(candidate("a", {"chat"}, observed=None))
    assert not is_up(candidate("a", {"chat"}, observed="degraded_performance"))
    degraded = candidate("a", {"chat"}, status="degraded_performance", observed="operational")
    assert not is_up(degraded)


def test_no_tags_means_no_alternatives():
    assert rank_alternatives(set(), [candidate("a", {"chat"})]) == []


def test_incident_minutes_are_clipped_to_the_window():
    start = NOW - timedelta(days=30)
    spans = [
        (start - timedelta(hours=1), start + timedelta(minutes=30)),  # 30 inside
        (NOW - timedelta(minutes=10), None),  # still open: 10
        (start - timedelta(days=2), start - timedelta(days=1)),  # before: 0
    ]
    assert incident_minutes(spans, start=start, end=NOW) == pytest.approx(40)


@pytest.mark.django_db
def test_the_query_ranks_real_providers_by_their_last_30_days():
    down = Provider.objects.create(
        slug="down", name="Down", capabilities=["chat"], status="major_outage"
    )
    Provider.objects.create(slug="calm", name="Calm", capabilities=["chat"], status="operational")
    bumpy = Provider.objects.create(
        slug="bumpy", name="Bumpy", capabilities=["chat", "code"], status="operational"
    )
    Provider.objects.create(
        slug="off", name="Off", capabilities=["chat"], status="operational", enabled=False
    )
    Incident.objects.create(
        provider=bumpy,
        external_id="i1",
        title="x",
        status="resolved",
        impact="major",
        started_at=NOW - timedelta(days=3),
        resolved_at=NOW - timedelta(days=3) + timedelta(hours=2),
    )
    alternatives = alternatives_for(down, now=NOW)
    assert [(a.slug, a.incident_minutes) for a in alternatives] == [("calm", 0), ("bumpy", 120)]
    assert alternatives[0].url.endswith("/calm/")


@pytest.mark.django_db
def test_a_provider_our_probes_see_down_is_no_alternative_while_that_is_fresh():
    from datetime import timedelta as td

    down = Provider.objects.create(
        slug="down", name="Down", capabilities=["chat"], status="major_outage"
    )
    probed = Provider.objects.create(
        slug="probed",
        name="Probed",
        capabilities=["chat"],
        status="operational",
        observed_status="major_outage",
        observed_checked_at=NOW - td(minutes=1),
    )
    Source.objects.create(
        provider=probed, kind="http_probe", url="https://api.probed.test/", interval_seconds=60
    )
    assert alternatives_for(down, now=NOW) == []
    # Stale probe results say nothing about now: only the official status counts.
    Provider.objects.filter(pk=probed.pk).update(observed_checked_at=NOW - td(hours=3))
    assert [a.slug for a in alternatives_for(down, now=NOW)] == ["probed"]


def test_a_candidate_on_the_same_troubled_cloud_or_with_team_reports_comes_last_and_says_why():
    ranked = rank_alternatives(
        {"chat"},
        [
            candidate("acme", {"chat"}, minutes=0),
            candidate("steady", {"chat"}, minutes=50),
            candidate("noisy", {"chat"}, minutes=0),
        ],
    )
    assert [c.slug for c, _ in ranked] == ["acme", "noisy", "steady"]
    acme = Candidate(
        slug="acme",
        name="Acme AI",
        capabilities=frozenset({"chat"}),
        official_status="operational",
        troubled_upstreams=("Microsoft Azure",),
    )
    noisy = Candidate(
        slug="noisy",
        name="Noisy",
        capabilities=frozenset({"chat"}),
        official_status="operational",
        team_warning=True,
    )
    ranked = rank_alternatives({"chat"}, [acme, noisy, candidate("steady", {"chat"}, minutes=50)])
    assert [c.slug for c, _ in ranked] == ["steady", "acme", "noisy"]
    assert acme.caveats == ("runs on Microsoft Azure, which has problems now",)
    assert noisy.caveats == ("the team is reporting problems with it",)


def test_a_probe_only_provider_is_judged_by_its_headline():
    probe_only = Candidate(
        slug="local",
        name="Local",
        capabilities=frozenset({"chat"}),
        official_status="unknown",
        observed_status="operational",
        headline_status="operational",
    )
    assert is_up(probe_only)
    assert not is_up(
        Candidate(
            slug="mj",
            name="Midjourney",
            capabilities=frozenset({"chat"}),
            official_status="unknown",
            headline_status="unknown",
        )
    )


@pytest.mark.django_db
def test_alternatives_sharing_a_degraded_cloud_are_ranked_after_clean_ones():
    from probes.models import TeamReport

    azure = Provider.objects.create(
        slug="azure", name="Microsoft Azure", capabilities=[], status="degraded_performance"
    )
    Source.objects.create(
        provider=azure, kind="azure_status", url="https://azure.test/rss", last_success_at=NOW
    )
    failing = Provider.objects.create(
        slug="azure-openai", name="Azure OpenAI", capabilities=["chat"], status="major_outage"
    )
    failing.upstreams.add(azure)
    acme = Provider.objects.create(
        slug="acme", name="Acme AI", capabilities=["chat"], status="operational"
    )
    acme.upstreams.add(azure)
    Provider.objects.create(slug="calm", name="Calm", capabilities=["chat"], status="operational")
    noisy = Provider.objects.create(
        slug="noisy", name="Noisy", capabilities=["chat"], status="operational"
    )
    for index in range(5):
        TeamReport.objects.create(
            provider=noisy, at=NOW - timedelta(minutes=index), person=f"p{index}", network="n"
        )
    local = Provider.objects.create(slug="local", name="Local", capabilities=["chat"])
    Source.objects.create(
        provider=local, kind="http_probe", url="http://127.0.0.1:1/v1/models", interval_seconds=60
    )
    Provider.objects.filter(pk=local.pk).update(
        observed_status="operational", observed_checked_at=NOW - timedelta(minutes=1)
    )
    for provider in (acme, noisy):
        Source.objects.create(
            provider=provider,
            kind="statuspage",
            url=f"https://{provider.slug}.test/s.json",
            last_success_at=NOW,
        )
    Source.objects.create(
        provider=Provider.objects.get(slug="calm"),
        kind="statuspage",
        url="https://calm.test/s.json",
        last_success_at=NOW,
    )

    alternatives = alternatives_for(failing, now=NOW)

    assert [a.slug for a in alternatives] == ["calm", "local", "acme", "noisy"]
    assert alternatives[2].caveats == ("runs on Microsoft Azure, which has problems now",)
    assert alternatives[3].caveats == ("the team is reporting problems with it",)
    assert alternatives[0].as_dict()["caveats"] == []
