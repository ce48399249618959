"""The adaptation plan: capabilities required against those deployed or pledged, and camp works."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref
from bluehelmet.domain.units import UnitType

__all__ = [
    "CapabilityRequirement",
    "InfrastructureProject",
    "ProjectKind",
    "ProjectMilestone",
]


class ProjectKind(StrEnum):
    CAMP_EXPANSION = "camp_expansion"
    NEW_CAMP = "new_camp"
    AIR_CAMP = "air_camp"
    AIRFIELD = "airfield"
    FORCE_PROTECTION = "force_protection"
    OTHER = "other"


@dataclass(kw_only=True)
class CapabilityRequirement(Record):
    """How many units of a kind the adaptation plan needs (in a sector, or anywhere), and by when.

    Only the requirement is entered: what is deployed or pledged against it is counted from the
    units themselves (their type, sector and deployment status), so a gap is never typed.
    """

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "capability", "sector_id"),)
    label_field: ClassVar[str] = "capability"

    mission_id: int = ref("Mission")
    capability: UnitType
    sector_id: int | None = ref("Sector", optional=True)
    required: int
    needed_from: date | None = None
    needed_by: date | None = None
    commercial_alternative: bool = False
    note: str = ""


@dataclass(kw_only=True)
class InfrastructureProject(Record):
    """A camp expansion or new camp: where, how big, and when it is due."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "name"),)
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

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("project_id", "name"),)
    project_id: int = ref("InfrastructureProject")
    name: str
    start_on: date | None = None
    due_on: date
    completed_on: date | None = None
    name_fr: str = ""  # the step in French, for the French letter
