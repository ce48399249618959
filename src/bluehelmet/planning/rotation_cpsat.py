"""The CP-SAT model of a rotation problem (docs/planning.md, "Model"): built with any subset of
the rule groups, and with optional units when the conflicting ones are sought."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from ortools.sat.python import cp_model

from bluehelmet.planning.rotations import RotationProblem, feasible_starts, fixed_load

__all__ = ["SCALE", "Group", "Model", "build", "groups", "solver", "tie_break"]

SCALE = 100
"""Strength in the model is counted in hundredths of a person."""

Group = tuple[str, str]


@dataclass
class Model:
    model: cp_model.CpModel
    starts: dict[str, cp_model.IntVar]
    high: cp_model.LinearExpr | int
    margin: cp_model.IntVar
    deviation: cp_model.LinearExpr | int
    #: With ``optional``: per unit to plan, the literal that puts it in the problem.
    presence: dict[str, cp_model.IntVar]
    #: The largest the smallest margin can be (in hundredths), before any plan.
    ceiling: int
    #: Per unit with a preferred start: its days away from it.
    gaps: dict[str, cp_model.IntVar]


def groups(problem: RotationProblem) -> list[Group]:
    """The groups of rules: each sector's concurrency, each sector's strength, the airlift."""
    found: list[Group] = []
    for rule in problem.sectors:
        found += [("max_concurrent_rotations", rule.id), ("min_available", rule.id)]
    return [*found, ("airlift", "")]


def _runs(values: list[int]) -> list[tuple[int, int, int]]:
    """(first day, length, value) of each run of equal non-zero values."""
    runs: list[tuple[int, int, int]] = []
    for d, value in enumerate(values):
        if runs and runs[-1][2] == value and runs[-1][0] + runs[-1][1] == d:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1, value)
        elif value:
            runs.append((d, 1, value))
    return runs


def build(problem: RotationProblem, enabled: set[Group], *, optional: bool = False) -> Model:
    """The CP-SAT model of ``problem`` with the rule groups ``enabled``; with ``optional`` each
    unit to plan has a presence literal (absent: it does not rotate), for conflicts."""
    model = cp_model.CpModel()
    starts: dict[str, cp_model.IntVar] = {}
    presence: dict[str, cp_model.IntVar] = {}
    intervals: dict[str, cp_model.IntervalVar] = {}
    high_terms: list[cp_model.IntVar] = []
    gaps: dict[str, cp_model.IntVar] = {}
    deviation_terms: list[cp_model.IntVar] = []
    planned = [u for u in problem.units if not u.fixed]
    for unit in planned:
        days = feasible_starts(problem, unit)
        start = model.new_int_var(days.start, days.stop - 1, f"start {unit.id}")
        starts[unit.id] = start
        if optional:
            presence[unit.id] = model.new_bool_var(f"present {unit.id}")
            intervals[unit.id] = model.new_optional_fixed_size_interval_var(
                start, unit.rotation_days, presence[unit.id], f"rotation {unit.id}"
            )
        else:
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
            gaps[unit.id] = gap
    fixed_count, fixed_reduced, fixed_weekly = fixed_load(problem)
    rooms = [math.floor((problem.total_strength(s.id) - s.min_available) * SCALE + 1e-6) for s in problem.sectors]
    margin = model.new_int_var(0, max(0, min(rooms, default=0)), "smallest margin")
    for rule, room in zip(problem.sectors, rooms, strict=True):
        members = [u for u in planned if u.sector == rule.id]
        if not members:
            continue
        busy = _runs(fixed_count[rule.id])
        if ("max_concurrent_rotations", rule.id) in enabled and (
            len(members) + len(busy) > 1 or rule.max_concurrent_rotations < 1
        ):
            blockers = [model.new_fixed_size_interval_var(first, length, "recorded") for first, length, _ in busy]
            if rule.max_concurrent_rotations == 1:
                model.add_no_overlap([intervals[u.id] for u in members] + blockers)
            else:
                model.add_cumulative(
                    [intervals[u.id] for u in members] + blockers,
                    [1] * len(members) + [v for _, _, v in busy],
                    rule.max_concurrent_rotations,
                )
        if ("min_available", rule.id) in enabled:
            demands = [math.ceil(u.reduction * SCALE - 1e-6) for u in members]
            taken = _runs([min(room, math.ceil(r * SCALE - 1e-6)) for r in fixed_reduced[rule.id]])
            blockers = [model.new_fixed_size_interval_var(first, length, "recorded") for first, length, _ in taken]
            model.add_cumulative(
                [intervals[u.id] for u in members] + blockers, demands + [v for _, _, v in taken], room - margin
            )
    if ("airlift", "") in enabled:
        _airlift(problem, model, starts, presence, fixed_weekly)
    return Model(
        model, starts, sum(high_terms), margin, sum(deviation_terms), presence, max(0, min(rooms, default=0)), gaps
    )


def _airlift(
    problem: RotationProblem,
    model: cp_model.CpModel,
    starts: dict[str, cp_model.IntVar],
    presence: dict[str, cp_model.IntVar],
    fixed_weekly: dict[int, int],
) -> None:
    by_week: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for unit in problem.units:
        if unit.fixed or not unit.personnel:
            continue
        days = feasible_starts(problem, unit)
        choices = []
        for week in sorted({problem.week(d) for d in days}):
            chosen = model.new_bool_var(f"{unit.id} starts in week {week}")
            monday = week * 7 - problem.horizon.start.weekday()
            first, last = max(days.start, monday), min(days.stop - 1, monday + 6)
            model.add(starts[unit.id] >= first).only_enforce_if(chosen)
            model.add(starts[unit.id] <= last).only_enforce_if(chosen)
            choices.append(chosen)
            by_week.setdefault(week, []).append((unit.personnel, chosen))
        if unit.id in presence:
            model.add(sum(choices) == presence[unit.id])
        else:
            model.add_exactly_one(choices)
    for week, entries in by_week.items():
        room = problem.personnel_per_week - fixed_weekly.get(week, 0)
        if sum(strength for strength, _ in entries) > room:
            model.add(sum(strength * chosen for strength, chosen in entries) <= room)


def solver(seconds: float, workers: int | None) -> cp_model.CpSolver:
    found = cp_model.CpSolver()
    found.parameters.max_time_in_seconds = max(0.05, seconds)
    found.parameters.num_workers = workers or min(8, os.cpu_count() or 1)
    found.parameters.random_seed = 1
    return found


def tie_break(problem: RotationProblem, built: Model) -> cp_model.LinearExpr | int:
    """The last stage's objective, which makes plans equal on the three objectives come out the
    same on every run. Units are ranked, the largest (then the first by name) first; the days
    each moves count by its rank, so that of two units tied for one day the smaller moves; then,
    among equal moves, the starts count by rank (the higher-ranked unit takes the earlier day),
    weighted so that they never outweigh one day moved."""
    ranked = sorted((u for u in problem.units if u.id in built.starts), key=lambda u: (-u.personnel, u.id))
    weight = {u.id: len(ranked) - rank for rank, u in enumerate(ranked)}
    days = (problem.horizon.end - problem.horizon.start).days + 1
    span = sum(weight.values()) * days + 1
    moved = sum(weight[ident] * gap for ident, gap in built.gaps.items())
    return moved * span + sum(weight[ident] * start for ident, start in built.starts.items())
