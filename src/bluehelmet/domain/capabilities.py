"""The adaptation plan: capabilities required against those deployed or pledged, and camp works."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = [
    "Capability",
    "CapabilityRequirement",
    "InfrastructureProject",
    "ProjectKind",
    "ProjectMilestone",
]


class Capability(StrEnum):
    MEDIUM_UTILITY_HELICOPTER = "medium_utility_helicopter"
    ARMED_HELICOPTER = "armed_helicopter"
    ATTACK_HELICOPTER = "attack_helicopter"
    INFANTRY_QUICK_REACTION_FORCE = "infantry_quick_reaction_force"
    MOBILE_SURGICAL = "mobile_surgical"
    FORWARD_SURGICAL_TEAM = "forward_surgical_team"
    FIXED_WING_ISR = "fixed_wing_isr"
    UNMANNED_AERIAL_SYSTEM = "unmanned_aerial_system"
    MEDICAL = "medical"
    ENGINEERING = "engineering"
    ISR = "isr"
    COUNTER_IED = "counter_ied"
    FORMED_POLICE_UNIT = "formed_police_unit"
    OTHER = "other"


class ProjectKind(StrEnum):
    CAMP_EXPANSION = "camp_expansion"
    NEW_CAMP = "new_camp"
    AIR_CAMP = "air_camp"
    AIRFIELD = "airfield"
    FORCE_PROTECTION = "force_protection"
    OTHER = "other"


@dataclass(kw_only=True)
class CapabilityRequirement(Record):
    """How many units of a capability the plan needs in a sector, and how many it has.

    A gap is ``required - deployed``; ``pledged`` counts units promised but not yet there.
    """

    label_field: ClassVar[str] = "capability"

    mission_id: int = ref("Mission")
    capability: Capability
    sector_id: int | None = ref("Sector", optional=True)
    required: int
    deployed: int = 0
    pledged: int = 0
    planned_from: date | None = None
    planned_by: date | None = None
    note: str = ""


@dataclass(kw_only=True)
class InfrastructureProject(Record):
    """A camp expansion or new camp: where, how big, and when it is due."""

    mission_id: int = ref("Mission")
    name: str
    kind: ProjectKind
    location_id: int | None = ref("Location", optional=True)
    hectares: float | None = None
    purpose: str = ""
    start_on: date | None = None
    due_on: date | None = None
    completed_on: date | None = None


@dataclass(kw_only=True)
class ProjectMilestone(Record):
    """A dated step of a project (e.g. ground units move in, June to November 2021)."""

    project_id: int = ref("InfrastructureProject")
    name: str
    start_on: date | None = None
    due_on: date
    completed_on: date | None = None
