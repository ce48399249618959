"""Casualty-evacuation coverage of the mission as the doors ask for it, built from the records.

Medical facilities are the units of type medical level 1/2/3 and forward surgical team, at
their base, and the level 1 every battalion-sized contingent brings (infantry and combat convoy
battalions, formed police units), at the battalion's base unless a level 1 of its own is recorded
as a sub-unit; the records hold no opening hours, so each is open day and night. Aviation
assets are the helicopter units (utility and armed), at their base, with the default cruise
speed, launch delay and day-only flying (the records hold none of these).
The area is the host country's shipped boundaries; the places are the bases of the units, the
places of activities, and the routes of activities that went from one place to another. The
sites where one more asset could go are the bases of the units present and the locations
recorded as camps, temporary operating bases or airfields: never a village a task went to.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import shapely

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.operations import Activity
from bluehelmet.domain.places import Location, LocationKind, Mission
from bluehelmet.domain.records import Record
from bluehelmet.domain.units import DeploymentStatus, Unit, UnitType
from bluehelmet.geography.boundaries import Boundaries
from bluehelmet.planning.casevac import (
    AviationAsset,
    CoveragePlan,
    CoverageProblem,
    Facility,
    TargetPlace,
    coverage,
    point_times,
)
from bluehelmet.planning.casevac_files import coverage_plan_to_json, coverage_problem_from_json
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.loading import find_mission
from bluehelmet.services.records import list_records

__all__ = [
    "AVIATION_TYPES",
    "FACILITY_LEVELS",
    "OWN_LEVEL_1",
    "SITE_KINDS",
    "CoveragePlan",
    "CoverageProblem",
    "casevac_coverage",
    "casevac_within_hour",
    "coverage",
    "coverage_plan_to_json",
    "coverage_problem_from_db",
    "coverage_problem_from_json",
    "medical_and_aviation",
]

FACILITY_LEVELS = {
    UnitType.MEDICAL_LEVEL_1: "level_1",
    UnitType.MEDICAL_LEVEL_2: "level_2",
    UnitType.MEDICAL_LEVEL_3: "level_3",
    UnitType.FORWARD_SURGICAL_TEAM: "forward_surgical_team",
}
AVIATION_TYPES = frozenset({UnitType.AVIATION_UTILITY_HELICOPTER, UnitType.AVIATION_ARMED_HELICOPTER})
#: Contingents that bring their own level 1 (UN Medical Support Manual; the FPU policy for police).
OWN_LEVEL_1 = frozenset({UnitType.INFANTRY_BATTALION, UnitType.COMBAT_CONVOY_BATTALION, UnitType.FORMED_POLICE_UNIT})
#: Locations where one more asset could be based, besides the bases of the units present.
SITE_KINDS = {
    LocationKind.CAMP: "camp",
    LocationKind.TEMPORARY_OPERATING_BASE: "temporary operating base",
    LocationKind.AIRFIELD: "airfield",
}
_PRESENT = frozenset({DeploymentStatus.DEPLOYED, DeploymentStatus.ROTATING, DeploymentStatus.ADVANCE_TEAM_ONLY})


def _point(location: Location | None) -> tuple[float, float] | None:
    if location is None or location.latitude is None or location.longitude is None:
        return None
    return (location.latitude, location.longitude)


def medical_and_aviation(
    units: list[Unit], locations: dict[int, Location]
) -> tuple[tuple[Facility, ...], tuple[AviationAsset, ...]]:
    """The facilities and aircraft of the units present, at their bases (units without a located
    base are left out), with the level 1 of each battalion-sized contingent that has none recorded."""
    facilities, aviation = [], []
    recorded_level_1 = {u.parent_id for u in units if u.unit_type == UnitType.MEDICAL_LEVEL_1 and u.parent_id}
    for unit in units:
        point = _point(locations.get(unit.base_id or 0))
        if point is None or unit.deployment_status not in _PRESENT:
            continue
        if unit.unit_type in FACILITY_LEVELS:
            facilities.append(Facility(unit.name, FACILITY_LEVELS[unit.unit_type], *point))
        elif unit.unit_type in AVIATION_TYPES:
            aviation.append(AviationAsset(unit.name, *point))
        elif unit.unit_type in OWN_LEVEL_1 and unit.id not in recorded_level_1:
            facilities.append(
                Facility(f"level 1 of {unit.name}", "level_1", *point, source=f"{unit.name}'s own level 1")
            )
    return tuple(facilities), tuple(aviation)


def casevac_within_hour(
    facilities: tuple[Facility, ...], aviation: tuple[AviationAsset, ...], points: list[tuple[float, float]]
) -> list[bool]:
    """For each point: whether surgical care (level II/III or a forward surgical team) is within one hour by day."""
    if not points:
        return []
    problem = CoverageProblem(facilities=facilities, aviation=aviation)
    times = point_times(problem, np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    return [bool(t <= 60.0) for t in times["surgery_day"]]


def _area(mission: Mission) -> dict[str, Any] | None:
    boundaries = Boundaries.load(mission.country_iso3)
    if boundaries is None:
        return None
    outline = shapely.union_all([geometry for _, geometry in boundaries.outlines()])
    return dict(shapely.geometry.mapping(outline))


def _read(
    tx: Transaction, mission: str | None, principal: Principal | None = None
) -> tuple[Mission, list[Unit], dict[int, Location], list[Activity]]:
    """The mission's units, places and activities; for a sector account only those of its
    sector (its coverage is computed from its own medical and air units)."""
    found = find_mission(tx, mission)
    scope = {"mission_id": found.id}

    def kept(record: Record) -> bool:
        return principal is None or not principal.limited or allowed(tx, principal, Action.READ, record)

    units = [u for u in list_records(tx, Unit, scope) if isinstance(u, Unit) and kept(u)]
    locations = {loc.id or 0: loc for loc in list_records(tx, Location, scope) if isinstance(loc, Location)
                 and kept(loc)}  # fmt: skip
    activities = [a for a in list_records(tx, Activity, scope) if isinstance(a, Activity) and kept(a)]
    return found, units, locations, activities


def coverage_problem_from_db(
    db: Database,
    *,
    resolution: int = 6,
    date_from: date | None = None,
    date_to: date | None = None,
    mission: str | None = None,
    actor: str = "planning",
    principal: Principal | None = None,
) -> CoverageProblem:
    """The coverage problem of the mission's records: its facilities, aircraft, bases, and the
    places and routes of the activities from ``date_from`` to ``date_to`` (default: all); of
    ``principal``'s sector only when it is a sector account."""
    with db.transaction(actor) as tx:
        found, units, locations, activities = _read(tx, mission, principal)
    facilities, aviation = medical_and_aviation(units, locations)
    places: dict[str, TargetPlace] = {}
    for unit in units:
        point = _point(locations.get(unit.base_id or 0))
        if point and unit.deployment_status in _PRESENT:
            name = locations[unit.base_id or 0].name
            places.setdefault(f"base {name}", TargetPlace(f"base {name}", "base", (point,)))
    for activity in activities:
        if (date_from and (activity.end_on or activity.start_on) < date_from) or (
            date_to and activity.start_on > date_to
        ):
            continue
        for location_id in activity.location_ids:
            point = _point(locations.get(location_id))
            if point:
                name = locations[location_id].name
                places.setdefault(f"task {name}", TargetPlace(f"task {name}", "task", (point,)))
        ends = [locations.get(i or 0) for i in (activity.from_location_id, activity.to_location_id)]
        line = [p for p in (_point(e) for e in ends) if p]
        if len(line) == 2 and ends[0] is not None and ends[1] is not None:
            name = f"route {ends[0].name} - {ends[1].name}"
            places.setdefault(name, TargetPlace(name, "route", tuple(line)))
    sites = {p.id: p for p in places.values() if p.kind == "base"}
    for location in locations.values():
        point = _point(location)
        if point and location.kind in SITE_KINDS and f"base {location.name}" not in sites:
            name = f"{SITE_KINDS[location.kind]} {location.name}"
            sites[name] = TargetPlace(name, "base", (point,))
    return CoverageProblem(
        facilities=facilities,
        aviation=aviation,
        places=tuple(places.values()),
        area=_area(found),
        resolution=resolution,
        candidates=tuple(sites.values()),
    )


def casevac_coverage(
    db: Database,
    *,
    resolution: int = 6,
    suggest_count: int = 1,
    date_from: date | None = None,
    date_to: date | None = None,
    with_cells: bool = False,
    time_limit: float = 10.0,
    mission: str | None = None,
    actor: str = "planning",
    principal: Principal | None = None,
) -> CoveragePlan:
    """Coverage of the mission area and places against 10-1-2, and where more assets would help
    most (from a sector account's own units and places only, for ``principal`` of a sector)."""
    problem = coverage_problem_from_db(
        db,
        resolution=resolution,
        date_from=date_from,
        date_to=date_to,
        mission=mission,
        actor=actor,
        principal=principal,
    )
    return coverage(replace(problem, suggest_count=suggest_count), time_limit=time_limit, with_cells=with_cells)
