"""The rotation optimiser: CP-SAT, solved in three stages for the lexicographic objective.

Each unit's start is an integer variable over its feasible days and its rotation a fixed-size
interval (optional, with a presence literal, when conflicts are sought). Per sector, a
cumulative of 1 per interval bounds concurrent rotations, and a cumulative of each unit's
strength reduction (in hundredths of a person, rounded up so the model is never looser than the
rule) bounds the fall below ``min_available``, less a global margin variable. Fixed (recorded)
rotations enter as fixed intervals of what they take, capped at each rule's limit. Per ISO
week, one boolean per unit and week caps the personnel starting. High-tempo days are a table
over the start day; deviation is an absolute value.

Stage 1 minimises high-tempo unit-days, stage 2 fixes that value and maximises the smallest
margin, stage 3 fixes both and minimises the deviation; when all three are proven, a fourth
breaks ties the same way on every run (``rotation_cpsat.tie_break``); each stage starts from the last
solution (the first from the greedy plan, when it finds one). The time limit is the whole
run's: stage 1 may use half of it, stage 2 half of what is then left, stage 3 the rest; a stage
that proves its optimum early leaves its time to the next, and a stage that has found nothing
in its share goes on until its first solution (or the end of the whole time). Each stage's
best bound is kept (``plan.bound``). If the greedy plan is still better, it is returned: the
optimiser is never worse than it.

When CP-SAT proves there is no plan, ``rotation_conflicts`` names the clashing units.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace

from ortools.sat.python import cp_model

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.planning.rotation_conflicts import explain_conflicts
from bluehelmet.planning.rotation_cpsat import SCALE, Model, build, groups, solver, tie_break
from bluehelmet.planning.rotation_reasons import explain_plan
from bluehelmet.planning.rotations import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    RotationObjective,
    RotationPlan,
    RotationProblem,
    baseline_rotations,
    necessary_conditions,
    plan_from_starts,
)

__all__ = ["STAGE_SHARES", "NoPlanInTime", "plan_rotations"]

#: The share of the time left that each stage may use (a stage proven early leaves the rest); the
#: fourth stage only breaks ties between plans equal on the three objectives.
STAGE_SHARES = (0.5, 0.5, 1.0, 1.0)


class NoPlanInTime(BluehelmetError):
    """The solver found no plan within its time limit and did not prove that none exists."""


class _Stop(cp_model.CpSolverSolutionCallback):
    """Stops the search at the stage's share of the time if a solution is in hand, else at the
    first solution found after it (so a stage never ends with nothing while time is left)."""

    def __init__(self, share: float) -> None:
        super().__init__()
        self.share, self.began, self.found = share, time.monotonic(), False

    def on_solution_callback(self) -> None:
        self.found = True
        if time.monotonic() - self.began >= self.share:
            self.stop_search()


def _solve(
    built: Model, share: float, left: float, workers: int | None
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    run = solver(left, workers)
    stop = _Stop(share)

    def at_share() -> None:
        if stop.found:
            run.stop_search()

    timer = threading.Timer(share, at_share)
    timer.start()
    try:
        status = run.solve(built.model, stop)
    finally:
        timer.cancel()
    return run, status


def _hint(built: Model, values: list[int]) -> None:
    """Hint every variable of the model (a hint of the start days alone leaves CP-SAT to rebuild
    the rest, which it may not do in time on a large problem)."""
    built.model.clear_hints()  # type: ignore[no-untyped-call]
    for index, value in enumerate(values):
        built.model.add_hint(built.model.get_int_var_from_proto_index(index), value)


def _completed(built: Model, starts: dict[str, int], workers: int | None, seconds: float) -> list[int] | None:
    """Every variable's value in the plan of ``starts`` (None if the model refuses it)."""
    trial = built.model.clone()
    for ident, var in built.starts.items():
        trial.add(trial.get_int_var_from_proto_index(var.index) == starts[ident])
    run = solver(seconds, workers)
    if run.solve(trial) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(run.response_proto.solution)


def _tie_broken(
    problem: RotationProblem, built: Model, found: dict[str, int], left: float, workers: int | None
) -> dict[str, int]:
    """Among the plans proven best on the three objectives, the one ``tie_break`` prefers, so
    that the same problem gives the same plan (and the same reasons) on every run."""
    if left <= 0.05:
        return found
    built.model.minimize(tie_break(problem, built))
    run, status = _solve(built, left * STAGE_SHARES[3], left, workers)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return found
    return {ident: int(run.value(var)) for ident, var in built.starts.items()}


