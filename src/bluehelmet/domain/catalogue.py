"""Every kind of record the mission keeps, by the name users and files give it."""

from __future__ import annotations

import re

from bluehelmet.domain.alerts import Alert, AlertRule
from bluehelmet.domain.capabilities import CapabilityRequirement, InfrastructureProject, ProjectMilestone
from bluehelmet.domain.caveats import Caveat, CaveatImpact
from bluehelmet.domain.convoys import ConvoyNotification, ConvoyObservation
from bluehelmet.domain.coordination import CoordinationBody, CoordinationMeeting
from bluehelmet.domain.equipment import EquipmentItem, EquipmentStatusChange, Inspection
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.evaluations import (
    Evaluation,
    EvaluationFinding,
    ImprovementAction,
    ImprovementPlan,
)
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.movement import MovementRestriction
from bluehelmet.domain.operations import Activity, Operation, OperationPhase
from bluehelmet.domain.places import AdminArea, Location, Mission, Sector
from bluehelmet.domain.records import Record
from bluehelmet.domain.rotations import OperationalPeriod, Rotation
from bluehelmet.domain.transition import JointProgramme, TransitionActivity
from bluehelmet.domain.units import ContributingCountry, Unit

__all__ = ["ENTITIES", "UnknownEntity", "entity_class", "entity_name"]

#: In an order where every record refers only to kinds listed before it (except a unit's
#: parent unit and an area's parent area), which is the order to load or copy a mission in.
ENTITIES: tuple[type[Record], ...] = (
    Mission,
    ContributingCountry,
    AdminArea,
    Sector,
    Location,
    Unit,
    Operation,
    OperationPhase,
    Activity,
    Incident,
    Caveat,
    CaveatImpact,
    EquipmentItem,
    EquipmentStatusChange,
    Inspection,
    Evaluation,
    EvaluationFinding,
    ImprovementPlan,
    ImprovementAction,
    ConvoyNotification,
    ConvoyObservation,
    MovementRestriction,
    CapabilityRequirement,
    InfrastructureProject,
    ProjectMilestone,
    Rotation,
    OperationalPeriod,
    TransitionActivity,
    JointProgramme,
    CoordinationBody,
    CoordinationMeeting,
)


class UnknownEntity(BluehelmetError):
    def __init__(self, name: str) -> None:
        known = ", ".join(entity_name(c) for c in ENTITIES)
        super().__init__(f"unknown kind of record '{name}'; known kinds: {known}")


def entity_name(cls: type[Record]) -> str:
    """The snake_case name of a kind of record: ``EquipmentItem`` -> ``equipment_item``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


#: Records kept like the others (versioned, audited, referred to) but not mission data: no
#: files, no generic API; found by name so that their references are checked like any other.
_KEPT_APART: tuple[type[Record], ...] = (AlertRule, Alert)
_BY_NAME = {
    **{c.__name__: c for c in (*ENTITIES, *_KEPT_APART)},
    **{entity_name(c): c for c in (*ENTITIES, *_KEPT_APART)},
}


def entity_class(name: str) -> type[Record]:
    """The kind of record called ``name`` (``Unit`` or ``unit``, ``equipment_item``...)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownEntity(name) from None
