"""The adaptation plan's capabilities: required against deployed and pledged, and the gaps.

Only the requirement is a record. What stands against it is counted from the units: those of
the capability's unit type in the requirement's sector (anywhere in the mission when it names
none), deployed when in the mission area and working, pledged when promised or on the way.
Sub-units count on their own (a forward surgical team is usually part of a larger unit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bluehelmet.domain.capabilities import CapabilityRequirement
from bluehelmet.domain.units import DeploymentStatus, Unit, UnitType

__all__ = ["DEPLOYED_STATUSES", "PLEDGED_STATUSES", "CapabilityGap", "capability_gaps"]

DEPLOYED_STATUSES = frozenset({DeploymentStatus.DEPLOYED, DeploymentStatus.ROTATING})
#: An advance team is not the capability: the unit counts as pledged until its main body arrives.
PLEDGED_STATUSES = frozenset({DeploymentStatus.PLEDGED, DeploymentStatus.DEPLOYING, DeploymentStatus.ADVANCE_TEAM_ONLY})


@dataclass(frozen=True)
class CapabilityGap:
    """One requirement of the plan and what stands against it.

    ``gap`` is what is missing today; ``gap_after_pledges`` what would still be missing once
    every pledged unit arrives (both never below zero).
    """

    capability: UnitType
    sector: str | None
    required: int
    deployed: int
    pledged: int
    gap: int
    gap_after_pledges: int
    deployed_units: list[str]
    pledged_units: list[str]
    needed_from: date | None
    needed_by: date | None
    commercial_alternative: bool
    note: str


def capability_gaps(
    requirements: Sequence[CapabilityRequirement], units: Sequence[Unit], sector_names: Mapping[int, str]
) -> list[CapabilityGap]:
    """Each requirement against the units, in the order of the sector (mission-wide first) and capability."""
    rows = []
    for req in requirements:
        matching = [
            u
            for u in units
            if u.unit_type == req.capability and (req.sector_id is None or u.sector_id == req.sector_id)
        ]
        deployed = sorted(u.name for u in matching if u.deployment_status in DEPLOYED_STATUSES)
        pledged = sorted(u.name for u in matching if u.deployment_status in PLEDGED_STATUSES)
        rows.append(
            CapabilityGap(
                capability=req.capability,
                sector=sector_names.get(req.sector_id) if req.sector_id is not None else None,
                required=req.required,
                deployed=len(deployed),
                pledged=len(pledged),
                gap=max(0, req.required - len(deployed)),
                gap_after_pledges=max(0, req.required - len(deployed) - len(pledged)),
                deployed_units=deployed,
                pledged_units=pledged,
                needed_from=req.needed_from,
                needed_by=req.needed_by,
                commercial_alternative=req.commercial_alternative,
                note=req.note,
            )
        )
    return sorted(rows, key=lambda r: (r.sector is not None, r.sector or "", r.capability))
