"""The planners as the doors ask for them: problems read from files or built from the records,
plans solved, written and (for rotations) stored as planned Rotation records, audited.

Where the records are silent the problem takes a stated default (docs/planning.md): a rotation
may move ``slack_days`` either side of its planned start; a sector keeps ``min_available_share``
of its strength; one rotation at a time per sector; ``personnel_per_week`` by air.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bluehelmet.domain.caveats import Caveat, CaveatImpact
from bluehelmet.domain.distance import distance_km
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.operations import Activity, DayNight, Operation
from bluehelmet.domain.places import Location, Sector
from bluehelmet.domain.rotations import OperationalPeriod, Rotation, Tempo
from bluehelmet.domain.units import Unit, UnitType
from bluehelmet.planning.reading import InvalidProblem
from bluehelmet.planning.rotation_compare import compare_plans, plan_to_csv_rows, plan_to_ical
from bluehelmet.planning.rotation_files import (
    rotation_plan_from_json,
    rotation_plan_to_json,
    rotation_problem_from_json,
    rotation_problem_to_json,
)
from bluehelmet.planning.rotation_model import plan_rotations
from bluehelmet.planning.rotation_reasons import explain_plan
from bluehelmet.planning.rotations import (
    RotatingUnit,
    RotationPlan,
    RotationProblem,
    SectorRule,
    Span,
    baseline_rotations,
)
from bluehelmet.planning.tasking import (
    CaveatImpactRow,
    CaveatRule,
    Task,
    TaskingPlan,
    TaskingProblem,
    TaskUnit,
    UnitRotation,
    baseline_tasking,
    caveat_impact,
    plan_tasking,
)
from bluehelmet.planning.tasking_files import tasking_plan_to_json, tasking_problem_from_json
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.planning_coverage import casevac_within_hour, medical_and_aviation
from bluehelmet.services.rotation_stats import PRESENT_STATUSES

__all__ = [
    "CAPABILITY_CLASSES",
    "MOBILE_TASK_FORCE",
    "CaveatImpactRow",
    "RotationPlan",
    "RotationProblem",
    "TaskingPlan",
    "TaskingProblem",
    "caveat_impact",
    "compare_plans",
    "pin_rotations",
    "plan_to_csv_rows",
    "plan_to_ical",
    "read_problem",
    "rotation_plan_from_json",
    "rotation_plan_to_json",
    "rotation_problem_from_db",
    "rotation_problem_from_json",
    "rotation_problem_to_json",
    "save_rotation_plan",
    "solve_rotations",
    "solve_tasking",
    "tasking_plan_to_json",
    "tasking_problem_from_db",
    "tasking_problem_from_json",
    "write_json",
]

#: The broad capability a unit type offers besides its own type, which tasks from the records ask for.
CAPABILITY_CLASSES = {
    UnitType.INFANTRY_BATTALION: "infantry",
    UnitType.INFANTRY_COMPANY: "infantry",
    UnitType.QUICK_REACTION_FORCE: "infantry",
    UnitType.SPECIAL_FORCES: "infantry",
    UnitType.RECONNAISSANCE: "infantry",
    UnitType.FORMED_POLICE_UNIT: "police",
    UnitType.FORMED_POLICE_DETACHMENT: "police",
    UnitType.ENGINEERS: "engineering",
    UnitType.EXPLOSIVE_ORDNANCE_DISPOSAL: "engineering",
    UnitType.COMBAT_CONVOY_BATTALION: "convoy",
    UnitType.COMBAT_CONVOY_COMPANY: "convoy",
    UnitType.TRANSPORT: "convoy",
}


#: The capability of the mobile task force's combat units, which the tasks they did ask for.
MOBILE_TASK_FORCE = "mobile task force"


#: A problem file larger than this is refused before it is parsed (a year of 150 units is ~60 kB).
MAX_PROBLEM_BYTES = 50_000_000
#: How deeply a problem file's lists and objects may nest (the formats need 4).
MAX_PROBLEM_DEPTH = 20


def _constant(name: str) -> Any:
    raise InvalidProblem("", f"{name} is not a number a problem may hold")


def _depth(text: str) -> int:
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def read_problem(path: Path) -> Any:
    """The parsed JSON of a problem file, or a one-line refusal: not UTF-8, too large, nested too
    deep, or holding NaN, Infinity or a number too large to be one."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BluehelmetError(f"cannot read {path}: {error.strerror}") from None
    if len(raw) > MAX_PROBLEM_BYTES:
        raise InvalidProblem("", f"{path} is {len(raw):,} bytes, more than a problem may be ({MAX_PROBLEM_BYTES:,})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidProblem("", f"{path} is not UTF-8 (byte {error.start}): save it as UTF-8") from None
    if _depth(text) > MAX_PROBLEM_DEPTH:
        raise InvalidProblem("", f"{path} nests lists and objects deeper than {MAX_PROBLEM_DEPTH} levels")
    try:
        data = json.loads(text, parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise InvalidProblem("", f"{path} is not JSON: {error.msg} at line {error.lineno}") from None
    except RecursionError:
        raise InvalidProblem("", f"{path} nests too deep") from None
    _finite(data, "")
    return data


def _finite(value: Any, path: str) -> None:
    """Refuse a number a float cannot hold (1e400 reads as infinity) or beyond any plausible use."""
    if isinstance(value, float) and (not math.isfinite(value) or abs(value) > 1e12):
        raise InvalidProblem(path, f"{value!r} is not a plausible number")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**12:
        raise InvalidProblem(path, f"{value} is not a plausible number")
    if isinstance(value, dict):
        for key, item in value.items():
            _finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _finite(item, f"{path}[{i}]")


def write_json(path: Path, data: Any) -> None:
    try:
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise BluehelmetError(f"cannot write {path}: {error.strerror}") from None


def pin_rotations(problem: RotationProblem, pins: dict[str, date]) -> RotationProblem:
    """The problem with each pinned unit made to start on its day (a what-if); an unknown unit is
    refused naming the units, a fixed one (it happened) refused too."""
    units = {u.id: u for u in problem.units}
    for name, day in pins.items():
        if name not in units:
            raise BluehelmetError(f"--pin: no rotating unit '{name}'; the units are {', '.join(units)}")
        if units[name].fixed:
            raise BluehelmetError(f"--pin: {name} already rotated ({units[name].window.start}): it cannot be moved")
        units[name] = replace(units[name], window=Span(day, day), pinned=True)
    return replace(problem, units=tuple(units.values()))


def solve_rotations(
    problem: RotationProblem, *, baseline: bool = False, time_limit: float = 20.0, assume_strength: int | None = None
) -> RotationPlan:
    """The optimised plan (each rotation explained), or the greedy one with ``baseline``. With
    ``assume_strength`` a unit of unknown strength is planned as that strong, and the plan says so."""
    assumed = [u.id for u in problem.units if u.strength is None] if assume_strength is not None else []
    if assumed:
        problem = replace(problem, units=tuple(
            replace(u, strength=assume_strength) if u.strength is None else u for u in problem.units
        ))  # fmt: skip
    plan = baseline_rotations(problem) if baseline else plan_rotations(problem, time_limit=time_limit)
    if baseline and plan.rotations:
        plan = explain_plan(problem, plan)
    if assumed:
        note = f"strength unknown for {len(assumed)} units ({', '.join(assumed)}): assumed {assume_strength:,} each"
        plan = replace(plan, warnings=(*plan.warnings, note))
    return plan


def solve_tasking(problem: TaskingProblem, *, baseline: bool = False, time_limit: float = 20.0) -> TaskingPlan:
    """The optimised assignment, or the greedy one with ``baseline``."""
    return baseline_tasking(problem) if baseline else plan_tasking(problem, time_limit=time_limit)


def _known_strength(unit: Unit, moved: int | None = None) -> int | None:
    """The unit's deployed, else authorised strength, else the rotation's personnel; None when
    the records say none of them (unknown, never 0)."""
    for value in (unit.deployed_strength, unit.authorised_strength, moved):
        if value:
            return value
    return None


def rotation_problem_from_db(
    db: Database,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    slack_days: int = 30,
    max_concurrent: int = 1,
    min_available_share: float = 0.5,
    personnel_per_week: int = 1500,
    mission: str | None = None,
    actor: str = "planning",
) -> RotationProblem:
    """A rotation problem from the rotations planned to start from ``date_from`` to ``date_to``
    (default: all), each free to move ``slack_days`` either side of its planned start."""
    with db.transaction(actor) as tx:
        scope = {"mission_id": find_mission(tx, mission).id}
        sectors = {s.id or 0: s.name for s in records.list_records(tx, Sector, scope) if isinstance(s, Sector)}
        units = {u.id or 0: u for u in records.list_records(tx, Unit, scope) if isinstance(u, Unit)}
        stored = [r for r in records.list_records(tx, Rotation, scope) if isinstance(r, Rotation)]
        periods = [p for p in records.list_records(tx, OperationalPeriod, scope) if isinstance(p, OperationalPeriod)]

    def happened(r: Rotation) -> bool:
        return r.actual_start is not None and (date_from is None or r.actual_start < date_from)

    in_period = [
        r for r in stored
        if r.unit_id in units and (date_from is None or r.planned_start >= date_from)
        and (date_to is None or r.planned_start <= date_to)
    ]  # fmt: skip
    chosen = [r for r in in_period if not happened(r)]
    if not chosen:
        if in_period:
            raise BluehelmetError(
                f"nothing to plan: the {len(in_period)} rotations planned in that period already happened (actual "
                "start recorded); give --from a day before them to plan them again as they might have been"
            )
        raise BluehelmetError("no planned rotation in that period to plan")
    first = min(r.planned_start for r in chosen) - timedelta(days=slack_days)
    last = max(r.planned_end for r in chosen) + timedelta(days=slack_days)

    def actual(r: Rotation) -> tuple[date, date]:
        assert r.actual_start is not None
        return r.actual_start, r.actual_end or r.actual_start + (r.planned_end - r.planned_start)

    done = [r for r in stored if r.unit_id in units and happened(r) and actual(r)[0] <= last and actual(r)[1] >= first]
    horizon = Span(min([first, *(actual(r)[0] for r in done)]), max([last, *(actual(r)[1] for r in done)]))

    def sector_of(unit: Unit) -> str:
        while unit.sector_id is None and unit.parent_id in units:
            unit = units[unit.parent_id or 0]
        return sectors.get(unit.sector_id or 0, "(no sector)")

    repeats: dict[int, int] = {}
    for r in chosen + done:
        repeats[r.unit_id] = repeats.get(r.unit_id, 0) + 1
    rotating = []
    for r in sorted(chosen + done, key=lambda r: (r.actual_start if happened(r) else r.planned_start, r.id or 0)):
        unit, fixed = units[r.unit_id], happened(r)
        start, end = actual(r) if fixed else (r.planned_start, r.planned_end)
        rotating.append(
            RotatingUnit(
                id=unit.name if repeats[r.unit_id] == 1 else f"{unit.name} {r.planned_start}",
                sector=sector_of(unit),
                strength=_known_strength(unit, r.personnel),
                rotation_days=(end - start).days + 1,
                available_fraction_during_rotation=r.available_fraction,
                window=Span(start, start) if fixed else Span(start - timedelta(days=slack_days),
                                                              start + timedelta(days=slack_days)),
                preferred_start=r.planned_start,
                record_id=r.id,
                fixed=fixed,
            )
        )  # fmt: skip
    rotating_ids = {r.unit_id for r in chosen + done}
    rules = []
    for name in sorted({u.sector for u in rotating}):
        others = sum(
            _known_strength(u) or 0 for u in units.values()
            if u.id not in rotating_ids and u.parent_id not in units and u.deployment_status in PRESENT_STATUSES
            and sector_of(u) == name
        )  # fmt: skip
        total = others + sum(u.personnel for u in rotating if u.sector == name)
        high = tuple(
            Span(p.start_on, p.end_on) for p in periods
            if p.tempo == Tempo.HIGH and (p.sector_id is None or sectors.get(p.sector_id) == name)
        )  # fmt: skip
        rules.append(SectorRule(name, math.floor(total * min_available_share), max_concurrent, high, float(others)))
    return RotationProblem(horizon, tuple(rules), personnel_per_week, tuple(rotating))


def save_rotation_plan(
    db: Database, actor: str, problem: RotationProblem, plan: RotationPlan, *, mission: str | None = None
) -> list[int]:
    """Store the plan's rotations as planned Rotation records, all or nothing, each change audited:
    a unit's Rotation record (``record_id``) gets the new planned days; otherwise a new Rotation of
    the unit named by the unit's id is created. Returns the ids of the records written."""
    if not plan.rotations:
        raise BluehelmetError(f"the plan is {plan.status}: there is nothing to save")
    by_id = {u.id: u for u in problem.units}
    written = []
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id
        for rotation in plan.rotations:
            unit = by_id[rotation.unit]
            if unit.fixed:
                continue  # it happened: its record keeps the days it was planned for
            changes = {"planned_start": rotation.start, "planned_end": rotation.end}
            if unit.record_id is not None:
                current = records.get(tx, Rotation, unit.record_id)
                saved = records.update(tx, Rotation, unit.record_id, changes, current.version or 0)
            else:
                found = list(records.list_records(tx, Unit, {"mission_id": mission_id, "name": unit.id}))
                if not found:
                    raise BluehelmetError(f"no unit called '{unit.id}' in the mission: the plan cannot be saved")
                saved = records.create(tx, Rotation, {
                    "mission_id": mission_id, "unit_id": found[0].id, **changes, "personnel": unit.strength,
                    "available_fraction": unit.available_fraction_during_rotation, "note": "planned by bluehelmet",
                })  # fmt: skip
            written.append(saved.id or 0)
    return written


def _located(locations: dict[int, Location], ident: int | None) -> Location | None:
    return locations.get(ident or 0)


def tasking_problem_from_db(
    db: Database,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    reach_km: float | None = 200.0,
    mission: str | None = None,
    actor: str = "planning",
) -> TaskingProblem:
    """A tasking problem from the records: every activity from ``date_from`` to ``date_to`` (default:
    all) and every task a caveat was recorded to have refused, changed or delayed is a task; the units
    present are the units, each taking tasks within ``reach_km`` of its base (None: anywhere); the
    caveats in force are the caveats (docs/planning.md says how)."""
    with db.transaction(actor) as tx:
        scope = {"mission_id": find_mission(tx, mission).id}
        sectors = {s.id or 0: s.name for s in records.list_records(tx, Sector, scope) if isinstance(s, Sector)}
        units = {u.id or 0: u for u in records.list_records(tx, Unit, scope) if isinstance(u, Unit)}
        locations = {x.id or 0: x for x in records.list_records(tx, Location, scope) if isinstance(x, Location)}
        activities = [a for a in records.list_records(tx, Activity, scope) if isinstance(a, Activity)]
        operations = {o.id or 0: o for o in records.list_records(tx, Operation, scope) if isinstance(o, Operation)}
        caveats = [c for c in records.list_records(tx, Caveat, scope) if isinstance(c, Caveat) and c.unit_id in units]
        ids = {c.id for c in caveats}
        impacts = [
            i for i in records.list_records(tx, CaveatImpact) if isinstance(i, CaveatImpact) and i.caveat_id in ids
        ]
        rotations = [r for r in records.list_records(tx, Rotation, scope) if isinstance(r, Rotation)]

    def within(start: date, end: date) -> bool:
        return (date_from is None or end >= date_from) and (date_to is None or start <= date_to)

    def name_of(location: Location | None) -> str:
        return location.name if location else ""

    def sector_name(location: Location | None, fallback: Unit | None = None) -> str:
        ident = location.sector_id if location and location.sector_id else (fallback.sector_id if fallback else None)
        return sectors.get(ident or 0, "")

    present = [u for u in units.values() if u.deployment_status in PRESENT_STATUSES]
    task_units = tuple(
        TaskUnit(
            id=u.name,
            capabilities=frozenset({str(u.unit_type), CAPABILITY_CLASSES.get(u.unit_type, str(u.unit_type)),
                                    *([MOBILE_TASK_FORCE] if _mobile(u) else [])}),
            base=name_of(_located(locations, u.base_id)), sector=sectors.get(u.sector_id or 0, ""),
            strength=_known_strength(u),
            rotations=tuple(UnitRotation(r.actual_start or r.planned_start, r.actual_end or r.planned_end,
                                         r.available_fraction) for r in rotations if r.unit_id == u.id),
            location=_point(_located(locations, u.base_id)), reach_km=reach_km,
        )
        for u in present
    )  # fmt: skip
    facilities, aviation = medical_and_aviation(list(units.values()), locations)
    raw: list[tuple[Task, Location | None]] = []
    for a in activities:
        end = a.end_on or a.start_on
        if not within(a.start_on, end):
            continue
        place = _located(locations, a.to_location_id or (a.location_ids[0] if a.location_ids else a.from_location_id))
        doers = [units[i] for i in a.unit_ids if i in units]
        capability = (
            MOBILE_TASK_FORCE
            if any(_mobile(u) for u in doers)
            else next((CAPABILITY_CLASSES[u.unit_type] for u in doers if u.unit_type in CAPABILITY_CLASSES), "infantry")
        )
        raw.append((Task(
            id=f"activity {a.id}: {a.description or a.activity_type}"[:90], place=name_of(place),
            sector=sector_name(place, doers[0] if doers else None), start=a.start_on, end=end, capability=capability,
            priority=2 if a.operation_id else 1, night=a.day_night in (DayNight.NIGHT, DayNight.DAY_AND_NIGHT),
            kind=str(a.activity_type), location=_point(place),
        ), place))  # fmt: skip
    for impact in impacts:
        if not within(impact.occurred_on, impact.occurred_on):
            continue
        caveat = next(c for c in caveats if c.id == impact.caveat_id)
        unit = units[caveat.unit_id]
        operation = operations.get(impact.operation_id or 0)
        place = _farthest(operation, unit, locations)
        # The task lasted as long as its operation went on after it (the records keep no end of their
        # own): to the operation's end, else to its last recorded activity.
        last = [a.end_on or a.start_on for a in activities if operation and a.operation_id == operation.id]
        end = max([impact.occurred_on, *([operation.end_on] if operation and operation.end_on else last)])
        raw.append((Task(
            id=f"caveat impact {impact.id}: {impact.task}"[:90], place=name_of(place), sector=sector_name(place, unit),
            start=impact.occurred_on, end=end, location=_point(place), priority=2, kind="caveat_impact",
            capability=MOBILE_TASK_FORCE if _mobile(unit) else CAPABILITY_CLASSES.get(unit.unit_type, _kind_of(unit)),
        ), place))  # fmt: skip
    points = [(p.latitude or 0.0, p.longitude or 0.0) for _, p in raw if p and p.latitude is not None]
    reachable = iter(casevac_within_hour(facilities, aviation, points))
    tasks = tuple(
        Task(**{**vars(t), "casevac_1h": next(reachable) if p and p.latitude is not None else True}) for t, p in raw
    )
    rules = tuple(
        CaveatRule(id=f"caveat {c.id}", unit=units[c.unit_id].name, kind=str(c.kind), description=c.description)
        for c in caveats
        if units[c.unit_id] in present and (c.lifted_on is None or date_from is None or c.lifted_on > date_from)
    )
    warnings = [
        f"the records give no size or vehicles for the {len(tasks)} tasks: no unit is refused a task for its "
        "strength or vehicles"
    ]
    unknown = [u.id for u in task_units if u.strength is None]
    if unknown:
        warnings.append(
            f"strength unknown for {len(unknown)} of {len(task_units)} units ({', '.join(unknown)}): they are not "
            "refused a task for its size"
        )
    unplaced = [t.id for t in tasks if t.location is None]
    if unplaced and reach_km is not None:
        warnings.append(f"{len(unplaced)} tasks have no located place: any unit is taken to reach them")
    unbased = [u.id for u in task_units if u.location is None]
    if unbased and reach_km is not None:
        warnings.append(f"{len(unbased)} units have no located base: they are taken to reach every task")
    return TaskingProblem(task_units, tasks, rules, tuple(warnings))


def _kind_of(unit: Unit) -> str:
    return str(unit.unit_type)


def _mobile(unit: Unit) -> bool:
    """A combat unit of the mobile task force: its tasks are the force's, and only such units take them."""
    return unit.mobile_task_force and CAPABILITY_CLASSES.get(unit.unit_type) == "infantry"


def _point(location: Location | None) -> tuple[float, float] | None:
    if location is None or location.latitude is None or location.longitude is None:
        return None
    return location.latitude, location.longitude


def _farthest(operation: Operation | None, unit: Unit, locations: dict[int, Location]) -> Location | None:
    """Where a caveat's recorded task was: the operation's place farthest from the unit's base
    (the records keep the task as words; the farthest place is where a caveat bites)."""
    base = locations.get(unit.base_id or 0)
    places = [locations[i] for i in (operation.location_ids if operation else []) if i in locations]
    if base is None or base.latitude is None or base.longitude is None:
        return places[0] if places else base
    located = [p for p in places if p.latitude is not None and p.longitude is not None]
    if not located:
        return base
    return max(
        located,
        key=lambda p: distance_km(base.latitude or 0.0, base.longitude or 0.0, p.latitude or 0.0, p.longitude or 0.0),
    )
