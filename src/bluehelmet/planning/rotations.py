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

A unit whose strength is unknown (``strength`` null) still rotates and keeps the concurrency
rule, but it is never counted as 0 against the minimum strength or the airlift as if that were
known: it adds nothing to either, and the plan's warnings name it as not checked. A ``fixed``
unit is a rotation that already happened: it keeps its recorded day, adds nothing to the
objective, and counts against the rules of the others only up to each rule's limit, so what has
already happened (two battalions that did rotate together) never makes the rest impossible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "Load",
    "PlannedRotation",
    "RotatingUnit",
    "RotationObjective",
    "RotationPlan",
    "RotationProblem",
    "SectorRule",
    "SectorStrength",
    "Span",
    "baseline_rotations",
    "evaluate_rotations",
    "feasible_starts",
    "fixed_load",
    "necessary_conditions",
    "plan_from_starts",
]

OPTIMAL, FEASIBLE, INFEASIBLE = "optimal", "feasible", "infeasible"
#: The greedy baseline got stuck: it does not backtrack, so this says nothing of whether a plan exists.
NOT_FOUND = "not_found"
STATUSES = (OPTIMAL, FEASIBLE, INFEASIBLE, NOT_FOUND)


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
    #: None when the records do not say: never counted as 0 against a rule that needs it.
    strength: int | None
    rotation_days: int
    available_fraction_during_rotation: float
    window: Span
    preferred_start: date | None = None
    #: The Rotation record the unit's rotation came from (problems built from the records).
    record_id: int | None = None
    #: The rotation already happened (its actual start is recorded): kept on its day, not planned.
    fixed: bool = False
    #: A planner's what-if: the rotation must start on the one day of its window.
    pinned: bool = False

    @property
    def reduction(self) -> float:
        """How much the unit's rotation takes from its sector's available strength (0 when unknown:
        the unit is then left out of the strength rule, and the plan says so)."""
        return (self.strength or 0) * (1.0 - self.available_fraction_during_rotation)

    @property
    def personnel(self) -> int:
        """Personnel the unit's rotation puts on the airlift (0 when unknown, said in the warnings)."""
        return self.strength or 0


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
        return rule.base_strength + sum(u.personnel for u in self.units if u.sector == sector)

    def unknown_strength(self) -> list[str]:
        return [u.id for u in self.units if u.strength is None]

    def warnings(self) -> tuple[str, ...]:
        """What the plan could not check, in words a planner can act on."""
        unknown = self.unknown_strength()
        if not unknown:
            return ()
        return (
            f"strength unknown for {len(unknown)} of {len(self.units)} rotating units ({', '.join(unknown)}): "
            "their rotations are not checked against the minimum strength of their sector or the weekly "
            "airlift, and the strength margins count only the units of known strength",
        )

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
    #: The chosen start minus the preferred start (None without a preferred start).
    moved_days: int | None = None
    #: Why the unit rotates when it does, naming the rule and the other units (rotation_reasons).
    reason: str = ""


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
    #: The best bound CP-SAT proved for each objective (given the earlier ones), when it ran.
    bound: RotationObjective | None = field(default=None, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)
    #: Per sector: its floor, and the available strength day by day as runs (first, last, available).
    strength: tuple[SectorStrength, ...] = field(default=(), compare=False)

    @property
    def proven_optimal(self) -> bool:
        return self.status == OPTIMAL


@dataclass(frozen=True)
class SectorStrength:
    sector: str
    min_available: float
    runs: tuple[tuple[date, date, float], ...]

    @property
    def lowest(self) -> tuple[float, date] | None:
        low = min(self.runs, key=lambda r: r[2], default=None)
        return None if low is None else (low[2], low[0])


def feasible_starts(problem: RotationProblem, unit: RotatingUnit) -> range:
    """Day indexes the unit may start on: inside its window, ending inside the horizon."""
    first = max(0, problem.index(unit.window.start))
    last = min(problem.index(unit.window.end), problem.horizon.days - unit.rotation_days)
    return range(first, last + 1) if last >= first else range(0)


