"""Contributing countries and the uniformed and civilian units of a mission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = [
    "CIVILIAN_UNIT_TYPES",
    "POLICE_UNIT_TYPES",
    "Component",
    "ContributingCountry",
    "DeploymentStatus",
    "Unit",
    "UnitType",
]


class Component(StrEnum):
    MILITARY = "military"
    POLICE = "police"
    CIVILIAN = "civilian"


class UnitType(StrEnum):
    """Kinds of unit. Also the vocabulary of capability requirements, so that what a plan
    requires can be counted against the units deployed or pledged."""

    INFANTRY_BATTALION = "infantry_battalion"
    INFANTRY_COMPANY = "infantry_company"
    COMBAT_CONVOY_BATTALION = "combat_convoy_battalion"
    COMBAT_CONVOY_COMPANY = "combat_convoy_company"
    FORMED_POLICE_UNIT = "formed_police_unit"
    FORMED_POLICE_DETACHMENT = "formed_police_detachment"
    INDIVIDUAL_POLICE = "individual_police"
    SPECIAL_FORCES = "special_forces"
    ENGINEERS = "engineers"
    EXPLOSIVE_ORDNANCE_DISPOSAL = "explosive_ordnance_disposal"
    MEDICAL_LEVEL_1 = "medical_level_1"
    MEDICAL_LEVEL_2 = "medical_level_2"
    MEDICAL_LEVEL_3 = "medical_level_3"
    FORWARD_SURGICAL_TEAM = "forward_surgical_team"
    AVIATION_UTILITY_HELICOPTER = "aviation_utility_helicopter"
    AVIATION_ARMED_HELICOPTER = "aviation_armed_helicopter"
    AVIATION_ATTACK_HELICOPTER = "aviation_attack_helicopter"
    AVIATION_FIXED_WING = "aviation_fixed_wing"
    MOBILE_SURGICAL_TEAM = "mobile_surgical_team"
    ISR = "isr"
    ISR_FIXED_WING = "isr_fixed_wing"
    UNMANNED_AERIAL_SYSTEM = "unmanned_aerial_system"
    QUICK_REACTION_FORCE = "quick_reaction_force"
    RECONNAISSANCE = "reconnaissance"
    LOGISTICS = "logistics"
    SIGNALS = "signals"
    TRANSPORT = "transport"
    MILITARY_POLICE = "military_police"
    HEADQUARTERS = "headquarters"
    CIVILIAN_SECTION = "civilian_section"
    OTHER = "other"


POLICE_UNIT_TYPES = frozenset(
    {UnitType.FORMED_POLICE_UNIT, UnitType.FORMED_POLICE_DETACHMENT, UnitType.INDIVIDUAL_POLICE}
)
CIVILIAN_UNIT_TYPES = frozenset({UnitType.CIVILIAN_SECTION})


class DeploymentStatus(StrEnum):
    PLEDGED = "pledged"
    ADVANCE_TEAM_ONLY = "advance_team_only"
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"
    ROTATING = "rotating"
    REPATRIATING = "repatriating"
    REPATRIATED = "repatriated"


@dataclass(kw_only=True)
class ContributingCountry(Record):
    """A troop- or police-contributing country, shared by all missions."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("iso3",),)

    iso3: str
    name: str


@dataclass(kw_only=True)
class Unit(Record):
    """A contingent or sub-unit: a battalion, a company, a formed police unit, a detachment.

    Sub-units point to their parent; a sub-unit is never larger than its parent. A unit that
    is not fully deployed (advance team only, say) says since when and why. Units assigned to
    the mission's mobile task force keep their organic parent and carry ``mobile_task_force``.
    A strength the mission has not recorded may carry an outside estimate and its source.
    """

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "name"),)

    mission_id: int = ref("Mission")
    name: str
    component: Component
    unit_type: UnitType
    country_id: int | None = ref("ContributingCountry", optional=True)
    parent_id: int | None = ref("Unit", optional=True)
    sector_id: int | None = ref("Sector", optional=True)
    base_id: int | None = ref("Location", optional=True)
    authorised_strength: int | None = None
    deployed_strength: int | None = None
    deployment_status: DeploymentStatus = DeploymentStatus.DEPLOYED
    status_since: date | None = None
    status_reason: str = ""
    status_reason_fr: str = ""  # the reason in French, quoted by the French letter (migration 0015)
    mobile_task_force: bool = False
    notes: str = ""
    #: A size read from elsewhere than the mission's own returns (Geo-PKO's map symbols), kept
    #: for a person's eye with where it comes from; no figure adds it to a strength.
    strength_estimate: int | None = None
    strength_estimate_source: str = ""
