"""The rotation planner: its rules never broken, never worse than the greedy baseline, the JSON
contract of issue 7, the exit codes, and the letter's two Sector Centre battalions kept apart."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluehelmet.cli import cli
from bluehelmet.cli.lazy import LazyGroup
from bluehelmet.cli.plan import COMMANDS
from bluehelmet.domain.rotations import Rotation
from bluehelmet.planning.reading import InvalidProblem
from bluehelmet.planning.rotation_files import (
    rotation_plan_to_json,
    rotation_problem_from_json,
    rotation_problem_to_json,
)
from bluehelmet.planning.rotation_model import plan_rotations
from bluehelmet.planning.rotations import baseline_rotations, evaluate_rotations
from bluehelmet.services import planning, records
from bluehelmet.services.database import Database
from tests import factories

EXAMPLE: dict[str, Any] = {
    "horizon": {"start": "2021-06-01", "end": "2022-05-31"},
    "sectors": [{"id": "centre", "min_available": 1000, "max_concurrent_rotations": 1,
                 "high_tempo": [{"start": "2021-07-01", "end": "2021-09-30"}]}],
    "airlift": {"personnel_per_week": 1200},
    "units": [{"id": "INF-1", "sector": "centre", "strength": 650, "rotation_days": 21,
               "available_fraction_during_rotation": 0.5,
               "window": {"earliest": "2021-08-01", "latest": "2021-11-30"}, "preferred_start": "2021-09-01"},
              {"id": "INF-2", "sector": "centre", "strength": 1000, "rotation_days": 21,
               "available_fraction_during_rotation": 0.5,
               "window": {"earliest": "2021-08-01", "latest": "2021-11-30"}, "preferred_start": "2021-09-01"}],
}  # fmt: skip


def _cli() -> click.Group:
    """The real command line with the planning commands registered (the lead wires them for good)."""
    group = LazyGroup("bluehelmet", params=cli.params, callback=cli.callback)
    for command in (*cli.commands.values(), *COMMANDS):
        group.add_command(command)
    return group


def invoke(*args: str) -> Any:
    return CliRunner().invoke(_cli(), list(args))


def _start(day: int) -> str:
    return (date(2021, 6, 1) + timedelta(days=day)).isoformat()


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    horizon = draw(st.integers(20, 60))
    sectors, units = [], []
    for s in range(draw(st.integers(1, 2))):
        members = []
        for u in range(draw(st.integers(1, 4))):
            length = draw(st.integers(2, 8))
            earliest = draw(st.integers(0, horizon - 1))
            latest = draw(st.integers(earliest, min(horizon - 1, earliest + 20)))
            members.append({
                "id": f"U{s}{u}", "sector": f"S{s}", "strength": draw(st.integers(10, 500)), "rotation_days": length,
                "available_fraction_during_rotation": draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])),
                "window": {"earliest": _start(earliest), "latest": _start(latest)},
                "preferred_start": _start(draw(st.integers(earliest, latest))),
            })  # fmt: skip
        total = sum(m["strength"] for m in members)
        high = draw(st.integers(0, horizon - 1))
        sectors.append({
            "id": f"S{s}", "min_available": int(total * draw(st.sampled_from([0.0, 0.4, 0.7, 0.9]))),
            "max_concurrent_rotations": draw(st.integers(1, 2)),
            "high_tempo": [{"start": _start(high), "end": _start(min(horizon - 1, high + draw(st.integers(0, 15))))}],
        })  # fmt: skip
        units += members
    return {
        "horizon": {"start": _start(0), "end": _start(horizon - 1)},
        "sectors": sectors,
        "airlift": {"personnel_per_week": draw(st.integers(300, 1500))},
        "units": units,
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_a_plan_never_breaks_a_hard_rule_and_never_loses_to_the_greedy_baseline(data: dict[str, Any]) -> None:
    problem = rotation_problem_from_json(data)
    plan = plan_rotations(problem, time_limit=3.0, workers=1)
    greedy = baseline_rotations(problem)
    for found in (plan, greedy):
        if found.status in ("optimal", "feasible"):
            starts = {r.unit: r.start for r in found.rotations}
            assert evaluate_rotations(problem, starts)[1] == []
            assert found.objective == evaluate_rotations(problem, starts)[0]
        else:
            assert found.explanation
    if plan.status == "infeasible":  # a problem the optimiser proves impossible, greedy cannot solve
        assert greedy.status in ("infeasible", "not_found")
    if greedy.status == "feasible":
        assert plan.status in ("optimal", "feasible")
        assert plan.objective is not None and greedy.objective is not None
        assert plan.objective.key() <= greedy.objective.key()


def test_the_issue_example_plans_and_keeps_the_objective_order() -> None:
    problem = rotation_problem_from_json(EXAMPLE)
    plan = plan_rotations(problem, time_limit=10)
    data = rotation_plan_to_json(plan)
    assert data["status"] == "optimal"
    assert set(data) >= {"status", "rotations", "objective", "explanation"}
    assert set(data["objective"]) == {"high_tempo_unit_days", "min_margin", "deviation_days"}
    assert data["objective"]["high_tempo_unit_days"] == 0  # October and November are free of high tempo
    first, second = sorted(data["rotations"], key=lambda r: r["start"])
    assert date.fromisoformat(first["end"]) < date.fromisoformat(second["start"])
    assert (date.fromisoformat(first["end"]) - date.fromisoformat(first["start"])).days == 20
    assert rotation_problem_from_json(rotation_problem_to_json(problem)) == problem


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("airlift"), "airlift: is required"),
        (lambda d: d["units"][0].update(strength="650"), "units[0].strength: expected a whole number"),
        (lambda d: d["units"][0].update(strength=True), "units[0].strength: expected a whole number"),
        (lambda d: d["units"][1].update(sector="west"), "units[1].sector: 'west' is not one of the sectors"),
        (lambda d: d["units"][0]["window"].update(latest="2021-07-01"), "units[0].window.latest: 2021-07-01 is before"),
        (lambda d: d["units"][0].update(colour="blue"), "units[0].colour: is not a field"),
        (lambda d: d["sectors"][0].update(max_concurrent_rotations=-1), "must be at least 0"),
        (lambda d: d["horizon"].update(start="1 June 2021"), "horizon.start: expected a day written YYYY-MM-DD"),
        (lambda d: d["units"][1].update(id="INF-1"), "units[1].id: 'INF-1' is used twice"),
        (lambda d: d["units"][0].update(available_fraction_during_rotation=1.5), "between 0 and 1"),
    ],
)
def test_a_malformed_problem_is_refused_with_the_field_and_reason(change: Any, message: str) -> None:
    data = json.loads(json.dumps(EXAMPLE))
    change(data)
    with pytest.raises(InvalidProblem, match=message.replace("[", r"\[").replace("]", r"\]")):
        rotation_problem_from_json(data)


def test_the_command_writes_the_plan_and_exits_3_with_the_rule_when_none_exists(tmp_path: Path) -> None:
    problem, out = tmp_path / "problem.json", tmp_path / "plan.json"
    problem.write_text(json.dumps(EXAMPLE))
    result = invoke("plan", "rotations", str(problem), "--out", str(out), "--time-limit", "5")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["status"] == "optimal"
    greedy = invoke("plan", "rotations", str(problem), "--baseline", "greedy", "--json")
    assert json.loads(greedy.stdout)["solver"] == "greedy"

    impossible = json.loads(json.dumps(EXAMPLE))
    for unit in impossible["units"]:
        unit["window"] = {"earliest": "2021-10-01", "latest": "2021-10-05"}
    problem.write_text(json.dumps(impossible))
    result = invoke("plan", "rotations", str(problem), "--out", str(out))
    assert result.exit_code == 3
    plan = json.loads(out.read_text())
    assert plan["status"] == "infeasible"
    assert plan["explanation"].startswith("no plan exists: one conflict to resolve")
    assert (
        "2 units of centre (INF-1 650, INF-2 1,000) must start rotating between 2021-10-01 and 2021-10-05"
        in (plan["explanation"])
    )

    problem.write_text('{"horizon": 3}')
    result = invoke("plan", "rotations", str(problem))
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: horizon: expected an object, got a number"


def test_a_unit_that_cannot_fit_its_window_is_named() -> None:
    data = json.loads(json.dumps(EXAMPLE))
    data["units"][0]["window"] = {"earliest": "2022-05-20", "latest": "2022-05-30"}
    plan = plan_rotations(rotation_problem_from_json(data))
    assert plan.status == "infeasible"
    assert plan.explanation.startswith("window: unit 'INF-1'")


def test_the_letters_rotations_keep_the_two_sector_centre_battalions_apart(reference_db: Database) -> None:
    problem = planning.rotation_problem_from_db(reference_db, date_from=date(2021, 1, 1))
    names = {u.id for u in problem.units}
    assert {"INFBAT Douentza", "INFBAT Sévaré"} <= names
    plan = planning.solve_rotations(problem, time_limit=10)
    assert plan.status in ("optimal", "feasible") and not plan.violations
    by_unit = {r.unit: r for r in plan.rotations}
    douentza, sevare = by_unit["INFBAT Douentza"], by_unit["INFBAT Sévaré"]
    assert douentza.end < sevare.start or sevare.end < douentza.start
    # What happened (both from 10 March to 4 April 2021) is what the plan avoids.
    assert not (
        douentza.start <= date(2021, 4, 4) and sevare.start <= date(2021, 4, 7) and sevare.end >= date(2021, 3, 10)
    )


def test_saving_a_plan_writes_audited_planned_rotations(db: Database, tmp_path: Path) -> None:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission", name="MINUSMA")
        sector = records.create(tx, "Sector", {"mission_id": mission.id, "name": "centre"})
        for name in ("INF-1", "INF-2"):
            records.create(tx, "Unit", {"mission_id": mission.id, "name": name, "component": "military",
                                        "unit_type": "infantry_battalion", "sector_id": sector.id})  # fmt: skip
    problem = rotation_problem_from_json(EXAMPLE)
    plan = planning.solve_rotations(problem, time_limit=5)
    ids = planning.save_rotation_plan(db, "planner", problem, plan)
    assert len(ids) == 2
    with db.transaction("tester") as tx:
        stored = [r for r in records.list_records(tx, Rotation) if isinstance(r, Rotation)]
        assert sorted(r.planned_start for r in stored) == sorted(r.start for r in plan.rotations)
        assert all(records.history(tx, Rotation, r.id or 0)[0].actor == "planner" for r in stored)