def fixed_load(problem: RotationProblem) -> tuple[dict[str, list[int]], dict[str, list[float]], dict[int, int]]:
    """What the fixed (recorded) rotations take, each capped at its rule's limit: per sector and
    day the units rotating and the strength taken, per week the personnel starting."""
    days = problem.horizon.days
    count = {s.id: [0] * days for s in problem.sectors}
    reduced = {s.id: [0.0] * days for s in problem.sectors}
    weekly: dict[int, int] = {}
    for unit in problem.units:
        if not unit.fixed:
            continue
        first = problem.index(unit.window.start)
        for d in range(max(0, first), min(days, first + unit.rotation_days)):
            count[unit.sector][d] += 1
            reduced[unit.sector][d] += unit.reduction
        weekly[problem.week(first)] = weekly.get(problem.week(first), 0) + unit.personnel
    for rule in problem.sectors:
        room = problem.total_strength(rule.id) - rule.min_available
        count[rule.id] = [min(c, rule.max_concurrent_rotations) for c in count[rule.id]]
        reduced[rule.id] = [min(r, max(0.0, room)) for r in reduced[rule.id]]
    return count, reduced, {w: min(p, problem.personnel_per_week) for w, p in weekly.items()}


def necessary_conditions(problem: RotationProblem) -> str | None:
    """Every simple rule that no plan can meet, said with its units or sector; None if none."""
    reasons = []
    for unit in problem.units:
        if unit.fixed:
            continue
        if not feasible_starts(problem, unit):
            reasons.append(
                f"window: unit '{unit.id}' has no start day from {unit.window.start} to {unit.window.end} that lets "
                f"its {unit.rotation_days}-day rotation end by the horizon's last day ({problem.horizon.end})"
            )
        if unit.personnel > problem.personnel_per_week:
            reasons.append(
                f"airlift: unit '{unit.id}' ({unit.strength}) is larger than personnel_per_week "
                f"({problem.personnel_per_week}), so it cannot start in any week"
            )
    for rule in problem.sectors:
        members = [u for u in problem.units if u.sector == rule.id and not u.fixed]
        total = problem.total_strength(rule.id)
        if total < rule.min_available:
            reasons.append(
                f"min_available: sector '{rule.id}' needs {rule.min_available:g} available but its units "
                f"number {total:g} even when none rotates"
            )
        elif members and rule.max_concurrent_rotations == 0:
            names = ", ".join(f"'{u.id}'" for u in members)
            reasons.append(f"max_concurrent_rotations: sector '{rule.id}' allows no rotation but {names} must rotate")
        else:
            for unit in members:
                if total - unit.reduction < rule.min_available - 1e-9:
                    reasons.append(
                        f"min_available: unit '{unit.id}' cannot rotate even alone: sector '{rule.id}' would have "
                        f"{total - unit.reduction:g} available, below its min_available {rule.min_available:g}"
                    )
    return "; ".join(reasons) or None


class Load:
    """Per sector and day the units rotating and the strength taken, per week the personnel
    starting: the fixed rotations (capped, see ``fixed_load``) and the units placed so far."""

    def __init__(self, problem: RotationProblem) -> None:
        self.problem = problem
        self.count, self.reduced, self.weekly = fixed_load(problem)
        self.room = {s.id: problem.total_strength(s.id) - s.min_available for s in problem.sectors}

    def broken(self, unit: RotatingUnit, first: int) -> list[str]:
        """The rules (``max_concurrent_rotations``, ``min_available``, ``airlift``) that ``unit``
        starting on day ``first`` would break with what is placed."""
        rule, span = self.problem.sector(unit.sector), range(first, first + unit.rotation_days)
        broken = []
        if any(self.count[rule.id][d] >= rule.max_concurrent_rotations for d in span):
            broken.append("max_concurrent_rotations")
        if any(self.reduced[rule.id][d] + unit.reduction > self.room[rule.id] + 1e-6 for d in span):
            broken.append("min_available")
        week = self.problem.week(first)
        if self.weekly.get(week, 0) + unit.personnel > self.problem.personnel_per_week:
            broken.append("airlift")
        return broken

    def add(self, unit: RotatingUnit, first: int, sign: int = 1) -> None:
        """Count ``unit`` starting on day ``first`` (``sign`` -1 takes it out again)."""
        for d in range(max(0, first), min(self.problem.horizon.days, first + unit.rotation_days)):
            self.count[unit.sector][d] += sign
            self.reduced[unit.sector][d] += sign * unit.reduction
        week = self.problem.week(first)
        self.weekly[week] = self.weekly.get(week, 0) + sign * unit.personnel


