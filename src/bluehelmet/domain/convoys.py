"""Armed-group convoys: notifications to the Technical Commission on Security, and sightings.

Under Operation Farrier's rule, a convoy of more than five vehicles, or any convoy with heavy
weapons, must be notified in advance; an observed convoy that needed notice and had none is a
breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = [
    "NOTIFICATION_VEHICLE_THRESHOLD",
    "ConvoyNotification",
    "ConvoyObservation",
    "requires_notification",
]

NOTIFICATION_VEHICLE_THRESHOLD = 5


def requires_notification(
    vehicles: int | None, heavy_weapons: bool, threshold: int = NOTIFICATION_VEHICLE_THRESHOLD
) -> bool:
    """Whether a convoy is known to need notice: more than ``threshold`` vehicles and/or heavy
    weapons. A convoy whose vehicles are not recorded needs it when it carries heavy weapons; else
    it is not known to need it (and is not counted as needing it)."""
    return heavy_weapons or (vehicles is not None and vehicles > threshold)


@dataclass(kw_only=True)
class ConvoyNotification(Record):
    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "armed_group", "notified_on", "route"),)
    label_field: ClassVar[str] = "armed_group"

    mission_id: int = ref("Mission")
    armed_group: str
    notified_on: date
    planned_move_on: date | None = None
    route: str = ""
    from_location_id: int | None = ref("Location", optional=True)
    to_location_id: int | None = ref("Location", optional=True)
    vehicles: int | None = None
    heavy_weapons: bool = False


@dataclass(kw_only=True)
class ConvoyObservation(Record):
    """A convoy seen on the ground, linked to its notification when there was one."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "armed_group", "observed_on", "route"),)
    label_field: ClassVar[str] = "armed_group"

    mission_id: int = ref("Mission")
    armed_group: str
    observed_on: date
    route: str = ""
    location_id: int | None = ref("Location", optional=True)
    vehicles: int | None = None
    heavy_weapons: bool = False
    notification_id: int | None = ref("ConvoyNotification", optional=True)
