"""Named operations, their phases, and the activities (patrols, integrated missions...) in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref, refs
from bluehelmet.domain.units import Component

__all__ = [
    "Activity",
    "ActivityType",
    "DayNight",
    "Operation",
    "OperationPhase",
    "OperationType",
    "PatrolRange",
]


class OperationType(StrEnum):
    PROTECTION_OF_CIVILIANS = "protection_of_civilians"
    AREA_DOMINATION = "area_domination"
    ROUTE_SECURITY = "route_security"
    DETERRENCE = "deterrence"
    FORCE_PROTECTION = "force_protection"
    SHOW_OF_FORCE = "show_of_force"
    COMPLIANCE_MONITORING = "compliance_monitoring"
    STABILIZATION = "stabilization"
    INTER_SECTOR_REINFORCEMENT = "inter_sector_reinforcement"
    COUNTER_IED = "counter_ied"
    OTHER = "other"


class ActivityType(StrEnum):
    PATROL = "patrol"
    INTEGRATED_MISSION = "integrated_mission"
    CIVIL_MILITARY_COOPERATION = "civil_military_cooperation"
    ESCORT = "escort"
    REDEPLOYMENT = "redeployment"
    SHOW_OF_FORCE = "show_of_force"
    HUMAN_RIGHTS_INVESTIGATION = "human_rights_investigation"
    OTHER = "other"


class PatrolRange(StrEnum):
    SHORT = "short"
    LONG = "long"


class DayNight(StrEnum):
    DAY = "day"
    NIGHT = "night"
    DAY_AND_NIGHT = "day_and_night"


@dataclass(kw_only=True)
class Operation(Record):
    """A named operation (Seka, Meerkat, Farrier...): where, when, by whom, to what end."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "name"),)

    mission_id: int = ref("Mission")
    name: str
    operation_type: OperationType
    start_on: date
    end_on: date | None = None
    description: str = ""
    objectives: list[str] = field(default_factory=list)
    sector_ids: list[int] = refs("Sector")
    location_ids: list[int] = refs("Location")
    unit_ids: list[int] = refs("Unit")
    components: list[Component] = field(default_factory=list)
    partner_forces: list[str] = field(default_factory=list)
    results: str = ""
    #: The aim and results in French, quoted by the French letter (migration 0015).
    description_fr: str = ""
    results_fr: str = ""


@dataclass(kw_only=True)
class OperationPhase(Record):
    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("operation_id", "number"),)

    operation_id: int = ref("Operation")
    number: int
    name: str = ""
    start_on: date
    end_on: date | None = None
    area: str = ""
    location_ids: list[int] = refs("Location")


@dataclass(kw_only=True)
class Activity(Record):
    """A patrol, integrated mission, CIMIC activity or escort, inside an operation or not."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "activity_type", "start_on", "description"),)
    label_field: ClassVar[str] = "description"

    mission_id: int = ref("Mission")
    activity_type: ActivityType
    operation_id: int | None = ref("Operation", optional=True)
    patrol_range: PatrolRange | None = None
    day_night: DayNight | None = None
    start_on: date
    end_on: date | None = None
    from_location_id: int | None = ref("Location", optional=True)
    to_location_id: int | None = ref("Location", optional=True)
    location_ids: list[int] = refs("Location")
    unit_ids: list[int] = refs("Unit")
    components: list[Component] = field(default_factory=list)
    description: str = ""
