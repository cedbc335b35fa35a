"""One model's status from the provider's components, incidents and our probes (pure)."""

from __future__ import annotations

import pytest

from probes.parsers.types import Status
from probes.stack.model_health import (
    IncidentFact,
    ModelEvidence,
    PartFact,
    ProbeFact,
    model_status,
    models_status,
)

OK = Status.OPERATIONAL
DOWN = Status.MAJOR_OUTAGE
PARTIAL = Status.PARTIAL_OUTAGE
SLOW = Status.DEGRADED_PERFORMANCE
UNKNOWN = Status.UNKNOWN

API = PartFact(1, "API", OK)
SORA = PartFact(2, "Sora", OK, frozenset({"sora-2"}))
CHATGPT = PartFact(3, "ChatGPT", OK)


def evidence(headline=OK, components=(API, SORA, CHATGPT), incidents=(), probes=()):
    return ModelEvidence(headline, tuple(components), tuple(incidents), tuple(probes))


def down(part: PartFact, status: Status = DOWN) -> PartFact:
    return PartFact(part.key, part.name, status, part.models)


# The 26 December 2024 shape: ChatGPT, the API and Sora down under one incident that names Sora.
DEC_26 = evidence(
    DOWN,
    (down(API), down(SORA), down(CHATGPT)),
    (
        IncidentFact(
            "High error rates for ChatGPT, APIs, and Sora",
            DOWN,
            frozenset({"sora-2"}),
            frozenset({1, 2, 3}),
        ),
    ),
)


@pytest.mark.parametrize(
    ("facts", "slug", "status"),
    [
        # All calm.
        (evidence(), "gpt-4o", OK),
        # 26 December: the model the incident names is down, the text model works.
        (DEC_26, "sora-2", DOWN),
        (DEC_26, "gpt-4o", OK),
        # A component named after the model speaks for it alone.
        (evidence(PARTIAL, (API, down(SORA, PARTIAL), CHATGPT)), "sora-2", PARTIAL),
        (evidence(PARTIAL, (API, down(SORA, PARTIAL), CHATGPT)), "gpt-4o", OK),
        # An incident naming no model hits every model.
        (evidence(SLOW, incidents=[IncidentFact("Elevated errors", SLOW)]), "gpt-4o", SLOW),
        (evidence(SLOW, incidents=[IncidentFact("Elevated errors", SLOW)]), "sora-2", SLOW),
        # A shared component in trouble nobody pinned on a model hits every model.
        (evidence(DOWN, (down(API), SORA, CHATGPT)), "gpt-4o", DOWN),
        # ... and an incident naming models that does not touch it explains nothing.
        (
            evidence(
                DOWN,
                (down(API), down(SORA), CHATGPT),
                [IncidentFact("Sora errors", DOWN, frozenset({"sora-2"}), frozenset({2}))],
            ),
            "gpt-4o",
            DOWN,
        ),
        # An incident that names another model only.
        (
            evidence(PARTIAL, incidents=[IncidentFact("o3 slow", PARTIAL, frozenset({"o3"}))]),
            "gpt-4o",
            OK,
        ),
        (
            evidence(PARTIAL, incidents=[IncidentFact("o3 slow", PARTIAL, frozenset({"o3"}))]),
            "o3",
            PARTIAL,
        ),
        # Our probe of this model speaks for it; one of another model does not.
        (evidence(DOWN, probes=[ProbeFact(DOWN, "gpt-4o-mini")]), "gpt-4o-mini", DOWN),
        (evidence(DOWN, probes=[ProbeFact(DOWN, "gpt-4o-mini")]), "gpt-4o", OK),
        # A probe of the whole API (no model) speaks for every model.
        (evidence(DOWN, probes=[ProbeFact(DOWN)]), "gpt-4o", DOWN),
        # Trouble the headline reports that nothing here accounts for hits every model.
        (evidence(PARTIAL), "gpt-4o", PARTIAL),
        # Nothing can be read: unknown, never operational...
        (evidence(UNKNOWN), "gpt-4o", UNKNOWN),
        # ... but trouble we can read about the model outranks it.
        (evidence(UNKNOWN, (API, down(SORA), CHATGPT)), "sora-2", DOWN),
        # Maintenance under way on the model.
        (
            evidence(
                Status.UNDER_MAINTENANCE,
                incidents=[
                    IncidentFact(
                        "Sora maintenance", Status.UNDER_MAINTENANCE, frozenset({"sora-2"})
                    )
                ],
            ),
            "sora-2",
            Status.UNDER_MAINTENANCE,
        ),
    ],
)
def test_a_model_is_hit_only_by_what_is_about_it(facts, slug, status):
    assert model_status(facts, slug).status == status


def test_the_verdict_quotes_the_incidents_that_hit_the_model():
    assert model_status(DEC_26, "sora-2").incidents == (
        "High error rates for ChatGPT, APIs, and Sora",
    )
    assert model_status(DEC_26, "gpt-4o").incidents == ()


def test_a_scope_leaves_out_shared_trouble_elsewhere():
    # ChatGPT down, unexplained: every model is hit, unless the feature uses the API only.
    facts = evidence(DOWN, (API, SORA, down(CHATGPT)))
    assert model_status(facts, "gpt-4o").status == DOWN
    assert model_status(facts, "gpt-4o", scope=frozenset({1})).status == OK


def test_several_models_are_needed_each():
    verdict = models_status(DEC_26, ["gpt-4o", "sora-2"])
    assert verdict.status == DOWN
    assert models_status(DEC_26, ["gpt-4o"]).status == OK
