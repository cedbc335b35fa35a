"""The feature's state and its cause in words follow the reader's language."""

from __future__ import annotations

from django.utils import translation

from probes.parsers.types import Status
from probes.stack.state import (
    DependencyWord,
    FallbackWord,
    FeatureState,
    ProviderWord,
    describe_feature,
)

AZURE = ProviderWord("azure", "Microsoft Azure", Status.PARTIAL_OUTAGE)
OPENAI = ProviderWord("openai", "OpenAI", Status.MAJOR_OUTAGE, ("Elevated error rates",), (AZURE,))


def view():
    return describe_feature(
        "Support bot",
        [DependencyWord(OPENAI, Status.MAJOR_OUTAGE, "API")],
        [FallbackWord("Claude", Status.OPERATIONAL)],
    )


def test_the_sentence_in_english():
    with translation.override("en"):
        assert view().sentence == (
            "Support bot: down, because the OpenAI API has a major outage (“Elevated error "
            "rates”); OpenAI runs on Microsoft Azure, which reports a partial outage; use Claude "
            "(working)"
        )
        assert FeatureState.DOWN.label == "Down"


def test_the_sentence_in_french():
    with translation.override("fr"):
        assert view().sentence == (
            "Support bot : en panne, car OpenAI (API) subit une panne majeure (« Elevated error "
            "rates ») ; OpenAI tourne sur Microsoft Azure, qui signale une panne partielle ; "
            "utiliser Claude (en service)"
        )
        assert FeatureState.DOWN.label == "En panne"
        assert FeatureState.UNKNOWN.label == "État inconnu"
