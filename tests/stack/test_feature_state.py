"""A feature's state from its dependencies' headlines: the table of cases and its invariants."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probes.parsers.types import Status
from probes.stack.state import (
    RANK,
    DependencyWord,
    FallbackWord,
    FeatureState,
    ProviderWord,
    cause_chain,
    describe_feature,
    feature_state,
)

W, DG, D, U = FeatureState.WORKING, FeatureState.DEGRADED, FeatureState.DOWN, FeatureState.UNKNOWN
OK, DEG, PART, MAJ, MAINT, UNK = (
    Status.OPERATIONAL,
    Status.DEGRADED_PERFORMANCE,
    Status.PARTIAL_OUTAGE,
    Status.MAJOR_OUTAGE,
    Status.UNDER_MAINTENANCE,
    Status.UNKNOWN,
)

# One dependency: what each headline means for the feature.
SINGLE = {OK: W, DEG: DG, PART: DG, MAJ: D, MAINT: DG, UNK: U}


@pytest.mark.parametrize(("status", "expected"), SINGLE.items())
def test_one_dependency(status, expected):
    assert feature_state([status]) == expected


# Two dependencies, every combination: the feature needs both.
@pytest.mark.parametrize(("first", "second"), list(itertools.product(SINGLE, repeat=2)))
def test_every_pair_of_dependency_states(first, second):
    states = {SINGLE[first], SINGLE[second]}
    if D in states:
        expected = D
    elif DG in states:
        expected = DG
    elif U in states:
        expected = U
    else:
        expected = W
    assert feature_state([first, second]) == expected


def test_no_dependency_says_nothing():
    assert feature_state([]) == U


statuses = st.lists(st.sampled_from(list(Status)), max_size=6)


@given(statuses)
def test_working_only_when_every_dependency_is_operational(deps):
    assert (feature_state(deps) == W) == (bool(deps) and all(s == OK for s in deps))


@given(statuses)
def test_any_major_outage_takes_it_down(deps):
    assert (feature_state(deps) == D) == (MAJ in deps)


@given(statuses, st.randoms())
def test_order_does_not_matter(deps, random):
    shuffled = list(deps)
    random.shuffle(shuffled)
    assert feature_state(shuffled) == feature_state(deps)


@given(statuses, st.sampled_from(list(Status)))
def test_one_more_dependency_never_makes_it_better(deps, extra):
    if deps:
        assert RANK[feature_state([*deps, extra])] >= RANK[feature_state(deps)]


@given(statuses)
def test_unknown_is_never_hidden_behind_working(deps):
    if UNK in deps:
        assert feature_state(deps) != W


AZURE = ProviderWord("azure", "Microsoft Azure", PART, ("Power incident in South Central US",))
OPENAI = ProviderWord("openai", "OpenAI", MAJ, (), (AZURE,))


def test_the_cause_chain_goes_through_the_upstream():
    view = describe_feature(
        "Support bot",
        [DependencyWord(OPENAI, MAJ, "API")],
        [FallbackWord("Gemini", MAJ), FallbackWord("Claude", OK)],
    )
    assert view.state == D
    assert view.sentence == (
        "Support bot: down, because the OpenAI API has a major outage; OpenAI runs on "
        "Microsoft Azure, which reports a partial outage (“Power incident in South Central "
        "US”); use Claude (working)"
    )


def test_a_calm_upstream_is_not_blamed():
    calm = ProviderWord("openai", "OpenAI", DEG, (), (ProviderWord("azure", "Azure", OK),))
    assert cause_chain([DependencyWord(calm, DEG)]) == "OpenAI has degraded performance"


def test_working_feature_needs_no_because_nor_fallback():
    view = describe_feature("Code review", [DependencyWord(ProviderWord("x", "X", OK), OK)])
    assert view.sentence == "Code review: working"


def test_no_fallback_is_said():
    view = describe_feature("Video ads", [DependencyWord(ProviderWord("x", "Sora", UNK), UNK)])
    assert (
        view.sentence
        == "Video ads: unknown, because Sora cannot be read right now; it has no fallback"
    )
