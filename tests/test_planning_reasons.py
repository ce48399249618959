"""What the rotation planner says a planner can act on: the rule that set each date and the other
units involved, the units whose windows clash when no plan exists, units of unknown strength
named and never counted as 0, rotations that happened kept where they were, bounds reported, and
greedy's dead end never called infeasible."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bluehelmet.planning.rotation_files import (
    rotation_plan_from_json,
    rotation_plan_to_json,
    rotation_problem_from_json,
)
from bluehelmet.planning.rotation_model import plan_rotations
from bluehelmet.planning.rotations import baseline_rotations, evaluate_rotations
from bluehelmet.services import planning
from bluehelmet.services.database import Database
from tests.test_planning_rotations import invoke

START = date(2021, 6, 1)


def _day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def _unit(ident: str, sector: str, strength: int | None, first: int, last: int, preferred: int, days: int = 10,
          **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"id": ident, "sector": sector, "strength": strength, "rotation_days": days,
            "available_fraction_during_rotation": 0.5, "window": {"earliest": _day(first), "latest": _day(last)},
            "preferred_start": _day(preferred), **extra}  # fmt: skip


def _problem(units: list[dict[str, Any]], *, airlift: int = 10_000, sectors: list[dict[str, Any]] | None = None,
             days: int = 120) -> dict[str, Any]:  # fmt: skip
    names = sorted({u["sector"] for u in units})
    return {
        "horizon": {"start": _day(0), "end": _day(days - 1)},
        "sectors": sectors or [{"id": n, "min_available": 0, "max_concurrent_rotations": 1} for n in names],
        "airlift": {"personnel_per_week": airlift},
        "units": units,
    }


def _reasons(plan: Any) -> dict[str, str]:
    return {r.unit: r.reason for r in plan.rotations}


def test_a_moved_unit_names_the_one_at_a_time_rule_and_the_other_unit() -> None:
    problem = rotation_problem_from_json(_problem([
        _unit("INFBAT Ansongo", "Sector East", 849, 0, 60, 30, days=28),
        _unit("CCB Gao", "Sector East", 525, 30, 30, 30, days=28),
    ]))  # fmt: skip
    plan = plan_rotations(problem, time_limit=5, workers=1)
    assert plan.status == "optimal"
    reason = _reasons(plan)["INFBAT Ansongo"]
    assert reason == (
        "INFBAT Ansongo moved 28 days earlier, from its preferred 2021-07-01 to 2021-06-03 in Sector East: "
        "one rotation at a time in Sector East, with CCB Gao (2021-07-01 to 2021-07-28)"
    )
    assert _reasons(plan)["CCB Gao"].startswith("CCB Gao keeps its preferred day 2021-07-01 in Sector East")
    data = rotation_plan_to_json(plan)
    by_unit = {r["unit"]: r for r in data["rotations"]}
    assert by_unit["INFBAT Ansongo"]["moved_days"] == -28 and by_unit["CCB Gao"]["moved_days"] == 0
    assert data["proven_optimal"] is True
    assert set(data["bound"]) == set(data["objective"]) and data["bound"]["deviation_days"] == 28
    assert rotation_plan_from_json(json.loads(json.dumps(data))).rotations == plan.rotations


def test_a_tie_on_every_objective_goes_the_same_way_on_every_run() -> None:
    # Two units want the same day in one sector, one rotation at a time: every plan moving one of
    # them a rotation's length ties on the three objectives. The larger keeps its day, every run,
    # with several workers too (where CP-SAT's search order varies).
    data = _problem([
        _unit("BRAVO", "Sector East", 300, 0, 60, 30, days=28),
        _unit("ALPHA", "Sector East", 500, 0, 60, 30, days=28),
        _unit("CHARLIE", "Sector East", 300, 0, 60, 30, days=28),
    ], days=140)  # fmt: skip
    runs = [plan_rotations(rotation_problem_from_json(data), time_limit=5, workers=2) for _ in range(3)]
    assert {tuple((r.unit, r.start) for r in plan.rotations) for plan in runs} == {
        tuple((r.unit, r.start) for r in runs[0].rotations)
    }
    reasons = _reasons(runs[0])
    assert reasons["ALPHA"].startswith("ALPHA keeps its preferred day 2021-07-01")
    # Of the two equal units, the first by name moves the least (earlier, the smaller start).
    assert reasons["BRAVO"] == (
        "BRAVO moved 28 days earlier, from its preferred 2021-07-01 to 2021-06-03 in Sector East: one rotation "
        "at a time in Sector East, with ALPHA (2021-07-01 to 2021-07-28) (tied for 2021-07-01 with ALPHA: the "
        "larger unit keeps it)"
    )
    assert reasons["CHARLIE"].startswith("CHARLIE moved 28 days later, from its preferred 2021-07-01 to 2021-07-29")


def test_a_unit_held_back_by_the_airlift_names_the_units_that_fill_the_week() -> None:
    problem = rotation_problem_from_json(_problem([
        _unit("INF-N", "north", 700, 14, 14, 14), _unit("INF-E", "east", 400, 14, 14, 14),
        _unit("INF-W", "west", 600, 0, 40, 14),
    ], airlift=1_500))  # fmt: skip
    plan = plan_rotations(problem, time_limit=5, workers=1)
    reason = _reasons(plan)["INF-W"]
    assert "the airlift of 1,500 a week: INF-N (700), INF-E (400) already start in the week of" in reason
    assert "and INF-W adds 600" in reason


def test_unknown_strength_is_named_never_counted_as_zero_and_can_be_assumed(tmp_path: Path) -> None:
    data = _problem([_unit("INF-1", "north", None, 0, 20, 5), _unit("INF-2", "north", 600, 0, 60, 5)],
                    airlift=1_000)  # fmt: skip
    problem = rotation_problem_from_json(data)
    assert problem.total_strength("north") == 600  # the unknown unit adds nothing, as known or as 0
    plan = plan_rotations(problem, time_limit=5, workers=1)
    assert plan.status == "optimal"
    (warning,) = plan.warnings
    assert warning.startswith("strength unknown for 1 of 2 rotating units (INF-1): their rotations are not checked")
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data))
    result = invoke("plan", "rotations", str(path), "--time-limit", "5")
    assert result.exit_code == 0 and "warning: strength unknown for 1 of 2 rotating units (INF-1)" in result.output
    # Assumed 1,200 strong, INF-1 no longer fits the airlift of 1,000 a week: the assumption is used.
    assumed = invoke("plan", "rotations", str(path), "--assume-strength", "1200", "--json")
    assert assumed.exit_code == 3
    assert "unit 'INF-1' (1200) is larger than personnel_per_week (1000)" in json.loads(assumed.stdout)["explanation"]


def test_a_fixed_rotation_keeps_its_day_and_what_already_happened_does_not_make_the_rest_impossible() -> None:
    problem = rotation_problem_from_json(_problem([
        _unit("DONE-1", "centre", 650, 10, 10, 40, fixed=True), _unit("DONE-2", "centre", 500, 12, 12, 12, fixed=True),
        _unit("INF-3", "centre", 300, 0, 60, 15),
    ]))  # fmt: skip
    plan = plan_rotations(problem, time_limit=5, workers=1)
    assert plan.status == "optimal" and not plan.violations
    starts = {r.unit: r.start.isoformat() for r in plan.rotations}
    assert starts["DONE-1"] == _day(10) and starts["DONE-2"] == _day(12)  # not planned again
    reasons = _reasons(plan)
    assert reasons["DONE-1"] == "DONE-1 rotated 2021-06-11 to 2021-06-20 in centre (recorded): fixed, not planned again"
    assert reasons["INF-3"] == (
        "INF-3 moved 7 days later, from its preferred 2021-06-16 to 2021-06-23 in centre: one rotation at a time in "
        "centre, with DONE-2 (2021-06-13 to 2021-06-22)"
    )
    assert starts["INF-3"] == _day(22)
    assert plan.objective is not None and plan.objective.deviation_days == 7  # fixed units count no deviation


def test_greedy_stuck_says_it_found_no_plan_not_that_none_exists(tmp_path: Path) -> None:
    data = _problem([_unit("A", "centre", 100, 0, 1, 1, days=2), _unit("B", "centre", 100, 0, 2, 0, days=2)], days=10)
    problem = rotation_problem_from_json(data)
    greedy = baseline_rotations(problem)
    assert greedy.status == "not_found"
    assert greedy.explanation.startswith("greedy found no plan: no start day for unit 'B'")
    assert "infeasible" not in greedy.explanation
    assert plan_rotations(problem, time_limit=5, workers=1).status == "optimal"
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data))
    result = invoke("plan", "rotations", str(path), "--baseline", "greedy")
    assert result.exit_code == 1
    assert result.output.startswith("status: not_found (greedy")
    assert "infeasible" not in result.output


def test_an_infeasible_problem_names_every_clash_and_only_the_clashing_units() -> None:
    strengths = [520, 530, 540, 545, 550, 555, 560, 574, 485]  # 4,859 in all
    north = [_unit(f"INF N{i}", "Sector North", s, 30, 32, 31) for i, s in enumerate(strengths)]
    east = [_unit("CCB Gao", "Sector East", 525, 50, 52, 50, days=28), _unit("FPU Gao", "Sector East", 140, 50, 52, 51)]
    big = [_unit(f"INFBAT West {i}", "Sector West", 1_400, 0, 100, 80 + i * 10, days=7) for i in range(2)]
    sectors = [{"id": "Sector North", "min_available": 0, "max_concurrent_rotations": 9},
               {"id": "Sector East", "min_available": 0, "max_concurrent_rotations": 1},
               {"id": "Sector West", "min_available": 0, "max_concurrent_rotations": 1}]  # fmt: skip
    problem = rotation_problem_from_json(_problem(north + east + big, airlift=4_500, sectors=sectors))
    plan = plan_rotations(problem, time_limit=20, workers=1)
    assert plan.status == "infeasible"
    text = plan.explanation
    assert text.startswith("no plan exists: 2 independent conflicts, each to resolve")
    assert "9 units of Sector North (INF N0 520, INF N1 530" in text
    assert "must start rotating between 2021-07-01 and 2021-07-03: 4,859 personnel in one week against an airlift " \
           "of 4,500 a week" in text  # fmt: skip
    assert (
        "2 units of Sector East (CCB Gao 525, FPU Gao 140) must start rotating between 2021-07-21 and 2021-07-23"
        in text
    )
    assert "at most one rotating at a time in Sector East" in text
    assert "INFBAT West" not in text  # the largest units are not in any clash


def test_units_beyond_the_smallest_clash_that_start_in_the_same_days_are_named_too() -> None:
    units = [_unit(f"INF N{i}", "Sector North", 540, 30, 32, 31) for i in range(9)]
    sectors = [{"id": "Sector North", "min_available": 0, "max_concurrent_rotations": 9}]
    problem = rotation_problem_from_json(_problem(units, airlift=3_000, sectors=sectors))
    plan = plan_rotations(problem, time_limit=20, workers=1)
    assert plan.status == "infeasible"
    assert "6 units of Sector North" in plan.explanation
    assert "3 more units must also start in those days" in plan.explanation
    assert "4,860 personnel in all" in plan.explanation


def test_a_short_time_limit_still_gives_a_plan_with_its_bound_on_150_units() -> None:
    rng = random.Random(7)
    units = []
    for i in range(150):
        first = rng.randrange(0, 240)
        units.append(_unit(f"U{i}", f"S{i % 5}", rng.choice([140, 300, 650, 850]), first, first + 90,
                           first + rng.randrange(0, 60), days=rng.randint(14, 28)))  # fmt: skip
    sectors = [{"id": f"S{s}", "min_available": 2000, "max_concurrent_rotations": 4,
                "high_tempo": [{"start": _day(100 + 20 * s), "end": _day(190 + 20 * s)}]}
               for s in range(5)]  # fmt: skip
    problem = rotation_problem_from_json(_problem(units, airlift=2_500, sectors=sectors, days=365))
    plan = plan_rotations(problem, time_limit=4, workers=1)
    assert plan.status in ("optimal", "feasible") and not plan.violations
    assert plan.seconds < 8
    assert plan.objective is not None and plan.bound is not None
    assert plan.bound.high_tempo_unit_days <= plan.objective.high_tempo_unit_days
    assert plan.objective == evaluate_rotations(problem, {r.unit: r.start for r in plan.rotations})[0]
    assert all(r.reason.startswith(r.unit) for r in plan.rotations)


def test_the_reference_missions_moves_are_explained_and_what_happened_stays(reference_db: Database) -> None:
    problem = planning.rotation_problem_from_db(reference_db, date_from=date(2021, 1, 1))
    plan = planning.solve_rotations(problem, time_limit=10)
    by_unit = {r.unit: r for r in plan.rotations}
    # INFBAT Ansongo (849) and CCB Gao (525) were both planned for 18 January in Sector East: the
    # plans tie on every objective, and the tie goes to the larger unit, on every run.
    assert by_unit["INFBAT Ansongo"].moved_days == 0
    assert by_unit["CCB Gao"].reason == (
        "CCB Gao moved 28 days earlier, from its preferred 2021-01-18 to 2020-12-21 in Sector East: one "
        "rotation at a time in Sector East, with INFBAT Ansongo (2021-01-18 to 2021-02-14) (tied for "
        "2021-01-18 with INFBAT Ansongo: the larger unit keeps it)"
    )
    again = planning.solve_rotations(problem, time_limit=10)
    assert [(r.unit, r.start, r.reason) for r in again.rotations] == [
        (r.unit, r.start, r.reason) for r in plan.rotations
    ]
    assert all(r.reason for r in plan.rotations)
    unknown = {u.id for u in problem.units if u.strength is None}
    assert unknown and all(name in plan.warnings[0] for name in unknown)
    # Planned as of 20 January, the three rotations that began on 18 January happened: they stay.
    later = planning.rotation_problem_from_db(reference_db, date_from=date(2021, 1, 20))
    fixed = {u.id for u in later.units if u.fixed}
    assert {"INFBAT Ansongo", "CCB Gao", "INFBAT 1 Timbuktu"} <= fixed
    replanned = {r.unit: r for r in planning.solve_rotations(later, time_limit=10).rotations}
    assert replanned["INFBAT Ansongo"].start == date(2021, 1, 18)
    assert replanned["INFBAT Ansongo"].reason == (
        "INFBAT Ansongo rotated 2021-01-18 to 2021-02-14 in Sector East (recorded): fixed, not planned again"
    )


def test_a_pinned_unit_keeps_its_day_and_the_others_move_round_it(tmp_path: Path) -> None:
    data = _problem([
        _unit("INFBAT Ansongo", "Sector East", 849, 0, 60, 30, days=28),
        _unit("CCB Gao", "Sector East", 525, 0, 60, 30, days=28),
    ])  # fmt: skip
    path, out = tmp_path / "problem.json", tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    result = invoke("plan", "rotations", str(path), "--pin", "CCB Gao=2021-06-20", "--out", str(out))
    assert result.exit_code == 0, result.output
    rotations = {r["unit"]: r for r in json.loads(out.read_text())["rotations"]}
    assert rotations["CCB Gao"]["start"] == "2021-06-20"
    assert rotations["CCB Gao"]["reason"] == (
        "CCB Gao pinned to 2021-06-20 in Sector East by the planner, -11 days from its preferred 2021-07-01"
    )
    assert rotations["INFBAT Ansongo"]["start"] == "2021-07-18"  # the nearest day after CCB Gao's 28 days
    assert "with CCB Gao (2021-06-20 to 2021-07-17)" in rotations["INFBAT Ansongo"]["reason"]
    refused = invoke("plan", "rotations", str(path), "--pin", "CCB Goa=2021-06-20")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == ("error: --pin: no rotating unit 'CCB Goa'; the units are INFBAT Ansongo, CCB Gao")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"horizon": \xff}', "is not UTF-8 (byte 12): save it as UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "nests lists and objects deeper than 20 levels"),
        (b'{"horizon": NaN}', "problem: NaN is not a number a problem may hold"),
        (b'{"horizon": {"start": 1e400}}', "horizon.start: inf is not a plausible number"),
        (b'{"airlift": {"personnel_per_week": 1e300}}', "airlift.personnel_per_week: 1e+300 is not a plausible number"),
        (b'{"horizon": {"start": "0001-01-01", "end": "9999-12-31"}, "sectors": [], '
         b'"airlift": {"personnel_per_week": 1}, "units": []}',
         "horizon.end: the horizon runs 3,652,059 days; a plan covers at most 1,830 (5 years)"),
    ],
)  # fmt: skip
def test_a_hostile_problem_file_is_refused_in_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "problem.json"
    path.write_bytes(content)
    for command in (["plan", "rotations"], ["plan", "tasking"], ["plan", "caveat-impact"]):
        if "horizon.end" in message and command != ["plan", "rotations"]:
            continue
        result = invoke(*command, str(path))
        assert result.exit_code == 1, (command, result.output)
        assert result.stderr.count("\n") == 1 and message in result.stderr
        assert "Traceback" not in result.output


def test_compare_a_what_if_with_the_plan_and_export_it(tmp_path: Path) -> None:
    data = _problem([
        _unit("INFBAT Ansongo", "Sector East", 849, 0, 60, 30, days=28),
        _unit("CCB Gao", "Sector East", 525, 0, 60, 30, days=28),
    ])  # fmt: skip
    path, a, b = tmp_path / "problem.json", tmp_path / "a.json", tmp_path / "b.json"
    path.write_text(json.dumps(data))
    assert invoke("plan", "rotations", str(path), "--out", str(a)).exit_code == 0
    assert invoke("plan", "rotations", str(path), "--pin", "CCB Gao=2021-06-20", "--out", str(b)).exit_code == 0
    result = invoke("plan", "compare", str(a), str(b), "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (
        found["objective"]["deviation_days"]["b"] - found["objective"]["deviation_days"]["a"]
        == (found["objective"]["deviation_days"]["difference"])
    )
    assert {m["unit"] for m in found["moved"]} <= {"INFBAT Ansongo", "CCB Gao"} and found["moved"]
    assert [s["sector"] for s in found["strength"]] == ["Sector East"]
    text = invoke("plan", "compare", str(a), str(b)).output
    assert "start in A" in text and "Sector East: lowest available" in text
    csv_path, ics_path = tmp_path / "plan.csv", tmp_path / "plan.ics"
    assert invoke("plan", "export", str(b), "--format", "csv", "--out", str(csv_path)).exit_code == 0
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "unit,start,end,moved_days,reason" and len(rows) == 3
    assert invoke("plan", "export", str(b), "--format", "ics", "--out", str(ics_path)).exit_code == 0
    ics = ics_path.read_bytes().decode("utf-8")
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.count("BEGIN:VEVENT") == 2
    assert "DTSTART;VALUE=DATE:20210620\r\nDTEND;VALUE=DATE:20210718" in ics  # 28 days, end exclusive
    assert "SUMMARY:Rotation: CCB Gao" in ics and "pinned to 2021-06-20 in Sector East by the planner\\," in ics
