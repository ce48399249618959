"""The rotation problem and plan as JSON (docs/planning.md): read strictly, written with the
reasons, bounds and warnings a planner reads."""

from __future__ import annotations

from typing import Any

from bluehelmet.planning.reading import Fields, InvalidProblem, as_object, unique
from bluehelmet.planning.rotations import (
    STATUSES,
    PlannedRotation,
    RotatingUnit,
    RotationObjective,
    RotationPlan,
    RotationProblem,
    SectorRule,
    Span,
)

#: The longest horizon a rotation plan may cover (a day-by-day model beyond it is no plan).
MAX_HORIZON_DAYS = 5 * 366

__all__ = [
    "MAX_HORIZON_DAYS",
    "rotation_plan_from_json",
    "rotation_plan_to_json",
    "rotation_problem_from_json",
    "rotation_problem_to_json",
]


def _span(fields: Fields, start: str, end: str) -> Span:
    first, last = fields.required_day(start), fields.required_day(end)
    if last < first:
        raise InvalidProblem(fields.at(end), f"{last} is before {start} {first}")
    fields.done()
    return Span(first, last)


def rotation_problem_from_json(data: Any) -> RotationProblem:
    """A rotation problem from its parsed JSON, refused with the field and reason if malformed."""
    root = as_object(data, "")
    horizon = _span(root.object("horizon"), "start", "end")
    if horizon.days > MAX_HORIZON_DAYS:
        raise InvalidProblem(
            "horizon.end",
            f"the horizon runs {horizon.days:,} days; a plan covers at most {MAX_HORIZON_DAYS:,} (5 years)",
        )
    sectors = []
    for s in root.objects("sectors"):
        periods = tuple(_span(p, "start", "end") for p in s.objects("high_tempo", required=False))
        sectors.append(
            SectorRule(
                id=s.text("id"),
                min_available=s.number("min_available", 0.0, minimum=0),
                max_concurrent_rotations=s.integer("max_concurrent_rotations", minimum=0),
                high_tempo=periods,
                base_strength=s.number("base_strength", 0.0, minimum=0),
            )
        )
        s.done()
    unique([s.id for s in sectors], "sectors")
    airlift = root.object("airlift")
    per_week = airlift.integer("personnel_per_week", minimum=0)
    airlift.done()
    known = {s.id for s in sectors}
    units = []
    for u in root.objects("units"):
        sector = u.text("sector")
        if sector not in known:
            raise InvalidProblem(u.at("sector"), f"'{sector}' is not one of the sectors")
        units.append(
            RotatingUnit(
                id=u.text("id"),
                sector=sector,
                strength=u.integer("strength", minimum=0) if u.has("strength") else u.raw("strength", required=False),
                rotation_days=u.integer("rotation_days", minimum=1),
                available_fraction_during_rotation=u.fraction("available_fraction_during_rotation", 0.5),
                window=_span(u.object("window"), "earliest", "latest"),
                preferred_start=u.day("preferred_start", required=False),
                record_id=u.integer("record_id", minimum=1)
                if u.has("record_id")
                else u.raw("record_id", required=False),
                fixed=u.flag("fixed", False),
                pinned=u.flag("pinned", False),
            )
        )
        u.done()
    unique([u.id for u in units], "units")
    root.done()
    return RotationProblem(horizon, tuple(sectors), per_week, tuple(units))


def rotation_problem_to_json(problem: RotationProblem) -> dict[str, Any]:
    def span(s: Span, start: str = "start", end: str = "end") -> dict[str, Any]:
        return {start: s.start.isoformat(), end: s.end.isoformat()}

    def number(value: float) -> float | int:
        return int(value) if float(value).is_integer() else value

    return {
        "horizon": span(problem.horizon),
        "sectors": [
            {
                "id": s.id,
                "min_available": number(s.min_available),
                "max_concurrent_rotations": s.max_concurrent_rotations,
                "high_tempo": [span(p) for p in s.high_tempo],
                "base_strength": number(s.base_strength),
            }
            for s in problem.sectors
        ],
        "airlift": {"personnel_per_week": problem.personnel_per_week},
        "units": [
            {
                "id": u.id,
                "sector": u.sector,
                "strength": u.strength,
                "rotation_days": u.rotation_days,
                "available_fraction_during_rotation": u.available_fraction_during_rotation,
                "window": span(u.window, "earliest", "latest"),
                **({"preferred_start": u.preferred_start.isoformat()} if u.preferred_start else {}),
                **({"record_id": u.record_id} if u.record_id is not None else {}),
                **({"fixed": True} if u.fixed else {}),
                **({"pinned": True} if u.pinned else {}),
            }
            for u in problem.units
        ],
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)


def _objective(objective: RotationObjective | None) -> dict[str, Any] | None:
    if objective is None:
        return None
    return {
        "high_tempo_unit_days": objective.high_tempo_unit_days,
        "min_margin": _number(objective.min_margin),
        "deviation_days": objective.deviation_days,
    }


def rotation_plan_to_json(plan: RotationPlan) -> dict[str, Any]:
    """The plan as the documented JSON: each rotation with its reason and days moved; the
    objective, the bound proved for it and whether it is proven optimal; warnings; strength by sector."""
    return {
        "status": plan.status,
        "rotations": [
            {
                "unit": r.unit,
                "start": r.start.isoformat(),
                "end": r.end.isoformat(),
                "moved_days": r.moved_days,
                "reason": r.reason,
            }
            for r in plan.rotations
        ],
        "objective": _objective(plan.objective),
        "bound": _objective(plan.bound),
        "proven_optimal": plan.proven_optimal,
        "explanation": plan.explanation,
        "warnings": list(plan.warnings),
        "strength": [
            {
                "sector": s.sector,
                "min_available": _number(s.min_available),
                "lowest_available": None if s.lowest is None else _number(s.lowest[0]),
                "lowest_on": None if s.lowest is None else s.lowest[1].isoformat(),
                "days": [[first.isoformat(), last.isoformat(), _number(value)] for first, last, value in s.runs],
            }
            for s in plan.strength
        ],
        "solver": plan.solver,
        "seconds": round(plan.seconds, 3),
    }


def _read_objective(root: Fields, name: str) -> RotationObjective | None:
    if not root.has(name):
        root.raw(name, required=False)
        return None
    o = root.object(name)
    objective = RotationObjective(
        o.integer("high_tempo_unit_days", minimum=0), o.number("min_margin"), o.integer("deviation_days", minimum=0)
    )
    o.done()
    return objective


def rotation_plan_from_json(data: Any) -> RotationPlan:
    """A plan written by ``rotation_plan_to_json`` (the strength by sector is recomputed, not read)."""
    root = as_object(data, "")
    status = root.text("status")
    if status not in STATUSES:
        raise InvalidProblem(root.at("status"), f"expected one of {', '.join(STATUSES)}, got '{status}'")
    rotations = []
    for r in root.objects("rotations"):
        moved = r.integer("moved_days") if r.has("moved_days") else r.raw("moved_days", required=False)
        rotations.append(
            PlannedRotation(r.text("unit"), r.required_day("start"), r.required_day("end"), moved, r.text("reason", ""))
        )
        r.done()
    objective, bound = _read_objective(root, "objective"), _read_objective(root, "bound")
    root.flag("proven_optimal", False)
    root.raw("strength", required=False)
    plan = RotationPlan(
        status,
        tuple(rotations),
        objective,
        root.text("explanation", ""),
        root.text("solver", ""),
        root.number("seconds", 0.0),
        bound=bound,
        warnings=tuple(root.texts("warnings")),
    )
    root.done()
    return plan
