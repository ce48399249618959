"""Troop rotations and the periods of high operational tempo they should avoid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = ["OperationalPeriod", "Rotation", "Tempo"]


class Tempo(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


@dataclass(kw_only=True)
class Rotation(Record):
    """One rotation of a unit: the window planned, the window it actually took, and how many.

    Whether the contributor kept to the plan is read from the two windows, never entered.
    """

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "unit_id", "planned_start"),)
    label_field: ClassVar[str] = "planned_start"

    mission_id: int = ref("Mission")
    unit_id: int = ref("Unit")
    planned_start: date
    planned_end: date
    actual_start: date | None = None
    actual_end: date | None = None
    personnel: int | None = None
    available_fraction: float = 0.5
    note: str = ""


@dataclass(kw_only=True)
class OperationalPeriod(Record):
    """A span of time with a given operational tempo, for one sector or (no sector) all."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "sector_id", "start_on"),)
    label_field: ClassVar[str] = "name"

    mission_id: int = ref("Mission")
    sector_id: int | None = ref("Sector", optional=True)
    name: str = ""
    tempo: Tempo = Tempo.HIGH
    start_on: date
    end_on: date