def evaluate_rotations(problem: RotationProblem, starts: dict[str, date]) -> tuple[RotationObjective, list[str]]:
    """The objective of a plan and every hard rule it breaks (empty when it keeps them all).
    Fixed units count as the model counts them: up to each rule's limit, outside the objective."""
    broken: list[str] = []
    load = Load(problem)
    high = {s.id: problem.high_days(s.id) for s in problem.sectors}
    high_days = deviation = 0
    for unit in problem.units:
        if unit.fixed:
            continue
        if unit.id not in starts:
            broken.append(f"unit '{unit.id}' does not rotate")
            continue
        first = problem.index(starts[unit.id])
        if first not in feasible_starts(problem, unit):
            broken.append(f"unit '{unit.id}' starts on {starts[unit.id]}, outside its window or the horizon")
            continue
        load.add(unit, first)
        high_days += len(high[unit.sector].intersection(range(first, first + unit.rotation_days)))
        if unit.preferred_start is not None:
            deviation += abs((starts[unit.id] - unit.preferred_start).days)
    margin = math.inf
    for rule in problem.sectors:
        for d in range(problem.horizon.days):
            if load.count[rule.id][d] > rule.max_concurrent_rotations:
                broken.append(f"sector '{rule.id}': {load.count[rule.id][d]} units rotate on {problem.day(d)}")
            spare = load.room[rule.id] - load.reduced[rule.id][d]
            if spare < -1e-6:
                broken.append(f"sector '{rule.id}': {spare + rule.min_available:g} available on {problem.day(d)}")
            margin = min(margin, spare)
    for week, strength in sorted(load.weekly.items()):
        if strength > problem.personnel_per_week:
            monday = problem.day(week * 7 - problem.horizon.start.weekday())
            broken.append(f"airlift: {strength} personnel start rotating in the week of {monday}")
    margin = 0.0 if margin is math.inf else round(margin, 6)
    return RotationObjective(high_days, margin, deviation), broken


def baseline_rotations(problem: RotationProblem) -> RotationPlan:
    """The greedy plan: the units with the narrowest windows first, each on the start day that adds
    fewest high-tempo days (then nearest its preferred day) among those keeping every hard rule
    with the units already placed. It does not backtrack: when it gets stuck it says "greedy
    found no plan" (status ``not_found``), which is not a proof that none exists."""
    reason = necessary_conditions(problem)
    if reason:
        return RotationPlan(INFEASIBLE, explanation=reason, solver="greedy", warnings=problem.warnings())
    load = Load(problem)
    starts = {u.id: u.window.start for u in problem.units if u.fixed}
    order = sorted(
        (u for u in problem.units if not u.fixed),
        key=lambda u: (len(feasible_starts(problem, u)), -u.personnel, u.id),
    )
    for unit in order:
        high = problem.high_days(unit.sector)
        preferred = problem.index(unit.preferred_start) if unit.preferred_start else None

        def cost(
            first: int, unit: RotatingUnit = unit, high: set[int] = high, preferred: int | None = preferred
        ) -> tuple[int, int, int]:
            span = range(first, first + unit.rotation_days)
            return (len(high.intersection(span)), abs(first - preferred) if preferred is not None else 0, first)

        first = next((f for f in sorted(feasible_starts(problem, unit), key=cost) if not load.broken(unit, f)), None)
        if first is None:
            return RotationPlan(
                NOT_FOUND,
                explanation=f"greedy found no plan: no start day for unit '{unit.id}' keeps the rules of sector "
                f"'{unit.sector}' and the airlift with the units placed before it (the baseline does not "
                "backtrack; this is not a proof that no plan exists, the optimiser may find one)",
                solver="greedy",
                warnings=problem.warnings(),
            )
        load.add(unit, first)
        starts[unit.id] = problem.day(first)
    return plan_from_starts(problem, starts, FEASIBLE, solver="greedy")


def plan_from_starts(
    problem: RotationProblem, starts: dict[str, date], status: str, *, solver: str, seconds: float = 0.0
) -> RotationPlan:
    """A plan of the given start days, with its objective, any rule it breaks and its warnings."""
    objective, broken = evaluate_rotations(problem, starts)
    rotations = tuple(
        PlannedRotation(
            u.id,
            starts[u.id],
            starts[u.id] + timedelta(days=u.rotation_days - 1),
            None if u.preferred_start is None or u.fixed else (starts[u.id] - u.preferred_start).days,
        )
        for u in sorted(problem.units, key=lambda u: (starts[u.id], u.id))
    )
    return RotationPlan(status, rotations, objective, "", solver, seconds, tuple(broken), warnings=problem.warnings())
