"""The rotation problem and plan, their JSON, the rules a plan must keep, and the greedy baseline.

Each unit rotates exactly once, starting on a day of its window, for ``rotation_days`` days,
all inside the horizon; while rotating it counts ``strength * available_fraction_during_rotation``
towards its sector. Hard rules, on every day and in every sector: at most
``max_concurrent_rotations`` units rotate, and the strength available is at least
``min_available``; in every ISO week (Monday to Sunday) the units starting their rotation that
week number at most ``airlift.personnel_per_week``. The objective, in this order: fewest
unit-days of rotation in high-tempo periods; then the largest smallest margin (available minus
``min_available``) over all sectors and days; then the smallest total distance, in days, from
the preferred start dates. The optimiser is in ``rotation_model``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bluehelmet.planning.reading import Fields, InvalidProblem, as_object, unique

__all__ = [
    "PlannedRotation",
    "RotatingUnit",
    "RotationObjective",
    "RotationPlan",
    "RotationProblem",
    "SectorRule",
    "Span",
    "baseline_rotations",
    "evaluate_rotations",
    "feasible_starts",
    "necessary_conditions",
    "rotation_plan_from_json",
    "rotation_plan_to_json",
    "rotation_problem_from_json",
    "rotation_problem_to_json",
]

OPTIMAL, FEASIBLE, INFEASIBLE = "optimal", "feasible", "infeasible"


@dataclass(frozen=True)
class Span:
    """Days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class SectorRule:
    id: str
    min_available: float
    max_concurrent_rotations: int
    high_tempo: tuple[Span, ...] = ()
    #: Strength of the sector's units that do not rotate in the horizon (counted as available).
    base_strength: float = 0.0


@dataclass(frozen=True)
class RotatingUnit:
    id: str
    sector: str
    strength: int
    rotation_days: int
    available_fraction_during_rotation: float
    window: Span
    preferred_start: date | None = None
    #: The Rotation record the unit's rotation came from (problems built from the records).
    record_id: int | None = None

    @property
    def reduction(self) -> float:
        """How much the unit's rotation takes from its sector's available strength."""
        return self.strength * (1.0 - self.available_fraction_during_rotation)


@dataclass(frozen=True)
class RotationProblem:
    horizon: Span
    sectors: tuple[SectorRule, ...]
    personnel_per_week: int
    units: tuple[RotatingUnit, ...]

    def sector(self, ident: str) -> SectorRule:
        return next(s for s in self.sectors if s.id == ident)

    def total_strength(self, sector: str) -> float:
        rule = self.sector(sector)
        return rule.base_strength + sum(u.strength for u in self.units if u.sector == sector)

    def day(self, index: int) -> date:
        return self.horizon.start + timedelta(days=index)

    def index(self, day: date) -> int:
        return (day - self.horizon.start).days

    def week(self, index: int) -> int:
        """The ISO week (counted from the week holding the horizon's first day) of a day index."""
        return (index + self.horizon.start.weekday()) // 7

    def high_days(self, sector: str) -> set[int]:
        """Day indexes inside the horizon that fall in the sector's high-tempo periods (counted once)."""
        days: set[int] = set()
        for span in self.sector(sector).high_tempo:
            first, last = max(0, self.index(span.start)), min(self.horizon.days - 1, self.index(span.end))
            days.update(range(first, last + 1))
        return days


@dataclass(frozen=True)
class PlannedRotation:
    unit: str
    start: date
    #: The last day of the rotation.
    end: date


@dataclass(frozen=True)
class RotationObjective:
    high_tempo_unit_days: int
    min_margin: float
    deviation_days: int

    def key(self) -> tuple[int, float, int]:
        """Smaller is better, in the objective's order."""
        return (self.high_tempo_unit_days, -self.min_margin, self.deviation_days)


@dataclass(frozen=True)
class RotationPlan:
    status: str
    rotations: tuple[PlannedRotation, ...] = ()
    objective: RotationObjective | None = None
    explanation: str = ""
    solver: str = ""
    seconds: float = 0.0
    violations: tuple[str, ...] = field(default=(), compare=False)


def feasible_starts(problem: RotationProblem, unit: RotatingUnit) -> range:
    """Day indexes the unit may start on: inside its window, ending inside the horizon."""
    first = max(0, problem.index(unit.window.start))
    last = min(problem.index(unit.window.end), problem.horizon.days - unit.rotation_days)
    return range(first, last + 1) if last >= first else range(0)


