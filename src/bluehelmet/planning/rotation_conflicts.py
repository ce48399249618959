"""When no rotation plan exists: the units whose windows clash, and the rules they clash on.

Each unit to plan gets a presence literal (absent: it does not rotate), and CP-SAT is asked to
solve with every unit present as assumptions. When it proves that impossible, its sufficient
assumptions are a set of units that cannot all rotate; a deletion filter shrinks it to a
minimal set (each unit in it is needed for the clash). The rules that clash are then found the
same way over the rule groups, with only those units present. To give every independent
conflict at once, the units of a conflict found are set aside and the rest solved again, until
what is left has a plan (or the time runs out, which the explanation then says).
"""

from __future__ import annotations

import time
from datetime import timedelta

from ortools.sat.python import cp_model

from bluehelmet.planning.rotation_cpsat import Group, build, groups, solver
from bluehelmet.planning.rotations import RotatingUnit, RotationProblem, feasible_starts

__all__ = ["MAX_CONFLICTS", "Conflict", "explain_conflicts", "find_conflicts"]

#: At most this many independent conflicts are sought (a planner reads the first ones first).
MAX_CONFLICTS = 10


def _infeasible(problem: RotationProblem, present: set[str], enabled: set[Group], seconds: float) -> bool | None:
    """Whether the units ``present`` cannot rotate under the rules ``enabled`` (None: not known in time)."""
    built = build(problem, enabled, optional=True)
    for ident, literal in built.presence.items():
        built.model.add(literal == (ident in present))
    status = solver(seconds, 1).solve(built.model)
    if status == cp_model.INFEASIBLE:
        return True
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    return None


def _core(problem: RotationProblem, candidates: set[str], deadline: float) -> list[str] | None:
    """A minimal set of units among ``candidates`` that cannot all rotate; None when they can."""
    built = build(problem, set(groups(problem)), optional=True)
    for ident, literal in built.presence.items():
        if ident not in candidates:
            built.model.add(literal == 0)
    chosen = [built.presence[i] for i in sorted(candidates)]
    built.model.add_assumptions(chosen)
    run = solver(max(0.1, (deadline - time.monotonic()) / 2), 1)
    status = run.solve(built.model)
    if status != cp_model.INFEASIBLE:
        return None
    names = {literal.index: ident for ident, literal in built.presence.items()}
    core = [names[i] for i in run.sufficient_assumptions_for_infeasibility() if i in names] or sorted(candidates)
    enabled = set(groups(problem))
    for ident in list(core):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        trial = set(core) - {ident}
        if trial and _infeasible(problem, trial, enabled, min(left, 2.0)):
            core.remove(ident)
    return core


Conflict = tuple[list[str], list[Group], list[str]]
"""The units each needed for the clash, the rules they clash on, and the other units bound by the
same rules whose start windows lie inside the clash's days (they make it worse)."""


def _alongside(problem: RotationProblem, core: list[str], rules: list[Group], remaining: set[str]) -> list[str]:
    units = [u for u in problem.units if u.id in core]
    first, last = min(u.window.start for u in units), max(u.window.end for u in units)
    sectors = {sector for name, sector in rules if name != "airlift"}
    airlift = any(name == "airlift" for name, _ in rules)
    return [
        u.id for u in problem.units
        if u.id in remaining and u.id not in core and first <= u.window.start and u.window.end <= last
        and (airlift or u.sector in sectors)
    ]  # fmt: skip


def find_conflicts(problem: RotationProblem, time_left: float) -> tuple[list[Conflict], bool]:
    """The independent conflicts, and whether the search ended (else the time ran out)."""
    deadline = time.monotonic() + max(2.0, time_left)
    remaining = {u.id for u in problem.units if not u.fixed}
    conflicts: list[Conflict] = []
    while remaining and len(conflicts) < MAX_CONFLICTS and time.monotonic() < deadline:
        core = _core(problem, remaining, deadline)
        if core is None:
            return conflicts, True
        rules = list(groups(problem))
        for group in list(rules):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if _infeasible(problem, set(core), set(rules) - {group}, min(left, 2.0)):
                rules.remove(group)
        also = _alongside(problem, core, rules, remaining)
        conflicts.append((core, rules, also))
        remaining -= {*core, *also}
    return conflicts, not remaining or len(conflicts) >= MAX_CONFLICTS


def _describe(problem: RotationProblem, core: list[str], rules: list[Group], also: list[str]) -> str:
    units = [u for u in problem.units if u.id in core]
    first = min(u.window.start for u in units)
    last_start = max(u.window.end for u in units)
    last_day = max(u.window.end + timedelta(days=u.rotation_days - 1) for u in units)
    sectors = sorted({u.sector for u in units})
    unknown = [u.id for u in units if u.strength is None]
    personnel = f"{sum(u.personnel for u in units):,} personnel" + (
        f" and {len(unknown)} units of unknown strength" if unknown else ""
    )
    head = (
        f"{len(units)} unit{'s' if len(units) > 1 else ''} of {', '.join(sectors)} ({_names(units)}) "
        f"must start rotating between {first} and {last_start}"
    )
    said = []
    for name, sector in rules:
        if name == "airlift":
            weeks = len({problem.week(d) for u in units for d in feasible_starts(problem, u)})
            said.append(
                f"{personnel} in {'one week' if weeks == 1 else f'{weeks} weeks'} against an airlift of "
                f"{problem.personnel_per_week:,} a week"
            )
            continue
        rule, members = problem.sector(sector), [u for u in units if u.sector == sector]
        days = "/".join(sorted({str(u.rotation_days) for u in members}))
        if name == "max_concurrent_rotations":
            limit = "one" if rule.max_concurrent_rotations == 1 else str(rule.max_concurrent_rotations)
            said.append(
                f"at most {limit} rotating at a time in {sector}, each for {days} days, "
                f"all between {first} and {last_day}"
            )
        else:
            taken = ", ".join(f"{u.id} {u.reduction:,.0f}" for u in members)
            said.append(
                f"{sector} must keep {rule.min_available:,.0f} available of {problem.total_strength(sector):,.0f}, "
                f"and their rotations ({days} days each, all between {first} and {last_day}) take {taken}"
            )
    text = head + ": " + ("; ".join(said) if said else "their windows leave no start day")
    if also:
        more = [u for u in problem.units if u.id in also]
        total = sum(u.personnel for u in units) + sum(u.personnel for u in more)
        text += (
            f"; {len(more)} more unit{'s' if len(more) > 1 else ''} must also start in those days "
            f"({_names(more)}): {total:,} personnel in all"
        )
    return text


def _names(units: list[RotatingUnit], most: int = 12) -> str:
    shown = ", ".join(u.id + (f" {u.strength:,}" if u.strength is not None else "") for u in units[:most])
    return shown + (f" and {len(units) - most} more" if len(units) > most else "")


def explain_conflicts(problem: RotationProblem, time_left: float) -> str:
    """Every independent conflict found, each with its units, dates and numbers."""
    conflicts, ended = find_conflicts(problem, time_left)
    if not conflicts:
        return "no plan keeps every rule within the units' windows (the clashing units were not isolated in time)"
    parts = [f"{n}) {_describe(problem, *conflict)}." for n, conflict in enumerate(conflicts, start=1)]
    tail = "" if ended else "; there may be more (the time ran out before the search ended)"
    count = "one conflict" if len(conflicts) == 1 else f"{len(conflicts)} independent conflicts, each"
    return f"no plan exists: {count} to resolve (widen a window or relax a rule): " + " ".join(parts) + tail
