"""Coordination of the security presences: standing bodies, task forces, and their meetings.

Examples: the Instance de coordination au Mali, and the counter-IED task force of January 2021
with the Malian Armed Forces, the G5 Sahel Joint Force, the French forces and EUTM Mali.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = ["BodyKind", "CoordinationBody", "CoordinationMeeting"]


class BodyKind(StrEnum):
    SECURITY_COORDINATION = "security_coordination"
    TASK_FORCE = "task_force"
    TECHNICAL_COMMISSION = "technical_commission"
    OTHER = "other"


@dataclass(kw_only=True)
class CoordinationBody(Record):
    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "name"),)

    mission_id: int = ref("Mission")
    name: str
    kind: BodyKind
    established_on: date | None = None
    dissolved_on: date | None = None
    partners: list[str] = field(default_factory=list)
    purpose: str = ""
    #: The name and the partners in French, for the French letter (partners in the same order).
    name_fr: str = ""
    partners_fr: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class CoordinationMeeting(Record):
    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("body_id", "held_on"),)
    label_field: ClassVar[str] = "held_on"

    body_id: int = ref("CoordinationBody")
    held_on: date
    summary: str = ""
    decisions: list[str] = field(default_factory=list)