def necessary_conditions(problem: RotationProblem) -> str | None:
    """The first simple rule that no plan can meet, said with its units or sector; None if none."""
    for unit in problem.units:
        if not feasible_starts(problem, unit):
            return (
                f"window: unit '{unit.id}' has no start day from {unit.window.start} to {unit.window.end} that lets "
                f"its {unit.rotation_days}-day rotation end by the horizon's last day ({problem.horizon.end})"
            )
        if unit.strength > problem.personnel_per_week:
            return (
                f"airlift: unit '{unit.id}' ({unit.strength}) is larger than personnel_per_week "
                f"({problem.personnel_per_week}), so it cannot start in any week"
            )
    for rule in problem.sectors:
        members = [u for u in problem.units if u.sector == rule.id]
        total = problem.total_strength(rule.id)
        if total < rule.min_available:
            return (
                f"min_available: sector '{rule.id}' needs {rule.min_available:g} available but its units "
                f"number {total:g} even when none rotates"
            )
        if members and rule.max_concurrent_rotations == 0:
            names = ", ".join(f"'{u.id}'" for u in members)
            return f"max_concurrent_rotations: sector '{rule.id}' allows no rotation but {names} must rotate"
        for unit in members:
            if total - unit.reduction < rule.min_available - 1e-9:
                return (
                    f"min_available: unit '{unit.id}' cannot rotate even alone: sector '{rule.id}' would have "
                    f"{total - unit.reduction:g} available, below its min_available {rule.min_available:g}"
                )
    return None


def evaluate_rotations(problem: RotationProblem, starts: dict[str, date]) -> tuple[RotationObjective, list[str]]:
    """The objective of a plan and every hard rule it breaks (empty when it keeps them all)."""
    broken: list[str] = []
    days = problem.horizon.days
    count = {s.id: [0] * days for s in problem.sectors}
    reduced = {s.id: [0.0] * days for s in problem.sectors}
    weekly: dict[int, int] = {}
    high = {s.id: problem.high_days(s.id) for s in problem.sectors}
    high_days = deviation = 0
    for unit in problem.units:
        if unit.id not in starts:
            broken.append(f"unit '{unit.id}' does not rotate")
            continue
        first = problem.index(starts[unit.id])
        if first not in feasible_starts(problem, unit):
            broken.append(f"unit '{unit.id}' starts on {starts[unit.id]}, outside its window or the horizon")
            continue
        for d in range(first, first + unit.rotation_days):
            count[unit.sector][d] += 1
            reduced[unit.sector][d] += unit.reduction
        high_days += len(high[unit.sector].intersection(range(first, first + unit.rotation_days)))
        if unit.preferred_start is not None:
            deviation += abs((starts[unit.id] - unit.preferred_start).days)
        week = problem.week(first)
        weekly[week] = weekly.get(week, 0) + unit.strength
    margin = math.inf
    for rule in problem.sectors:
        total = problem.total_strength(rule.id)
        for d in range(days):
            if count[rule.id][d] > rule.max_concurrent_rotations:
                broken.append(f"sector '{rule.id}': {count[rule.id][d]} units rotate on {problem.day(d)}")
            available = total - reduced[rule.id][d]
            if available < rule.min_available - 1e-6:
                broken.append(f"sector '{rule.id}': {available:g} available on {problem.day(d)}")
            margin = min(margin, available - rule.min_available)
    for week, strength in sorted(weekly.items()):
        if strength > problem.personnel_per_week:
            monday = problem.day(week * 7 - problem.horizon.start.weekday())
            broken.append(f"airlift: {strength} personnel start rotating in the week of {monday}")
    margin = 0.0 if margin is math.inf else round(margin, 6)
    return RotationObjective(high_days, margin, deviation), broken


