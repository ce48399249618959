"""The tasking problem and plan as JSON (docs/planning.md): read strictly, a caveat of an unknown
kind refused with the kinds there are."""

from __future__ import annotations

from typing import Any

from bluehelmet.planning.reading import Fields, InvalidProblem, as_object, unique
from bluehelmet.planning.tasking import (
    CAVEAT_KINDS,
    CaveatRule,
    Task,
    TaskingPlan,
    TaskingProblem,
    TaskUnit,
    UnitRotation,
)

__all__ = ["tasking_plan_to_json", "tasking_problem_from_json", "tasking_problem_to_json"]


def _location(fields: Fields) -> tuple[float, float] | None:
    value = fields.raw("location", required=False)
    if value is None:
        return None
    if (
        not isinstance(value, list) or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or not (-90 <= value[0] <= 90 and -180 <= value[1] <= 180)
    ):  # fmt: skip
        raise InvalidProblem(fields.at("location"), "expected [latitude, longitude] within -90..90 and -180..180")
    return float(value[0]), float(value[1])


def tasking_problem_from_json(data: Any) -> TaskingProblem:
    """A tasking problem from its parsed JSON, refused with the field and reason if malformed."""
    root = as_object(data, "")
    units = []
    for u in root.objects("units"):
        rotations = []
        for r in u.objects("rotations", required=False):
            fraction = r.fraction("available_fraction", 0.5)
            rotations.append(UnitRotation(r.required_day("start"), r.required_day("end"), fraction))
            r.done()
        units.append(
            TaskUnit(
                id=u.text("id"),
                capabilities=frozenset(u.texts("capabilities")),
                base=u.text("base", ""),
                sector=u.text("sector", ""),
                strength=u.integer("strength", minimum=0) if u.has("strength") else u.raw("strength", required=False),
                vehicles=u.integer("vehicles", 0, minimum=0),
                rotations=tuple(rotations),
                location=_location(u),
                reach_km=u.optional_number("reach_km", minimum=0),
            )
        )
        u.done()
    unique([u.id for u in units], "units")
    tasks = []
    for t in root.objects("tasks"):
        start, end = t.required_day("start"), t.required_day("end")
        if end < start:
            raise InvalidProblem(t.at("end"), f"{end} is before start {start}")
        tasks.append(
            Task(
                id=t.text("id"),
                place=t.text("place", ""),
                sector=t.text("sector", ""),
                start=start,
                end=end,
                capability=t.text("capability"),
                size=t.integer("size", 0, minimum=0),
                vehicles=t.integer("vehicles", 0, minimum=0),
                priority=t.integer("priority", 1, minimum=1),
                night=t.flag("night", False),
                casevac_1h=t.flag("casevac_1h", True),
                kind=t.text("kind", ""),
                location=_location(t),
            )
        )
        t.done()
    unique([t.id for t in tasks], "tasks")
    known = {u.id for u in units}
    caveats = []
    for c in root.objects("caveats", required=False):
        unit = c.text("unit")
        if unit not in known:
            raise InvalidProblem(c.at("unit"), f"'{unit}' is not one of the units")
        kind = c.text("kind")
        if kind not in CAVEAT_KINDS:
            raise InvalidProblem(
                c.at("kind"), f"'{kind}' is not a caveat kind; the kinds are {', '.join(CAVEAT_KINDS)}"
            )
        caveats.append(
            CaveatRule(
                id=c.text("id"),
                unit=unit,
                kind=kind,
                description=c.text("description", ""),
                places=tuple(c.texts("places")),
                task_kinds=tuple(c.texts("task_kinds")),
            )
        )
        c.done()
    unique([c.id for c in caveats], "caveats")
    root.done()
    return TaskingProblem(tuple(units), tuple(tasks), tuple(caveats))


def tasking_problem_to_json(problem: TaskingProblem) -> dict[str, Any]:
    return {
        "units": [
            {
                "id": u.id,
                "capabilities": sorted(u.capabilities),
                "base": u.base,
                "sector": u.sector,
                "strength": u.strength,
                "vehicles": u.vehicles,
                **({"location": list(u.location)} if u.location else {}),
                **({"reach_km": u.reach_km} if u.reach_km is not None else {}),
                "rotations": [
                    {"start": r.start.isoformat(), "end": r.end.isoformat(), "available_fraction": r.available_fraction}
                    for r in u.rotations
                ],
            }
            for u in problem.units
        ],
        "tasks": [
            {
                "id": t.id,
                "place": t.place,
                "sector": t.sector,
                "start": t.start.isoformat(),
                "end": t.end.isoformat(),
                "capability": t.capability,
                "size": t.size,
                "vehicles": t.vehicles,
                "priority": t.priority,
                "night": t.night,
                "casevac_1h": t.casevac_1h,
                "kind": t.kind,
                **({"location": list(t.location)} if t.location else {}),
            }
            for t in problem.tasks
        ],
        "caveats": [
            {
                "id": c.id,
                "unit": c.unit,
                "kind": c.kind,
                "description": c.description,
                "places": list(c.places),
                "task_kinds": list(c.task_kinds),
            }
            for c in problem.caveats
        ],
    }


def tasking_plan_to_json(plan: TaskingPlan) -> dict[str, Any]:
    return {
        "status": plan.status,
        "covered_tasks": plan.covered_tasks,
        "covered_priority": plan.covered_priority,
        "tasks": plan.tasks,
        "priority": plan.priority,
        "assignments": [{"task": a.task, "unit": a.unit} for a in plan.assignments],
        "uncovered": list(plan.uncovered),
        "uncovered_reasons": [{"task": t, "why": why} for t, why in zip(plan.uncovered, plan.reasons, strict=False)],
        "solver": plan.solver,
        "seconds": round(plan.seconds, 3),
    }
