"""The integrated strategic framework and the transition plan: activities and joint programmes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref, refs

__all__ = ["ActivityStatus", "JointProgramme", "OwnerKind", "RoadMapPhase", "TransitionActivity"]


class RoadMapPhase(StrEnum):
    PHASE_1 = "phase_1"
    PHASE_2 = "phase_2"


class OwnerKind(StrEnum):
    MISSION_COMPONENT = "mission_component"
    COUNTRY_TEAM_AGENCY = "country_team_agency"
    NATIONAL_AUTHORITY = "national_authority"
    JOINT = "joint"


class ActivityStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DELAYED = "delayed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(kw_only=True)
class TransitionActivity(Record):
    """A step of the transition road map, with its owner, its due date and, if late, why."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "title"),)
    label_field: ClassVar[str] = "title"

    mission_id: int = ref("Mission")
    title: str
    road_map_phase: RoadMapPhase
    benchmark: str = ""
    owner_kind: OwnerKind
    owner: str
    status: ActivityStatus = ActivityStatus.PLANNED
    due_on: date | None = None
    completed_on: date | None = None
    delay_reason: str = ""
    #: The title and the reason for the delay in French, quoted by the French letter (migration 0015).
    title_fr: str = ""
    delay_reason_fr: str = ""


@dataclass(kw_only=True)
class JointProgramme(Record):
    """A programme the mission runs with United Nations agencies (e.g. with WFP and UNHCR in Gao)."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "name"),)

    mission_id: int = ref("Mission")
    name: str
    partners: list[str] = field(default_factory=list)
    location_ids: list[int] = refs("Location")
    aims: list[str] = field(default_factory=list)
    #: The name and aims in French, quoted by the French letter (migration 0015).
    name_fr: str = ""
    aims_fr: list[str] = field(default_factory=list)
    start_on: date | None = None
    end_on: date | None = None