def _bound(sense: str, value: float, number: int) -> float:
    """A stage's best bound in the plan's units (the margin is modelled in hundredths)."""
    if number == 1:
        return math.floor(value + 1e-6) / SCALE
    return math.ceil(value - 1e-6) if sense == "min" else math.floor(value + 1e-6)


def plan_rotations(problem: RotationProblem, *, time_limit: float = 20.0, workers: int | None = None) -> RotationPlan:
    """The best rotation plan the solver proves (status "optimal") or finds within ``time_limit``
    seconds ("feasible"), each rotation with its reason; or status "infeasible" naming the
    conflicting units. ``time_limit`` is the whole run's.

    Raises NoPlanInTime when the time runs out before any plan is found or proven impossible.
    """
    began = time.monotonic()
    deadline = began + time_limit
    reason = necessary_conditions(problem)
    if reason:
        return RotationPlan(
            INFEASIBLE,
            explanation=reason,
            solver="cp-sat",
            seconds=time.monotonic() - began,
            warnings=problem.warnings(),
        )
    greedy = baseline_rotations(problem)
    built = build(problem, set(groups(problem)))
    fixed = {u.id: problem.index(u.window.start) for u in problem.units if u.fixed}
    proven = True
    found: dict[str, int] | None = None
    if greedy.status == FEASIBLE:
        greedy_starts = {r.unit: problem.index(r.start) for r in greedy.rotations if r.unit not in fixed}
        values = _completed(built, greedy_starts, workers, min(5.0, time_limit / 4))
        if values is not None:
            _hint(built, values)
            found = greedy_starts  # the plan to keep if no stage finds better in time
    label = "cp-sat found nothing better than the greedy plan in time" if found else "cp-sat"
    stages: list[tuple[str, cp_model.LinearExpr | int | cp_model.IntVar]] = [
        ("min", built.high),
        ("max", built.margin),
        ("min", built.deviation),
    ]
    bounds: list[float] = [0, built.ceiling / SCALE, 0]
    for number, (sense, objective) in enumerate(stages):
        left = deadline - time.monotonic()
        if found is not None and left <= 0.05:
            proven = False
            break
        if sense == "min":
            built.model.minimize(objective)
        else:
            built.model.maximize(objective)
        run, status = _solve(built, left * STAGE_SHARES[number], left, workers)
        if status == cp_model.INFEASIBLE:
            explanation = explain_conflicts(problem, deadline - time.monotonic())
            return RotationPlan(
                INFEASIBLE, explanation=explanation, solver="cp-sat", seconds=time.monotonic() - began,
                warnings=problem.warnings(),
            )  # fmt: skip
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if found is None:
                raise NoPlanInTime(
                    f"no rotation plan found within {time_limit:g} s, nor proof that none exists; allow more time"
                )
            proven = False
            break
        bounds[number] = _bound(sense, run.best_objective_bound, number)
        proven, label = proven and status == cp_model.OPTIMAL, "cp-sat"
        found = {ident: int(run.value(var)) for ident, var in built.starts.items()}
        value = int(run.value(objective))
        built.model.add(objective <= value if sense == "min" else objective >= value)
        _hint(built, list(run.response_proto.solution))
    assert found is not None
    if proven:
        found = _tie_broken(problem, built, found, deadline - time.monotonic(), workers)
    starts = {ident: problem.day(index) for ident, index in {**fixed, **found}.items()}
    plan = plan_from_starts(
        problem, starts, OPTIMAL if proven else FEASIBLE, solver=label, seconds=time.monotonic() - began
    )
    if (
        greedy.status == FEASIBLE
        and greedy.objective
        and plan.objective
        and greedy.objective.key() < plan.objective.key()
    ):
        plan = replace(greedy, status=FEASIBLE, solver="cp-sat (kept the greedy plan, better within the time limit)")
    bound = RotationObjective(int(bounds[0]), bounds[1], int(bounds[2]))
    explained = explain_plan(problem, replace(plan, bound=bound))
    return replace(explained, seconds=time.monotonic() - began)
