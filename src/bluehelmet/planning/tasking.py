"""Tasking under caveats: which unit takes which task, and what each caveat costs the mission.

A unit may take a task when it has the task's capability, enough strength available over the
task's days (its strength, times the available fraction of any rotation overlapping them) and
enough serviceable vehicles, and when none of its caveats forbids the task. A unit takes one
task at a time; a task needs one unit. The plan covers the most priority-weighted tasks.

A caveat is a rule over tasks, by kind: ``within_sector_movement`` keeps the unit at its base;
``geographic`` keeps it in its sector (or to the listed places); ``no_night_operations`` bars
night tasks; ``casualty_evacuation_condition`` bars tasks without casualty evacuation within
one hour; ``excluded_task`` bars the listed task kinds or capabilities. Other kinds are kept on
record but constrain nothing (``modelled: false`` in the impact).

A caveat's impact is the coverage gained when that caveat alone is lifted: the plan is solved
again from the plan with every caveat (still valid once a rule is lifted), so the gain is never
negative in priority.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model

from bluehelmet.domain.caveats import CaveatKind
from bluehelmet.domain.distance import distance_km

__all__ = [
    "CAVEAT_KINDS",
    "MODELLED_KINDS",
    "Assignment",
    "CaveatImpactRow",
    "CaveatRule",
    "PairImpact",
    "Task",
    "TaskUnit",
    "TaskingPlan",
    "TaskingProblem",
    "UnitRotation",
    "allows",
    "baseline_tasking",
    "caveat_impact",
    "eligible_pairs",
    "plan_tasking",
    "why_uncovered",
]

MODELLED_KINDS = frozenset(
    {"within_sector_movement", "geographic", "no_night_operations", "casualty_evacuation_condition", "excluded_task"}
)
#: Every kind a caveat may have (``CaveatKind``); the others are recorded but constrain nothing.
CAVEAT_KINDS = tuple(str(kind) for kind in CaveatKind)


@dataclass(frozen=True)
class UnitRotation:
    start: date
    end: date
    available_fraction: float


@dataclass(frozen=True)
class TaskUnit:
    id: str
    capabilities: frozenset[str]
    base: str
    sector: str
    #: None when the records do not say: the unit is then not refused a task for its size (and
    #: the problem's warnings name it), never taken as 0 strong.
    strength: int | None
    vehicles: int = 0
    rotations: tuple[UnitRotation, ...] = ()
    #: Where the unit's base is (latitude, longitude), and how far from it the unit takes tasks.
    location: tuple[float, float] | None = None
    reach_km: float | None = None

    def reaches(self, task: Task) -> bool:
        """Whether the task's place is within the unit's reach (unknown places are not refused)."""
        if self.reach_km is None or self.location is None or task.location is None:
            return True
        return distance_km(*self.location, *task.location) <= self.reach_km

    def available(self, start: date, end: date) -> float:
        """Strength available over every day from ``start`` to ``end``."""
        fractions = [r.available_fraction for r in self.rotations if r.start <= end and r.end >= start]
        return (self.strength or 0) * min(fractions, default=1.0)


@dataclass(frozen=True)
class Task:
    id: str
    place: str
    sector: str
    start: date
    end: date
    capability: str
    size: int = 0
    vehicles: int = 0
    priority: int = 1
    night: bool = False
    #: Casualty evacuation to surgical care within one hour is available at the task's place.
    casevac_1h: bool = True
    kind: str = ""
    location: tuple[float, float] | None = None


@dataclass(frozen=True)
class CaveatRule:
    id: str
    unit: str
    kind: str
    description: str = ""
    places: tuple[str, ...] = ()
    task_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskingProblem:
    units: tuple[TaskUnit, ...]
    tasks: tuple[Task, ...]
    caveats: tuple[CaveatRule, ...] = ()
    #: What the problem could not know (task sizes the records do not give, places without coordinates).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    task: str
    unit: str


@dataclass(frozen=True)
class TaskingPlan:
    status: str
    assignments: tuple[Assignment, ...]
    covered_tasks: int
    covered_priority: int
    tasks: int
    priority: int
    uncovered: tuple[str, ...]
    solver: str
    seconds: float = 0.0
    #: Per uncovered task, why no unit takes it (``why_uncovered``).
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaveatImpactRow:
    caveat: str
    unit: str
    kind: str
    description: str
    #: Tasks the unit could take but for this caveat (other caveats aside).
    tasks_barred: int
    tasks_gained_if_lifted: int
    priority_gained_if_lifted: int
    tasks_gained: tuple[str, ...]
    modelled: bool


def allows(caveat: CaveatRule, unit: TaskUnit, task: Task) -> bool:
    """Whether ``caveat`` lets ``unit`` take ``task``."""
    match caveat.kind:
        case "within_sector_movement":
            return task.place == unit.base
        case "geographic":
            return task.place in caveat.places if caveat.places else task.sector == unit.sector
        case "no_night_operations":
            return not task.night
        case "casualty_evacuation_condition":
            return task.casevac_1h
        case "excluded_task":
            return task.kind not in caveat.task_kinds and task.capability not in caveat.task_kinds
    return True


def _capable(unit: TaskUnit, task: Task) -> bool:
    return (
        task.capability in unit.capabilities
        and unit.vehicles >= task.vehicles
        and (unit.strength is None or unit.available(task.start, task.end) >= task.size)
        and unit.reaches(task)
    )


def eligible_pairs(problem: TaskingProblem, lifted: str | frozenset[str] | None = None) -> list[tuple[int, int]]:
    """(unit index, task index) of every unit that may take a task, with the caveats ``lifted`` ignored."""
    ignored = frozenset([lifted]) if isinstance(lifted, str) else (lifted or frozenset())
    by_unit: dict[str, list[CaveatRule]] = {}
    for c in problem.caveats:
        if c.id not in ignored:
            by_unit.setdefault(c.unit, []).append(c)
    return [
        (i, j)
        for i, unit in enumerate(problem.units)
        for j, task in enumerate(problem.tasks)
        if _capable(unit, task) and all(allows(c, unit, task) for c in by_unit.get(unit.id, ()))
    ]


def _overlaps(a: Task, b: Task) -> bool:
    return a.start <= b.end and b.start <= a.end


def _plan(
    problem: TaskingProblem, chosen: Iterable[tuple[int, int]], status: str, solver: str, began: float
) -> TaskingPlan:
    pairs = sorted(chosen, key=lambda p: p[1])
    covered = {j for _, j in pairs}
    return TaskingPlan(
        status=status,
        assignments=tuple(Assignment(problem.tasks[j].id, problem.units[i].id) for i, j in pairs),
        covered_tasks=len(covered),
        covered_priority=sum(problem.tasks[j].priority for j in covered),
        tasks=len(problem.tasks),
        priority=sum(t.priority for t in problem.tasks),
        uncovered=tuple(t.id for j, t in enumerate(problem.tasks) if j not in covered),
        reasons=tuple(
            why_uncovered(problem, t, _busy(problem, pairs, t)) for j, t in enumerate(problem.tasks) if j not in covered
        ),
        solver=solver,
        seconds=time.monotonic() - began,
    )


def _busy(problem: TaskingProblem, pairs: list[tuple[int, int]], task: Task) -> dict[str, list[str]]:
    busy: dict[str, list[str]] = {}
    for i, j in pairs:
        if _overlaps(problem.tasks[j], task):
            busy.setdefault(problem.units[i].id, []).append(problem.tasks[j].id)
    return busy


def why_uncovered(problem: TaskingProblem, task: Task, busy: dict[str, list[str]]) -> str:
    """Why no unit takes ``task``: no capable unit, too far, barred by caveats (named), or all the
    units that may take it busy with other tasks (named)."""
    capable = [u for u in problem.units if task.capability in u.capabilities]
    if not capable:
        return f"no unit has the capability '{task.capability}'"
    able = [
        u
        for u in capable
        if u.vehicles >= task.vehicles and (u.strength is None or u.available(task.start, task.end) >= task.size)
    ]
    if not able:
        return f"no '{task.capability}' unit has {task.size} available and {task.vehicles} vehicles on those days"
    near = [u for u in able if u.reaches(task)]
    if not near:
        return f"too far: no '{task.capability}' unit is based within its reach of {task.place or 'the place'}"
    caveats = {u.id: [c for c in problem.caveats if c.unit == u.id and not allows(c, u, task)] for u in near}
    free = [u for u in near if not caveats[u.id]]
    barred = "; ".join(
        f"{u.id} by {', '.join(f'{c.id} ({c.kind})' for c in caveats[u.id])}" for u in near if caveats[u.id]
    )
    if not free:
        return f"barred by caveat: {barred}"
    busy_units = ", ".join(f"{u.id} ({', '.join(busy.get(u.id, [])[:2]) or 'another task'})" for u in free)
    return f"all the units that may take it are busy with other tasks on those days: {busy_units}" + (
        f"; barred by caveat: {barred}" if barred else ""
    )


def _greedy(problem: TaskingProblem, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    units_of: dict[int, list[int]] = {}
    load: dict[int, int] = {}
    for i, j in pairs:
        units_of.setdefault(j, []).append(i)
        load[i] = load.get(i, 0) + 1
    busy: dict[int, list[Task]] = {}
    chosen = []
    order = sorted(units_of, key=lambda j: (-problem.tasks[j].priority, len(units_of[j]), problem.tasks[j].start, j))
    for j in order:
        task = problem.tasks[j]
        free = [i for i in units_of[j] if not any(_overlaps(task, other) for other in busy.get(i, ()))]
        if free:
            unit = min(free, key=lambda i: (load[i], i))
            busy.setdefault(unit, []).append(task)
            chosen.append((unit, j))
    return chosen


def baseline_tasking(problem: TaskingProblem) -> TaskingPlan:
    """The greedy plan: highest priority first, the task with fewest candidate units first, given to
    the free candidate with fewest candidate tasks."""
    began = time.monotonic()
    return _plan(problem, _greedy(problem, eligible_pairs(problem)), "feasible", "greedy", began)


def _solve(
    problem: TaskingProblem,
    pairs: list[tuple[int, int]],
    hint: list[tuple[int, int]],
    time_limit: float,
    workers: int | None,
) -> tuple[list[tuple[int, int]], bool]:
    model = cp_model.CpModel()
    x = {p: model.new_bool_var(f"x{p}") for p in pairs}
    by_task: dict[int, list[cp_model.IntVar]] = {}
    by_unit: dict[int, list[int]] = {}
    for (i, j), var in x.items():
        by_task.setdefault(j, []).append(var)
        by_unit.setdefault(i, []).append(j)
    for variables in by_task.values():
        if len(variables) > 1:
            model.add_at_most_one(variables)
    for i, tasks in by_unit.items():
        # The tasks of one unit that share a day form a clique; the start days of its tasks are
        # enough points to catch every overlap of intervals.
        for day in sorted({problem.tasks[j].start for j in tasks}):
            active = [x[(i, j)] for j in tasks if problem.tasks[j].start <= day <= problem.tasks[j].end]
            if len(active) > 1:
                model.add_at_most_one(active)
    # Priority first; among plans of equal priority, the most tasks.
    weight = len(problem.tasks) + 1
    model.maximize(sum((problem.tasks[j].priority * weight + 1) * var for (_, j), var in x.items()))
    for p in hint:
        model.add_hint(x[p], True)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers or min(8, os.cpu_count() or 1)
    solver.parameters.random_seed = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, False
    chosen = [p for p, var in x.items() if solver.boolean_value(var)]

    def value(pairs: list[tuple[int, int]]) -> tuple[int, int]:
        return sum(problem.tasks[j].priority for _, j in pairs), len(pairs)

    if value(chosen) < value(hint):
        return hint, False
    return chosen, status == cp_model.OPTIMAL


def plan_tasking(
    problem: TaskingProblem,
    *,
    time_limit: float = 20.0,
    workers: int | None = None,
    start_from: TaskingPlan | None = None,
    lifted: str | frozenset[str] | None = None,
) -> TaskingPlan:
    """The assignment covering the most priority-weighted tasks (CP-SAT), "optimal" when proven.

    It starts from ``start_from`` (else the greedy plan) and never returns less than it.
    ``lifted`` names a caveat (or a set of them) to ignore.
    """
    began = time.monotonic()
    pairs = eligible_pairs(problem, lifted)
    index = {(problem.units[i].id, problem.tasks[j].id): (i, j) for i, j in pairs}
    if start_from is not None:
        hint = [index[(a.unit, a.task)] for a in start_from.assignments if (a.unit, a.task) in index]
    else:
        hint = _greedy(problem, pairs)
    chosen, proven = _solve(problem, pairs, hint, time_limit, workers)
    return _plan(problem, chosen, "optimal" if proven else "feasible", "cp-sat", began)


def caveat_impact(
    problem: TaskingProblem, *, time_limit: float = 20.0, workers: int | None = None
) -> tuple[TaskingPlan, list[CaveatImpactRow], list[PairImpact]]:
    """The plan under every caveat; for each caveat what lifting it alone would gain; and for the
    caveats of one unit taken two at a time, what lifting both would gain."""
    pairs = [
        (a, b) for i, a in enumerate(problem.caveats) for b in problem.caveats[i + 1 :] if a.unit == b.unit
    ]  # fmt: skip
    share = time_limit / (len(problem.caveats) + len(pairs) + 1)
    base = plan_tasking(problem, time_limit=share, workers=workers)
    covered = {a.task for a in base.assignments}
    with_all = set(eligible_pairs(problem))

    def lift(ids: frozenset[str]) -> tuple[TaskingPlan, list[str]]:
        plan = plan_tasking(problem, time_limit=share, workers=workers, start_from=base, lifted=ids)
        return plan, sorted({a.task for a in plan.assignments} - covered)

    rows = []
    for caveat in problem.caveats:
        barred = {j for i, j in set(eligible_pairs(problem, caveat.id)) - with_all}
        lifted, gained = lift(frozenset([caveat.id]))
        rows.append(
            CaveatImpactRow(
                caveat=caveat.id,
                unit=caveat.unit,
                kind=caveat.kind,
                description=caveat.description,
                tasks_barred=len(barred),
                tasks_gained_if_lifted=lifted.covered_tasks - base.covered_tasks,
                priority_gained_if_lifted=lifted.covered_priority - base.covered_priority,
                tasks_gained=tuple(gained),
                modelled=caveat.kind in MODELLED_KINDS,
            )
        )
    joint = []
    for a, b in pairs:
        lifted, gained = lift(frozenset([a.id, b.id]))
        joint.append(
            PairImpact(
                (a.id, b.id),
                a.unit,
                lifted.covered_tasks - base.covered_tasks,
                lifted.covered_priority - base.covered_priority,
                tuple(gained),
            )
        )
    return base, rows, joint


@dataclass(frozen=True)
class PairImpact:
    """What lifting two caveats of one unit together would gain (more than the two apart, at times)."""

    caveats: tuple[str, str]
    unit: str
    tasks_gained_if_lifted: int
    priority_gained_if_lifted: int
    tasks_gained: tuple[str, ...]
