"""Tasking under caveats: plans that keep every rule, never worse than the greedy baseline,
lifting a caveat never lowers coverage, the JSON contract, and the letter's caveats priced."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluehelmet.planning.reading import InvalidProblem
from bluehelmet.planning.tasking import (
    TaskingPlan,
    TaskingProblem,
    baseline_tasking,
    caveat_impact,
    eligible_pairs,
    plan_tasking,
)
from bluehelmet.planning.tasking_files import tasking_problem_from_json, tasking_problem_to_json
from bluehelmet.services import planning
from bluehelmet.services.database import Database
from tests.test_planning_rotations import invoke

KINDS = ["within_sector_movement", "geographic", "no_night_operations", "casualty_evacuation_condition",
         "excluded_task"]  # fmt: skip


def _day(n: int) -> str:
    return (date(2021, 4, 1) + timedelta(days=n)).isoformat()


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    places = ["Gao", "Ansongo", "Tessit", "Sévaré"]
    units = [
        {"id": f"U{i}", "capabilities": draw(st.lists(st.sampled_from(["infantry", "police"]), min_size=1, max_size=2)),
         "base": draw(st.sampled_from(places)), "sector": draw(st.sampled_from(["east", "centre"])),
         "strength": draw(st.integers(50, 300))}
        for i in range(draw(st.integers(1, 5)))
    ]  # fmt: skip
    tasks = []
    for j in range(draw(st.integers(1, 10))):
        start = draw(st.integers(0, 6))
        tasks.append({
            "id": f"T{j}", "place": draw(st.sampled_from(places)), "sector": draw(st.sampled_from(["east", "centre"])),
            "start": _day(start), "end": _day(start + draw(st.integers(0, 3))),
            "capability": draw(st.sampled_from(["infantry", "police"])), "size": draw(st.integers(0, 200)),
            "priority": draw(st.integers(1, 3)), "night": draw(st.booleans()), "casevac_1h": draw(st.booleans()),
            "kind": draw(st.sampled_from(["patrol", "escort"])),
        })  # fmt: skip
    caveats = [
        {"id": f"C{k}", "unit": draw(st.sampled_from(units))["id"], "kind": draw(st.sampled_from(KINDS)),
         "task_kinds": ["escort"]}
        for k in range(draw(st.integers(0, 4)))
    ]  # fmt: skip
    return {"units": units, "tasks": tasks, "caveats": caveats}


def _keeps_the_rules(problem: TaskingProblem, plan: TaskingPlan) -> None:
    allowed = {(problem.units[i].id, problem.tasks[j].id) for i, j in eligible_pairs(problem)}
    tasks = {t.id: t for t in problem.tasks}
    assert all((a.unit, a.task) in allowed for a in plan.assignments)
    assert len({a.task for a in plan.assignments}) == len(plan.assignments)
    for a in plan.assignments:
        for b in plan.assignments:
            if a is not b and a.unit == b.unit:
                assert tasks[a.task].end < tasks[b.task].start or tasks[b.task].end < tasks[a.task].start


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_plans_keep_the_rules_beat_the_baseline_and_lifting_a_caveat_never_lowers_coverage(
    data: dict[str, Any],
) -> None:
    problem = tasking_problem_from_json(data)
    plan, greedy = plan_tasking(problem, time_limit=2, workers=1), baseline_tasking(problem)
    _keeps_the_rules(problem, plan)
    _keeps_the_rules(problem, greedy)
    assert plan.covered_priority >= greedy.covered_priority
    base, rows, pairs = caveat_impact(problem, time_limit=4, workers=1)
    assert [r.caveat for r in rows] == [c.id for c in problem.caveats]
    for row in rows:
        assert row.priority_gained_if_lifted >= 0
        assert base.covered_priority + row.priority_gained_if_lifted <= base.priority
    gained = {r.caveat: r.priority_gained_if_lifted for r in rows}
    for pair in pairs:  # lifting two never gains less than lifting either one alone
        assert pair.priority_gained_if_lifted >= max(gained[c] for c in pair.caveats)


def test_lifting_the_one_caveat_in_the_way_covers_the_task() -> None:
    problem = tasking_problem_from_json({
        "units": [{"id": "INFCOY 2 Gao", "capabilities": ["infantry"], "base": "Gao", "sector": "east",
                   "strength": 150}],
        "tasks": [{"id": "patrol to Tessit", "place": "Tessit", "sector": "east", "start": "2021-04-15",
                   "end": "2021-04-15", "capability": "infantry", "size": 100, "casevac_1h": False, "priority": 3}],
        "caveats": [{"id": "casevac", "unit": "INFCOY 2 Gao", "kind": "casualty_evacuation_condition"},
                    {"id": "nights", "unit": "INFCOY 2 Gao", "kind": "no_night_operations"}],
    })  # fmt: skip
    base, rows, _ = caveat_impact(problem)
    assert base.covered_tasks == 0
    by_id = {r.caveat: r for r in rows}
    assert (by_id["casevac"].tasks_gained_if_lifted, by_id["casevac"].priority_gained_if_lifted) == (1, 3)
    assert by_id["casevac"].tasks_gained == ("patrol to Tessit",)
    assert (by_id["nights"].tasks_barred, by_id["nights"].tasks_gained_if_lifted) == (0, 0)
    assert tasking_problem_from_json(tasking_problem_to_json(problem)) == problem


def test_a_rotation_takes_strength_from_the_unit() -> None:
    data = {
        "units": [{"id": "A", "capabilities": ["infantry"], "strength": 200,
                   "rotations": [{"start": "2021-04-01", "end": "2021-04-20", "available_fraction": 0.25}]}],
        "tasks": [{"id": "t", "start": "2021-04-10", "end": "2021-04-11", "capability": "infantry", "size": 100}],
    }  # fmt: skip
    assert plan_tasking(tasking_problem_from_json(data)).covered_tasks == 0
    data["units"][0]["rotations"] = []
    assert plan_tasking(tasking_problem_from_json(data)).covered_tasks == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"units": [], "tasks": [{"id": "t"}]}, "tasks[0].start: is required"),
        ({"units": [{"id": "A", "strength": 1, "capabilities": "infantry"}], "tasks": []},
         "units[0].capabilities: expected a list"),
        ({"units": [], "tasks": [], "caveats": [{"id": "c", "unit": "X", "kind": "other"}]},
         "caveats[0].unit: 'X' is not one of the units"),
        ({"units": [], "tasks": [{"id": "t", "start": "2021-04-02", "end": "2021-04-01", "capability": "x"}]},
         "tasks[0].end: 2021-04-01 is before start"),
        ({"units": [{"id": "A", "strength": 1}], "tasks": [], "caveats": [{"id": "c", "unit": "A",
                                                                           "kind": "geografic"}]},
         "caveats[0].kind: 'geografic' is not a caveat kind; the kinds are geographic, within_sector_movement, "
         "no_night_operations, casualty_evacuation_condition, excluded_task, force_protection, other"),
        ({"units": [{"id": "A", "strength": 1, "location": [95, 0]}], "tasks": []},
         "units[0].location: expected [latitude, longitude]"),
    ],
)  # fmt: skip
def test_a_malformed_tasking_problem_is_refused_with_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidProblem, match=message.replace("[", r"\[").replace("]", r"\]")):
        tasking_problem_from_json(data)


def test_the_commands_read_a_problem_file(tmp_path: Path) -> None:
    path = tmp_path / "tasking.json"
    path.write_text(json.dumps({
        "units": [{"id": "A", "capabilities": ["infantry"], "base": "Gao", "strength": 150}],
        "tasks": [{"id": "t", "place": "Ansongo", "start": "2021-04-01", "end": "2021-04-01",
                   "capability": "infantry"}],
        "caveats": [{"id": "stay", "unit": "A", "kind": "within_sector_movement"}],
    }))  # fmt: skip
    plan = json.loads(invoke("plan", "tasking", str(path), "--json").stdout)
    assert (plan["covered_tasks"], plan["uncovered"]) == (0, ["t"])
    impact = json.loads(invoke("plan", "caveat-impact", str(path), "--json").stdout)
    assert impact["caveats"][0]["tasks_gained_if_lifted"] == 1
    assert impact["caveats"][0]["priority_gained_if_lifted"] == 1


def test_the_letters_caveats_are_listed_with_their_effect(reference_db: Database) -> None:
    problem = planning.tasking_problem_from_db(reference_db)
    assert any(t.kind == "caveat_impact" for t in problem.tasks)
    _, rows, pairs = planning.caveat_impact(problem, time_limit=10)
    by_unit = {r.unit: r for r in rows}
    assert set(by_unit) == {"INFBAT 2 Timbuktu", "INFCOY 2 Sévaré", "INFCOY 2 Gao", "INFCOY 3 Gao"}
    assert by_unit["INFBAT 2 Timbuktu"].kind == "within_sector_movement"
    assert by_unit["INFCOY 2 Gao"].kind == "casualty_evacuation_condition"
    for row in rows:
        assert row.modelled and row.tasks_barred > 0 and row.priority_gained_if_lifted >= 0
    # As recorded: the Tessit patrol INFCOY 2 Gao refused and the move west of the river INFCOY 3
    # Gao was kept from are lost to the mobile task force (its other units are busy); the Niafunké
    # deployment INFBAT 2 Timbuktu could not make went to INFBAT 1 Timbuktu, so nothing is lost.
    assert (
        by_unit["INFCOY 2 Gao"].tasks_gained_if_lifted == 1 and by_unit["INFCOY 2 Gao"].priority_gained_if_lifted == 2
    )
    assert by_unit["INFCOY 3 Gao"].priority_gained_if_lifted == 2
    assert by_unit["INFBAT 2 Timbuktu"].tasks_barred == 1 and by_unit["INFBAT 2 Timbuktu"].tasks_gained_if_lifted == 0
    # Each unit has one caveat: no pairs. Far from its base a unit does not take a task.
    assert pairs == []
    timbuktu = next(u for u in problem.units if u.id == "INFBAT 1 Timbuktu")
    assert not any(timbuktu.reaches(t) for t in problem.tasks if t.place == "Tessit")
    assert problem.warnings[0].startswith("the records give no size or vehicles for the")
    # Tessit, where the contributor would not go, has no surgical care within an hour.
    tessit = [t for t in problem.tasks if t.place == "Tessit"]
    assert tessit and not any(t.casevac_1h for t in tessit)


def test_two_caveats_lifted_together_gain_what_neither_gains_alone(tmp_path: Path) -> None:
    data = {
        "units": [{"id": "INFCOY 2 Gao", "capabilities": ["infantry"], "base": "Gao", "sector": "east",
                   "strength": 150}],
        "tasks": [{"id": "night patrol to Tessit", "place": "Tessit", "sector": "east", "start": "2021-04-15",
                   "end": "2021-04-15", "capability": "infantry", "night": True, "priority": 2}],
        "caveats": [{"id": "stay", "unit": "INFCOY 2 Gao", "kind": "within_sector_movement"},
                    {"id": "nights", "unit": "INFCOY 2 Gao", "kind": "no_night_operations"}],
    }  # fmt: skip
    path = tmp_path / "tasking.json"
    path.write_text(json.dumps(data))
    result = invoke("plan", "caveat-impact", str(path), "--json")
    assert result.exit_code == 0, result.output
    impact = json.loads(result.stdout)
    assert [c["priority_gained_if_lifted"] for c in impact["caveats"]] == [0, 0]
    assert impact["pairs"] == [{
        "caveats": ["stay", "nights"], "unit": "INFCOY 2 Gao", "tasks_gained_if_lifted": 1,
        "priority_gained_if_lifted": 2, "tasks_gained": ["night patrol to Tessit"],
    }]  # fmt: skip
    text = invoke("plan", "caveat-impact", str(path)).output
    assert "stay + nights  INFCOY 2 Gao  1" in text


def test_a_unit_of_unknown_strength_is_not_taken_as_zero_strong(reference_db: Database) -> None:
    data = {
        "units": [{"id": "INFBAT Sévaré", "capabilities": ["infantry"], "strength": None}],
        "tasks": [{"id": "t", "start": "2021-04-10", "end": "2021-04-10", "capability": "infantry", "size": 100}],
    }
    assert plan_tasking(tasking_problem_from_json(data)).covered_tasks == 1  # fmt: skip
    problem = planning.tasking_problem_from_db(reference_db)
    sevare = next(u for u in problem.units if u.id == "INFBAT Sévaré")
    assert sevare.strength is None
    (warning,) = [w for w in problem.warnings if w.startswith("strength unknown for")]
    assert "INFBAT Sévaré" in warning and "they are not refused a task for its size" in warning


def test_a_unit_takes_only_the_tasks_within_its_reach() -> None:
    data = {
        "units": [{"id": "INFBAT 1 Timbuktu", "capabilities": ["infantry"], "strength": 650,
                   "location": [16.77, -3.01], "reach_km": 200}],
        "tasks": [{"id": "Niafunké", "start": "2021-02-12", "end": "2021-02-12", "capability": "infantry",
                   "location": [15.93, -3.99]},
                  {"id": "Tessit", "start": "2021-02-13", "end": "2021-02-13", "capability": "infantry",
                   "location": [15.01, 0.29]}],
    }  # fmt: skip
    plan = plan_tasking(tasking_problem_from_json(data))
    assert [a.task for a in plan.assignments] == ["Niafunké"] and plan.uncovered == ("Tessit",)


def test_an_uncovered_task_says_why() -> None:
    data = {
        "units": [{"id": "INFCOY 1 Gao", "capabilities": ["infantry"], "strength": 150, "location": [16.27, -0.04],
                   "reach_km": 200},
                  {"id": "INFCOY 2 Gao", "capabilities": ["infantry"], "strength": 300, "location": [16.27, -0.04],
                   "reach_km": 200}],
        "tasks": [{"id": "patrol", "start": "2021-04-20", "end": "2021-05-09", "capability": "infantry", "priority": 3,
                   "casevac_1h": False},
                  {"id": "Tessit", "start": "2021-04-21", "end": "2021-04-21", "capability": "infantry",
                   "casevac_1h": False, "location": [15.01, 0.29]},
                  {"id": "Kidal", "start": "2021-04-21", "end": "2021-04-21", "capability": "infantry",
                   "location": [18.44, 1.41]},
                  {"id": "bridge", "start": "2021-04-21", "end": "2021-04-21", "capability": "engineering"}],
        "caveats": [{"id": "casevac", "unit": "INFCOY 2 Gao", "kind": "casualty_evacuation_condition"}],
    }  # fmt: skip
    plan = plan_tasking(tasking_problem_from_json(data))
    why = dict(zip(plan.uncovered, plan.reasons, strict=True))
    assert why["bridge"] == "no unit has the capability 'engineering'"
    assert why["Kidal"].startswith("too far: no 'infantry' unit is based within its reach")
    assert why["Tessit"] == (
        "all the units that may take it are busy with other tasks on those days: INFCOY 1 Gao (patrol); "
        "barred by caveat: INFCOY 2 Gao by casevac (casualty_evacuation_condition)"
    )
