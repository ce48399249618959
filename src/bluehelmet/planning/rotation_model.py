"""The rotation optimiser: CP-SAT, solved in three stages for the lexicographic objective.

Each unit's start is an integer variable over its feasible days and its rotation a fixed-size
interval. Per sector, a cumulative of 1 per interval bounds concurrent rotations, and a
cumulative of each unit's strength reduction (in hundredths of a person, rounded up so the model
is never looser than the rule) bounds the fall below ``min_available``, less a global margin
variable. Per ISO week, one boolean per unit and week caps the personnel starting. High-tempo
days are a table over the start day; deviation is an absolute value.

Stage 1 minimises high-tempo unit-days, stage 2 fixes that value and maximises the smallest
margin, stage 3 fixes both and minimises the deviation; each stage starts from the last
solution (the first from the greedy plan, when it finds one). A stage that runs out of time
keeps the best value it found, and the plan is then only "feasible". If the greedy plan is
still better, it is returned: the optimiser is never worse than the baseline.

When CP-SAT proves there is no plan, a deletion filter over the groups of rules (each sector's
concurrency, each sector's strength, the airlift) keeps a smallest set that cannot be met
together, which the explanation names with the units concerned.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.planning.rotations import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    RotationPlan,
    RotationProblem,
    baseline_rotations,
    feasible_starts,
    necessary_conditions,
    plan_from_starts,
)

__all__ = ["NoPlanInTime", "plan_rotations"]

SCALE = 100
"""Strength in the model is counted in hundredths of a person."""


class NoPlanInTime(BluehelmetError):
    """The solver found no plan within its time limit and did not prove that none exists."""


Group = tuple[str, str]


@dataclass
class _Model:
    model: cp_model.CpModel
    starts: dict[str, cp_model.IntVar]
    high: cp_model.LinearExpr | int
    margin: cp_model.IntVar
    deviation: cp_model.LinearExpr | int


def _groups(problem: RotationProblem) -> list[Group]:
    groups: list[Group] = []
    for rule in problem.sectors:
        groups += [("max_concurrent_rotations", rule.id), ("min_available", rule.id)]
    return [*groups, ("airlift", "")]


def _build(problem: RotationProblem, enabled: set[Group]) -> _Model:
    model = cp_model.CpModel()
    starts: dict[str, cp_model.IntVar] = {}
    intervals: dict[str, cp_model.IntervalVar] = {}
    high_terms: list[cp_model.IntVar] = []
    deviation_terms: list[cp_model.IntVar] = []
    for unit in problem.units:
        days = feasible_starts(problem, unit)
        start = model.new_int_var(days.start, days.stop - 1, f"start {unit.id}")
        starts[unit.id] = start
        intervals[unit.id] = model.new_fixed_size_interval_var(start, unit.rotation_days, f"rotation {unit.id}")
        high = problem.high_days(unit.sector)
        costs = [len(high.intersection(range(d, d + unit.rotation_days))) for d in days]
        if any(costs):
            cost = model.new_int_var(min(costs), max(costs), f"high {unit.id}")
            model.add_element(start - days.start, costs, cost)
            high_terms.append(cost)
        if unit.preferred_start is not None:
            preferred = problem.index(unit.preferred_start)
            far = max(abs(days.start - preferred), abs(days.stop - 1 - preferred))
            gap = model.new_int_var(0, far, f"deviation {unit.id}")
            model.add_abs_equality(gap, start - preferred)
            deviation_terms.append(gap)
    rooms = [math.floor((problem.total_strength(s.id) - s.min_available) * SCALE + 1e-6) for s in problem.sectors]
    margin = model.new_int_var(0, max(0, min(rooms, default=0)), "smallest margin")
    for rule, room in zip(problem.sectors, rooms, strict=True):
        members = [u for u in problem.units if u.sector == rule.id]
        if ("max_concurrent_rotations", rule.id) in enabled and len(members) > rule.max_concurrent_rotations:
            if rule.max_concurrent_rotations == 1:
                model.add_no_overlap([intervals[u.id] for u in members])
            else:
                model.add_cumulative(
                    [intervals[u.id] for u in members], [1] * len(members), rule.max_concurrent_rotations
                )
        if ("min_available", rule.id) in enabled and members:
            demands = [math.ceil(u.reduction * SCALE - 1e-6) for u in members]
            model.add_cumulative([intervals[u.id] for u in members], demands, room - margin)
    if ("airlift", "") in enabled and sum(u.strength for u in problem.units) > problem.personnel_per_week:
        _airlift(problem, model, starts)
    return _Model(model, starts, sum(high_terms), margin, sum(deviation_terms))


def _airlift(problem: RotationProblem, model: cp_model.CpModel, starts: dict[str, cp_model.IntVar]) -> None:
    by_week: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for unit in problem.units:
        days = feasible_starts(problem, unit)
        weeks = sorted({problem.week(d) for d in days})
        choices = []
        for week in weeks:
            chosen = model.new_bool_var(f"{unit.id} starts in week {week}")
            monday = week * 7 - problem.horizon.start.weekday()
            first, last = max(days.start, monday), min(days.stop - 1, monday + 6)
            model.add(starts[unit.id] >= first).only_enforce_if(chosen)
            model.add(starts[unit.id] <= last).only_enforce_if(chosen)
            choices.append(chosen)
            by_week.setdefault(week, []).append((unit.strength, chosen))
        model.add_exactly_one(choices)
    for entries in by_week.values():
        if sum(strength for strength, _ in entries) > problem.personnel_per_week:
            model.add(sum(strength * chosen for strength, chosen in entries) <= problem.personnel_per_week)


def _solver(seconds: float, workers: int | None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = workers or min(8, os.cpu_count() or 1)
    solver.parameters.random_seed = 1
    return solver


def _hint(built: _Model, starts: dict[str, int]) -> None:
    built.model.clear_hints()  # type: ignore[no-untyped-call]
    for ident, var in built.starts.items():
        built.model.add_hint(var, starts[ident])


def plan_rotations(problem: RotationProblem, *, time_limit: float = 20.0, workers: int | None = None) -> RotationPlan:
    """The best rotation plan the solver proves (status "optimal") or finds within ``time_limit``
    seconds ("feasible"), or status "infeasible" with the rule that cannot be met.

    Raises NoPlanInTime when the time runs out before any plan is found or proven impossible.
    """
    began = time.monotonic()
    reason = necessary_conditions(problem)
    if reason:
        return RotationPlan(INFEASIBLE, explanation=reason, solver="cp-sat", seconds=time.monotonic() - began)
    greedy = baseline_rotations(problem)
    built = _build(problem, set(_groups(problem)))
    if greedy.status == FEASIBLE:
        _hint(built, {r.unit: problem.index(r.start) for r in greedy.rotations})
    proven = True
    found: dict[str, int] | None = None
    stages: list[tuple[str, cp_model.LinearExpr | int | cp_model.IntVar]] = [
        ("min", built.high),
        ("max", built.margin),
        ("min", built.deviation),
    ]
    for number, (sense, objective) in enumerate(stages):
        left = time_limit - (time.monotonic() - began)
        if number and found is not None and left <= 0:
            proven = False
            break
        if sense == "min":
            built.model.minimize(objective)
        else:
            built.model.maximize(objective)
        solver = _solver(left / (len(stages) - number), workers)
        status = solver.solve(built.model)
        if status == cp_model.INFEASIBLE:
            explanation = _explain(problem, time_limit - (time.monotonic() - began), workers)
            return RotationPlan(INFEASIBLE, explanation=explanation, solver="cp-sat", seconds=time.monotonic() - began)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if found is None:
                raise NoPlanInTime(
                    f"no rotation plan found within {time_limit:g} s, nor proof that none exists; allow more time"
                )
            proven = False
            break
        proven = proven and status == cp_model.OPTIMAL
        found = {ident: int(solver.value(var)) for ident, var in built.starts.items()}
        value = int(solver.value(objective))
        built.model.add(objective <= value if sense == "min" else objective >= value)
        _hint(built, found)
    assert found is not None
    starts = {ident: problem.day(index) for ident, index in found.items()}
    plan = plan_from_starts(
        problem, starts, OPTIMAL if proven else FEASIBLE, solver="cp-sat", seconds=time.monotonic() - began
    )
    if (
        greedy.status == FEASIBLE
        and greedy.objective
        and plan.objective
        and greedy.objective.key() < plan.objective.key()
    ):
        plan = replace(greedy, status=FEASIBLE, solver="cp-sat (kept the greedy plan, better within the time limit)")
    return replace(plan, seconds=time.monotonic() - began)


def _explain(problem: RotationProblem, time_left: float, workers: int | None) -> str:
    """The smallest set of rule groups found that no plan can meet together, said in words."""
    kept = _groups(problem)
    budget = max(1.0, time_left) / max(1, len(kept))
    for group in list(kept):
        trial = set(kept) - {group}
        built = _build(problem, trial)
        if _solver(budget, workers).solve(built.model) == cp_model.INFEASIBLE:
            kept.remove(group)
    parts = []
    for rule_name, sector in kept:
        if rule_name == "airlift":
            names = _names([u.id for u in sorted(problem.units, key=lambda u: -u.strength)])
            parts.append(
                f"airlift: at most {problem.personnel_per_week} personnel starting rotation a week "
                f"(largest units {names})"
            )
            continue
        rule = problem.sector(sector)
        names = _names([u.id for u in problem.units if u.sector == sector])
        if rule_name == "max_concurrent_rotations":
            parts.append(
                f"max_concurrent_rotations: at most {rule.max_concurrent_rotations} rotating at a time in "
                f"sector '{sector}' (units {names})"
            )
        else:
            parts.append(
                f"min_available: at least {rule.min_available:g} available in sector '{sector}' (units {names})"
            )
    return "no plan keeps these rules together within the units' windows: " + "; ".join(parts or ["(the windows)"])


def _names(ids: list[str], most: int = 8) -> str:
    shown = ", ".join(f"'{i}'" for i in ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")
