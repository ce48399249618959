"""Restrictions on the mission's freedom of movement: blockages, checkpoints, denials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = ["MovementRestriction", "RestrictionKind"]


class RestrictionKind(StrEnum):
    ROAD_BLOCKAGE = "road_blockage"
    CHECKPOINT = "checkpoint"
    DENIAL_OF_ACCESS = "denial_of_access"
    FLIGHT_RESTRICTION = "flight_restriction"
    OTHER = "other"


@dataclass(kw_only=True)
class MovementRestriction(Record):
    """A blockage or denial: where, by whom, from when, and when and how it was lifted."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("mission_id", "kind", "location_id", "area_id", "started_on"),
    )
    label_field: ClassVar[str] = "description"

    mission_id: int = ref("Mission")
    kind: RestrictionKind
    imposed_by: str
    area_id: int | None = ref("AdminArea", optional=True)
    location_id: int | None = ref("Location", optional=True)
    started_on: date
    lifted_on: date | None = None
    lifted_through: str = ""
    patrols_resumed: bool = False
    description: str = ""
    #: Who imposed it and how it was lifted, in French, for the French letter.
    imposed_by_fr: str = ""
    lifted_through_fr: str = ""