def baseline_rotations(problem: RotationProblem) -> RotationPlan:
    """The greedy plan: the units with the narrowest windows first, each on the start day that adds
    fewest high-tempo days (then nearest its preferred day) among those keeping every hard rule
    with the units already placed. Never claims optimality; says so when it gets stuck."""
    reason = necessary_conditions(problem)
    if reason:
        return RotationPlan(INFEASIBLE, explanation=reason, solver="greedy")
    days = problem.horizon.days
    count = {s.id: [0] * days for s in problem.sectors}
    reduced = {s.id: [0.0] * days for s in problem.sectors}
    room = {s.id: problem.total_strength(s.id) - s.min_available for s in problem.sectors}
    weekly: dict[int, int] = {}
    starts: dict[str, date] = {}
    order = sorted(problem.units, key=lambda u: (len(feasible_starts(problem, u)), -u.strength, u.id))
    for unit in order:
        rule, high = problem.sector(unit.sector), problem.high_days(unit.sector)
        preferred = problem.index(unit.preferred_start) if unit.preferred_start else None

        def cost(
            first: int, unit: RotatingUnit = unit, high: set[int] = high, preferred: int | None = preferred
        ) -> tuple[int, int, int]:
            span = range(first, first + unit.rotation_days)
            return (len(high.intersection(span)), abs(first - preferred) if preferred is not None else 0, first)

        for first in sorted(feasible_starts(problem, unit), key=cost):
            span = range(first, first + unit.rotation_days)
            week = problem.week(first)
            if weekly.get(week, 0) + unit.strength > problem.personnel_per_week:
                continue
            if any(count[rule.id][d] >= rule.max_concurrent_rotations for d in span):
                continue
            if any(reduced[rule.id][d] + unit.reduction > room[rule.id] + 1e-6 for d in span):
                continue
            for d in span:
                count[rule.id][d] += 1
                reduced[rule.id][d] += unit.reduction
            weekly[week] = weekly.get(week, 0) + unit.strength
            starts[unit.id] = problem.day(first)
            break
        else:
            return RotationPlan(
                INFEASIBLE,
                explanation=f"greedy: no start day for unit '{unit.id}' keeps the rules of sector '{unit.sector}' "
                "and the airlift with the units placed before it (the baseline does not backtrack)",
                solver="greedy",
            )
    return plan_from_starts(problem, starts, FEASIBLE, solver="greedy")


def plan_from_starts(
    problem: RotationProblem, starts: dict[str, date], status: str, *, solver: str, seconds: float = 0.0
) -> RotationPlan:
    """A plan of the given start days, with its objective and any rule it breaks."""
    objective, broken = evaluate_rotations(problem, starts)
    rotations = tuple(
        PlannedRotation(u.id, starts[u.id], starts[u.id] + timedelta(days=u.rotation_days - 1))
        for u in sorted(problem.units, key=lambda u: (starts[u.id], u.id))
    )
    return RotationPlan(status, rotations, objective, "", solver, seconds, tuple(broken))


__all__ += ["plan_from_starts"]


# ---------------------------------------------------------------- JSON


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
                strength=u.integer("strength", minimum=0),
                rotation_days=u.integer("rotation_days", minimum=1),
                available_fraction_during_rotation=u.fraction("available_fraction_during_rotation", 0.5),
                window=_span(u.object("window"), "earliest", "latest"),
                preferred_start=u.day("preferred_start", required=False),
                record_id=u.integer("record_id", minimum=1)
                if u.has("record_id")
                else u.raw("record_id", required=False),
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
            }
            for u in problem.units
        ],
    }


def rotation_plan_to_json(plan: RotationPlan) -> dict[str, Any]:
    objective = plan.objective
    margin = None if objective is None else objective.min_margin
    return {
        "status": plan.status,
        "rotations": [{"unit": r.unit, "start": r.start.isoformat(), "end": r.end.isoformat()} for r in plan.rotations],
        "objective": None
        if objective is None
        else {
            "high_tempo_unit_days": objective.high_tempo_unit_days,
            "min_margin": int(margin) if margin is not None and float(margin).is_integer() else margin,
            "deviation_days": objective.deviation_days,
        },
        "explanation": plan.explanation,
        "solver": plan.solver,
        "seconds": round(plan.seconds, 3),
    }


def rotation_plan_from_json(data: Any) -> RotationPlan:
    root = as_object(data, "")
    status = root.text("status")
    if status not in (OPTIMAL, FEASIBLE, INFEASIBLE):
        raise InvalidProblem(root.at("status"), f"expected optimal, feasible or infeasible, got '{status}'")
    rotations = []
    for r in root.objects("rotations"):
        rotations.append(PlannedRotation(r.text("unit"), r.required_day("start"), r.required_day("end")))
        r.done()
    objective = None
    if root.has("objective"):
        o = root.object("objective")
        objective = RotationObjective(
            o.integer("high_tempo_unit_days", minimum=0), o.number("min_margin"), o.integer("deviation_days", minimum=0)
        )
        o.done()
    else:
        root.raw("objective", required=False)
    plan = RotationPlan(
        status,
        tuple(rotations),
        objective,
        root.text("explanation", ""),
        root.text("solver", ""),
        root.number("seconds", 0.0),
    )
    root.done()
    return plan
