"""What AI Watch knows: providers, the sources it polls, components, incidents and transitions.

One module per family of tables; import them from here (`from probes.models import Source`).
"""

from probes.models.acknowledgements import Acknowledgement
from probes.models.features import Drill, DrillAcknowledgement, Feature, ServedModel
from probes.models.fields import StatusField
from probes.models.history import UptimeDay
from probes.models.incidents import (
    Component,
    Incident,
    IncidentQuerySet,
    IncidentUpdate,
    StatusChange,
)
from probes.models.observations import ObservedTransition, ProbeResult, ProbeRollup, TeamReport
from probes.models.providers import Provider, ProviderQuerySet
from probes.models.sources import Source, SourceQuerySet
from probes.models.tokens import ApiToken

__all__ = [
    "Acknowledgement",
    "ApiToken",
    "Component",
    "Drill",
    "DrillAcknowledgement",
    "Feature",
    "Incident",
    "IncidentQuerySet",
    "IncidentUpdate",
    "ObservedTransition",
    "ProbeResult",
    "ProbeRollup",
    "Provider",
    "ProviderQuerySet",
    "ServedModel",
    "Source",
    "SourceQuerySet",
    "StatusChange",
    "StatusField",
    "TeamReport",
    "UptimeDay",
]
