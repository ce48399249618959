"""Mission and sector scoping: which mission and sectors a record belongs to, and whether a
principal may see or change it.

The roles' permissions are in ``domain.access``; this adds the records' side. A record belongs
to one mission (its ``mission_id``, else its parent record's; a contributing country belongs to
none and is seen by all): an account granted some missions reaches nothing of the others. A record belongs
to the sectors it names or that its place, its units or its parent record belong to (an
incident: its own sector, else its location's). A record of no sector (a mission-wide
capability, the transition plan) is outside every sector, so a sector user does not see it;
the reference kinds (mission, countries, areas, sectors) are seen by all.
"""

from __future__ import annotations

from collections.abc import Iterable

from bluehelmet.domain.access import REFERENCE_KINDS, Action, Principal, permits
from bluehelmet.domain.records import Record
from bluehelmet.services import records
from bluehelmet.services.database import Transaction

__all__ = ["allowed", "mission_of", "reachable_missions", "sectors_of"]

#: Kinds that belong where their parent record belongs: the parent's kind and the field naming it.
_PARENTS = {
    "CaveatImpact": ("Caveat", "caveat_id"),
    "EquipmentStatusChange": ("EquipmentItem", "equipment_id"),
    "EvaluationFinding": ("Evaluation", "evaluation_id"),
    "ImprovementAction": ("ImprovementPlan", "plan_id"),
    "ProjectMilestone": ("InfrastructureProject", "project_id"),
}
_VIA_UNIT = {"Caveat", "EquipmentItem", "Inspection", "Evaluation", "ImprovementPlan", "Rotation"}


def _get(tx: Transaction, kind: str, record_id: int | None) -> Record | None:
    if record_id is None:
        return None
    try:
        return records.get(tx, kind, record_id, include_deleted=True)
    except Exception:  # a dangling reference belongs to no sector
        return None


def _of_locations(tx: Transaction, ids: Iterable[int | None]) -> set[int]:
    out: set[int] = set()
    for i in ids:
        place = _get(tx, "Location", i)
        if place is not None and getattr(place, "sector_id", None) is not None:
            out.add(place.sector_id)  # type: ignore[attr-defined]
    return out


def _of_units(tx: Transaction, ids: Iterable[int | None]) -> set[int]:
    out: set[int] = set()
    for i in ids:
        unit = _get(tx, "Unit", i)
        while unit is not None and getattr(unit, "sector_id", None) is None and getattr(unit, "parent_id", None):
            unit = _get(tx, "Unit", unit.parent_id)  # type: ignore[attr-defined]
        if unit is not None and getattr(unit, "sector_id", None) is not None:
            out.add(unit.sector_id)  # type: ignore[attr-defined]
    return out


#: Kinds with no mission of their own that belong to their parent's: its kind and the field naming it.
_MISSION_PARENTS = {**_PARENTS, "OperationPhase": ("Operation", "operation_id"),
                    "CoordinationMeeting": ("CoordinationBody", "body_id")}  # fmt: skip


def mission_of(tx: Transaction, record: Record) -> int | None:
    """The id of the mission ``record`` belongs to; None for a kind shared by every mission (a
    contributing country) or a record whose parent is gone."""
    kind = type(record).__name__
    if kind == "Mission":
        return record.id
    own = getattr(record, "mission_id", None)
    if isinstance(own, int):
        return own
    if kind in _MISSION_PARENTS:
        parent_kind, field = _MISSION_PARENTS[kind]
        parent = _get(tx, parent_kind, getattr(record, field))
        return mission_of(tx, parent) if parent is not None else None
    return None


def reachable_missions(tx: Transaction, principal: Principal) -> frozenset[int] | None:
    """The ids of the missions ``principal`` reaches (None: every one): its grants, else, for a
    sector principal given only its sectors (a sector node), the missions of those sectors."""
    if principal.missions is not None:
        return principal.missions
    if not principal.scoped:
        return None
    found = (_get(tx, "Sector", s) for s in principal.sectors)
    return frozenset(int(s.mission_id) for s in found if s is not None)  # type: ignore[attr-defined]


def sectors_of(tx: Transaction, record: Record) -> set[int] | None:
    """The sectors a record belongs to; None for the reference kinds, which belong to all."""
    kind = type(record).__name__
    r: object = record
    if kind in REFERENCE_KINDS:
        return None
    if kind in ("Location", "OperationalPeriod", "CapabilityRequirement", "AlertRule", "Alert"):
        return {r.sector_id} if r.sector_id is not None else set()  # type: ignore[attr-defined]
    if kind == "Unit":
        return _of_units(tx, [record.id])
    if kind == "Incident":
        own = r.sector_id  # type: ignore[attr-defined]
        return {own} if own is not None else _of_locations(tx, [r.location_id])  # type: ignore[attr-defined]
    if kind == "Operation":
        return set(r.sector_ids) | _of_locations(tx, r.location_ids)  # type: ignore[attr-defined]
    if kind == "OperationPhase":
        parent = _get(tx, "Operation", r.operation_id)  # type: ignore[attr-defined]
        return sectors_of(tx, parent) or set() if parent else set()
    if kind == "Activity":
        places = [r.from_location_id, r.to_location_id, *r.location_ids]  # type: ignore[attr-defined]
        return _of_units(tx, r.unit_ids) | _of_locations(tx, places)  # type: ignore[attr-defined]
    if kind in _VIA_UNIT:
        return _of_units(tx, [r.unit_id])  # type: ignore[attr-defined]
    if kind in _PARENTS:
        parent_kind, field = _PARENTS[kind]
        parent = _get(tx, parent_kind, getattr(record, field))
        return (sectors_of(tx, parent) or set()) if parent else set()
    if kind in ("ConvoyObservation", "InfrastructureProject", "MovementRestriction"):
        return _of_locations(tx, [r.location_id])  # type: ignore[attr-defined]
    if kind == "ConvoyNotification":
        return _of_locations(tx, [r.from_location_id, r.to_location_id])  # type: ignore[attr-defined]
    if kind == "JointProgramme":
        return _of_locations(tx, r.location_ids)  # type: ignore[attr-defined]
    return set()  # mission-wide: transition, coordination


def allowed(tx: Transaction, principal: Principal | None, action: Action, record: Record) -> bool:
    """Whether ``principal`` may do ``action`` on this very record: the role's permission, the
    record lying in a mission the principal reaches, and, for a sector user, in one of their sectors."""
    kind = type(record).__name__
    if not permits(principal, action, kind):
        return False
    assert principal is not None
    if not principal.limited:
        return True
    missions = reachable_missions(tx, principal)
    if missions is not None:
        mission = mission_of(tx, record)
        if mission is not None and mission not in missions:
            return False
    if not principal.scoped:
        return True
    sectors = sectors_of(tx, record)
    if sectors is None:
        return action == Action.READ
    return bool(sectors & principal.sectors)
