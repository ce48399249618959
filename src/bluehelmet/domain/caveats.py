"""National caveats on units, and what they cost the mission.

A caveat accepted before deployment and registered with the Secretariat is *declared*; any
other restriction is *undeclared* and must be reported to headquarters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = ["Caveat", "CaveatImpact", "CaveatKind", "ImpactEffect"]


class CaveatKind(StrEnum):
    GEOGRAPHIC = "geographic"
    WITHIN_SECTOR_MOVEMENT = "within_sector_movement"
    NO_NIGHT_OPERATIONS = "no_night_operations"
    CASUALTY_EVACUATION_CONDITION = "casualty_evacuation_condition"
    EXCLUDED_TASK = "excluded_task"
    FORCE_PROTECTION = "force_protection"
    OTHER = "other"


class ImpactEffect(StrEnum):
    REFUSED = "refused"
    CHANGED = "changed"
    DELAYED = "delayed"
    REASSIGNED = "reassigned"


@dataclass(kw_only=True)
class Caveat(Record):
    """A restriction a contributor places on its unit; ``reported_on`` is when headquarters learnt of it."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "unit_id", "kind", "description"),)
    label_field: ClassVar[str] = "description"

    mission_id: int = ref("Mission")
    unit_id: int = ref("Unit")
    kind: CaveatKind
    description: str
    description_fr: str = ""  # in French, quoted by the French letter (migration 0015)
    declared: bool = False
    declared_on: date | None = None
    first_observed: date | None = None
    reported_on: date | None = None
    lifted_on: date | None = None
    source: str = ""


@dataclass(kw_only=True)
class CaveatImpact(Record):
    """A task refused, changed or delayed because of a caveat."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("caveat_id", "occurred_on", "task"),)
    label_field: ClassVar[str] = "task"

    caveat_id: int = ref("Caveat")
    occurred_on: date
    task: str
    effect: ImpactEffect
    operation_id: int | None = ref("Operation", optional=True)
    description: str = ""
