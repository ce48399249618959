"""Contingent-owned major equipment, its serviceability over time, and COE inspections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = [
    "DamageCause",
    "EquipmentCategory",
    "EquipmentItem",
    "EquipmentStatusChange",
    "Inspection",
    "InspectionKind",
    "Serviceability",
]


class EquipmentCategory(StrEnum):
    ARMOURED_PERSONNEL_CARRIER = "armoured_personnel_carrier"
    MINE_PROTECTED_VEHICLE = "mine_protected_vehicle"
    INFANTRY_FIGHTING_VEHICLE = "infantry_fighting_vehicle"
    TRUCK = "truck"
    RECOVERY_VEHICLE = "recovery_vehicle"
    ENGINEERING_PLANT = "engineering_plant"
    GENERATOR = "generator"
    WATER_PURIFICATION = "water_purification"
    AMBULANCE = "ambulance"
    HELICOPTER = "helicopter"
    UNMANNED_AERIAL_SYSTEM = "unmanned_aerial_system"
    COMMUNICATIONS = "communications"
    OTHER = "other"


class Serviceability(StrEnum):
    SERVICEABLE = "serviceable"
    UNSERVICEABLE = "unserviceable"


class DamageCause(StrEnum):
    EXPLOSIVE_INCIDENT = "explosive_incident"
    HOSTILE_FIRE = "hostile_fire"
    ACCIDENT = "accident"
    WEAR = "wear"
    AWAITING_PARTS = "awaiting_parts"
    OTHER = "other"


class InspectionKind(StrEnum):
    ARRIVAL = "arrival"
    OPERATIONAL_READINESS = "operational_readiness"
    PERIODIC = "periodic"
    REPATRIATION = "repatriation"


@dataclass(kw_only=True)
class EquipmentItem(Record):
    """One item of major equipment a contingent brought (an APC, a mine-protected vehicle)."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "identifier"),)
    label_field: ClassVar[str] = "identifier"

    mission_id: int = ref("Mission")
    unit_id: int = ref("Unit")
    category: EquipmentCategory
    identifier: str
    description: str = ""


@dataclass(kw_only=True)
class EquipmentStatusChange(Record):
    """From ``effective_on`` the item is serviceable or not, and if not, why (one state a day)."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("equipment_id", "effective_on"),)
    label_field: ClassVar[str] = "effective_on"

    equipment_id: int = ref("EquipmentItem")
    effective_on: date
    serviceability: Serviceability
    cause: DamageCause | None = None
    incident_id: int | None = ref("Incident", optional=True)
    note: str = ""


@dataclass(kw_only=True)
class Inspection(Record):
    """A contingent-owned equipment inspection of a unit and what it found."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "unit_id", "kind", "inspected_on"),)
    label_field: ClassVar[str] = "inspected_on"

    mission_id: int = ref("Mission")
    unit_id: int = ref("Unit")
    kind: InspectionKind
    inspected_on: date
    inspector: str = ""
    items_inspected: int | None = None
    items_serviceable: int | None = None
    findings: str = ""
