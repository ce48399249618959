"""Why each unit rotates when it does, in words a U5 planner can defend in a meeting.

A unit on its preferred day says so. A unit moved is explained by the rule that binds: the
rules its rotation would break one day nearer its preferred day, with every other unit where the
plan puts it (so "CCB Gao moved 28 days earlier, from 2021-01-18 to 2020-12-21: one rotation
at a time in Sector East, with INFBAT Ansongo (2021-01-18 to 2021-02-14)"), and who kept the
day when the two tied for it. When no rule binds
there, the reason is the objective: the high-tempo days its preferred day would add, or the
strength margin it would take. A fixed unit rotated on its recorded days. Per sector, the
available strength is given day by day (as runs of equal value) against its floor.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bluehelmet.planning.rotations import (
    Load,
    RotatingUnit,
    RotationPlan,
    RotationProblem,
    SectorStrength,
    evaluate_rotations,
    feasible_starts,
)

__all__ = ["explain_plan", "sector_strength"]


def explain_plan(problem: RotationProblem, plan: RotationPlan) -> RotationPlan:
    """``plan`` with a reason on every rotation and the strength of every sector day by day."""
    if not plan.rotations:
        return plan
    starts = {r.unit: r.start for r in plan.rotations}
    units = {u.id: u for u in problem.units}
    load = Load(problem)  # every planned unit where the plan puts it; each is taken out in turn
    for unit in problem.units:
        if not unit.fixed and unit.id in starts:
            load.add(unit, problem.index(starts[unit.id]))
    rotations = tuple(
        replace(r, reason=_reason(problem, units[r.unit], starts, plan, load)) if r.unit in units else r
        for r in plan.rotations
    )
    return replace(plan, rotations=rotations, strength=sector_strength(problem, starts))


def _days(n: int) -> str:
    return f"{n} day" + ("" if n == 1 else "s")


def _reason(
    problem: RotationProblem, unit: RotatingUnit, starts: dict[str, date], plan: RotationPlan, load: Load
) -> str:
    where = f"in {unit.sector}"
    if unit.fixed:
        end = unit.window.start + timedelta(days=unit.rotation_days - 1)
        return f"{unit.id} rotated {unit.window.start} to {end} {where} (recorded): fixed, not planned again"
    chosen = problem.index(starts[unit.id])
    window = f"window {unit.window.start} to {unit.window.end}"
    if unit.pinned:
        shift = (
            ""
            if unit.preferred_start is None
            else f", {(starts[unit.id] - unit.preferred_start).days:+d} days from its preferred {unit.preferred_start}"
        )
        return f"{unit.id} pinned to {starts[unit.id]} {where} by the planner{shift}"
    if unit.preferred_start is None:
        high = _high_days(problem, unit, chosen)
        return f"{unit.id} has no preferred day; it starts {starts[unit.id]} {where} ({window}), " + (
            f"the start with fewest high-tempo days ({high})" if high else "outside the high-tempo periods"
        )
    preferred = problem.index(unit.preferred_start)
    moved = chosen - preferred
    if moved == 0:
        return f"{unit.id} keeps its preferred day {unit.preferred_start} {where} ({window})"
    head = (
        f"{unit.id} moved {_days(abs(moved))} {'earlier' if moved < 0 else 'later'}, from its preferred "
        f"{unit.preferred_start} to {starts[unit.id]} {where}"
    )
    if preferred not in feasible_starts(problem, unit):
        horizon = f"{problem.horizon.start} to {problem.horizon.end}"
        return f"{head}: its preferred day is outside its {window} or the horizon ({horizon})"
    step = 1 if moved < 0 else -1
    for probe in (chosen + step, preferred):
        said = _binding(problem, unit, probe, starts, load)
        if said:
            return f"{head}: {said}{_tie(problem, unit, starts)}"
    high_there, high_here = _high_days(problem, unit, preferred), _high_days(problem, unit, chosen)
    if high_there > high_here:
        return (
            f"{head}: on its preferred day it would rotate {_days(high_there)} in {unit.sector}'s high-tempo period "
            f"(here {high_here})"
        )
    there = evaluate_rotations(problem, {**starts, unit.id: problem.day(preferred)})[0]
    if plan.objective is not None and there.min_margin < plan.objective.min_margin:
        return (
            f"{head}: on its preferred day the smallest strength margin of the plan would fall from "
            f"{plan.objective.min_margin:g} to {there.min_margin:g}"
        )
    if plan.solver == "greedy":
        return f"{head}: no rule keeps it from its preferred day now; greedy placed it before the units after it"
    return f"{head}: no rule keeps it from its preferred day; the solver did not prove a better plan in time"


def _tie(problem: RotationProblem, unit: RotatingUnit, starts: dict[str, date]) -> str:
    """Who kept the day ``unit`` wanted, when a unit of its sector wanted the same day and kept it:
    the plans are equal on every objective, and the tie goes to the larger unit (then by name)."""
    units_by_id = {o.id: o for o in problem.units}
    rivals = [
        o.id for o in problem.units
        if o.id != unit.id and not o.fixed and not o.pinned and o.sector == unit.sector
        and o.preferred_start == unit.preferred_start and starts.get(o.id) == o.preferred_start
        and (-o.personnel, o.id) < (-unit.personnel, unit.id)
    ]  # fmt: skip
    if not rivals:
        return ""
    names = ", ".join(rivals)
    larger = all(units_by_id[r].personnel > unit.personnel for r in rivals)
    rule = "the larger unit keeps it" if larger else "the larger unit, then the first by name, keeps it"
    return f" (tied for {unit.preferred_start} with {names}: {rule})"


def _high_days(problem: RotationProblem, unit: RotatingUnit, first: int) -> int:
    return len(problem.high_days(unit.sector).intersection(range(first, first + unit.rotation_days)))


def _binding(problem: RotationProblem, unit: RotatingUnit, first: int, starts: dict[str, date], load: Load) -> str:
    """The rules ``unit`` starting on day ``first`` would break, with the other units named
    (``load`` holds every planned unit where the plan puts it, this one included)."""
    others = [u for u in problem.units if u.id != unit.id and u.id in starts]
    here = problem.index(starts[unit.id])
    load.add(unit, here, -1)
    try:
        broken = load.broken(unit, first)
    finally:
        load.add(unit, here)
    day = problem.day(first)
    span = (day, day + timedelta(days=unit.rotation_days - 1))
    parts = []
    rule = problem.sector(unit.sector)
    overlapping = [
        o for o in others
        if o.sector == unit.sector and starts[o.id] <= span[1]
        and starts[o.id] + timedelta(days=o.rotation_days - 1) >= span[0]
    ]  # fmt: skip
    named = ", ".join(
        f"{o.id} ({starts[o.id]} to {starts[o.id] + timedelta(days=o.rotation_days - 1)})" for o in overlapping
    )
    if "max_concurrent_rotations" in broken:
        limit = "one rotation" if rule.max_concurrent_rotations == 1 else f"{rule.max_concurrent_rotations} rotations"
        parts.append(f"{limit} at a time in {unit.sector}, with {named}")
    if "min_available" in broken:
        parts.append(
            f"{unit.sector} must keep {rule.min_available:,.0f} available, and {unit.id} ({unit.strength:,}) "
            f"rotating with {named or 'the recorded rotations'} would take it below"
        )
    if "airlift" in broken:
        week = problem.week(first)
        starting = [o for o in others if problem.week(problem.index(starts[o.id])) == week and o.strength]
        monday = problem.day(week * 7 - problem.horizon.start.weekday())
        names = ", ".join(f"{o.id} ({o.strength:,})" for o in starting) or "the recorded rotations"
        parts.append(
            f"the airlift of {problem.personnel_per_week:,} a week: {names} already start in the week of {monday}, "
            f"and {unit.id} adds {unit.personnel:,}"
        )
    return "; ".join(parts)


def sector_strength(problem: RotationProblem, starts: dict[str, date]) -> tuple[SectorStrength, ...]:
    """Per sector, the strength available each day (of the units of known strength) as runs; the
    recorded rotations count in full here, even where together they broke the floor."""
    result = []
    for rule in problem.sectors:
        total = problem.total_strength(rule.id)
        reduced = [0.0] * problem.horizon.days
        for unit in problem.units:
            if unit.sector != rule.id or (unit.id not in starts and not unit.fixed):
                continue
            first = problem.index(unit.window.start if unit.fixed else starts[unit.id])
            for d in range(max(0, first), min(problem.horizon.days, first + unit.rotation_days)):
                reduced[d] += unit.reduction
        runs: list[tuple[date, date, float]] = []
        for d, taken in enumerate(reduced):
            value = round(total - taken, 2)
            if runs and runs[-1][2] == value:
                runs[-1] = (runs[-1][0], problem.day(d), value)
            else:
                runs.append((problem.day(d), problem.day(d), value))
        result.append(SectorStrength(rule.id, rule.min_available, tuple(runs)))
    return tuple(result)
