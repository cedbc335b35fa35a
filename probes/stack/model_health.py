"""How one model of a provider is doing, from what the provider and our probes say (pure).

The 26 December 2024 postmortem is the case this exists for: most of OpenAI's APIs were down,
the text completions API was not. A feature on one model is hit only when that model is.

What counts for a model (`model_status`), every item as the status model reads it:

1. components named after it ("Sora"), as their status says;
2. open incidents that name it (title, products, or a component named after it: the names are
   matched by `probes.stack.model_names`), as their impact says;
3. open incidents that name no model at all: they hit every model;
4. components named after no model ("API"): their trouble hits every model, unless an open
   incident that names models touches that component (the provider has said which models the
   trouble is about);
5. our probes, when fresh: one that calls this model, and those that call no model (an HTTP
   probe of the whole API);
6. whatever of the headline none of the above accounts for (a page's overall indicator, or a
   headline that is unknown because nothing can be read): it hits every model, so a model is
   never "operational" while trouble nobody pinned on another model is reported.

Narrowed to some components (`scope`: a feature that names them), 3 and 4 count only for
those components (an incident touching none counts everywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from probes.parsers.types import SEVERITY, Status, worst

CALM = frozenset({Status.OPERATIONAL, Status.UNKNOWN})


@dataclass(frozen=True, slots=True)
class PartFact:
    """A component (never a group container), with the models its name names."""

    key: int
    name: str
    status: Status
    models: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class IncidentFact:
    """An open incident (or maintenance under way) and what it says."""

    title: str
    status: Status
    models: frozenset[str] = frozenset()
    components: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ProbeFact:
    """One of our fresh probes: its confirmed observed status, and the model it calls ("")."""

    status: Status
    model: str = ""


@dataclass(frozen=True, slots=True)
class ModelEvidence:
    headline: Status
    components: tuple[PartFact, ...] = ()
    incidents: tuple[IncidentFact, ...] = ()
    probes: tuple[ProbeFact, ...] = ()

    @property
    def explained(self) -> frozenset[int]:
        """Components whose trouble an incident naming models is about."""
        return frozenset(
            key for incident in self.incidents if incident.models for key in incident.components
        )


@dataclass(frozen=True, slots=True)
class ModelVerdict:
    status: Status
    # Titles of the open incidents that hit this model, newest first as given.
    incidents: tuple[str, ...] = ()
    # Something named this model itself (a component, an incident or a probe of its own).
    named: bool = False


def model_status(
    evidence: ModelEvidence, slug: str, *, scope: frozenset[int] | None = None
) -> ModelVerdict:
    """The status of model `slug` (see the module's rules); `scope` narrows to components."""
    said: list[Status] = []
    titles: list[str] = []
    named = False
    for part in evidence.components:
        if slug in part.models:
            said.append(part.status)
            named = True
    for incident in evidence.incidents:
        if incident.models:
            if slug in incident.models:
                said.append(incident.status)
                titles.append(incident.title)
                named = True
        elif scope is None or not incident.components or incident.components & scope:
            said.append(incident.status)
            titles.append(incident.title)
    explained = evidence.explained
    for part in evidence.components:
        if part.models or (scope is not None and part.key not in scope):
            continue
        if part.status not in CALM and part.key in explained:
            continue
        said.append(part.status)
    for probe in evidence.probes:
        if probe.model == slug:
            said.append(probe.status)
            named = True
        elif not probe.model:
            said.append(probe.status)
    if SEVERITY[evidence.headline] > SEVERITY[accounted(evidence)]:
        said.append(evidence.headline)
    return ModelVerdict(worst(said), tuple(titles), named)


def accounted(evidence: ModelEvidence) -> Status:
    """The worst that the components, incidents and probes say between them."""
    return worst(
        [
            *(part.status for part in evidence.components),
            *(incident.status for incident in evidence.incidents),
            *(probe.status for probe in evidence.probes),
        ]
    )


def models_status(
    evidence: ModelEvidence, slugs: Sequence[str], *, scope: frozenset[int] | None = None
) -> ModelVerdict:
    """A feature that needs several models needs each: the worst of theirs."""
    verdicts = [model_status(evidence, slug, scope=scope) for slug in slugs]
    if not verdicts:
        return ModelVerdict(evidence.headline)
    titles = tuple(dict.fromkeys(title for v in verdicts for title in v.incidents))
    return ModelVerdict(worst([v.status for v in verdicts]), titles, any(v.named for v in verdicts))
