"""`bluehelmet plan rotations|tasking|caveat-impact` and `bluehelmet coverage casevac`: the
planners' optimisers, on a problem file or on the records. A plan that cannot exist exits 3."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from bluehelmet.cli.door import DAY, Door, emit, fail, json_option, mission_option, pass_door
from bluehelmet.cli.output import day, table
from bluehelmet.services import planning, planning_coverage

__all__ = [
    "COMMANDS", "casevac", "caveat_impact", "compare", "coverage_group", "export", "plan_group", "rotations", "tasking",
]  # fmt: skip

#: The exit code of a plan that does not exist (the rules cannot all be met).
INFEASIBLE_EXIT = 3

problem_argument = click.argument(
    "problem_file", metavar="[PROBLEM.json]", required=False, type=click.Path(path_type=Path, dir_okay=False)
)
from_db_option = click.option("--from-db", is_flag=True, help="Build the problem from the records.")
time_option = click.option(
    "--time-limit", type=click.FloatRange(0.1), default=20.0, show_default=True, help="Seconds the solver may take."
)
baseline_option = click.option(
    "--baseline", type=click.Choice(["greedy"]), help="Run the greedy baseline instead of the optimiser."
)
from_option = click.option("--from", "date_from", type=DAY, help="With the records: first day (inclusive).")
to_option = click.option("--to", "date_to", type=DAY, help="With the records: last day (inclusive).")


@click.group("plan")
def plan_group() -> None:
    """Decision support: rotation plans, tasking under caveats, and what each caveat costs."""


@click.group("coverage")
def coverage_group() -> None:
    """Coverage of the mission area: casualty evacuation against the 10-1-2 targets."""


@plan_group.command("rotations")
@problem_argument
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write PLAN.json here.")
@from_db_option
@click.option("--save", is_flag=True, help="Store the plan as planned rotations (audited).")
@baseline_option
@time_option
@from_option
@to_option
@click.option("--slack-days", type=click.IntRange(0), default=30, show_default=True,
              help="With the records: days a rotation may move either side of its planned start.")  # fmt: skip
@click.option("--max-concurrent", type=click.IntRange(0), default=1, show_default=True,
              help="With the records: rotations at a time in a sector.")  # fmt: skip
@click.option("--min-available-share", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="With the records: share of a sector's strength to keep available.")  # fmt: skip
@click.option("--airlift-per-week", type=click.IntRange(0), default=1500, show_default=True,
              help="With the records: personnel that can start rotating in a week.")  # fmt: skip
@click.option("--assume-strength", type=click.IntRange(1, 100_000),
              help="Plan a unit of unknown strength as this strong (said in the warnings); "
              "without it such a unit is not checked against the minimum strength or the airlift.")  # fmt: skip
@click.option("--pin", "pins", multiple=True, metavar="UNIT=YYYY-MM-DD",
              help="What-if: the unit's rotation starts on that day (repeatable).")  # fmt: skip
@mission_option
@json_option
@pass_door
@click.pass_context
def rotations(
    ctx: click.Context,
    door: Door,
    /,
    problem_file: Path | None,
    out: Path | None,
    from_db: bool,
    save: bool,
    baseline: str | None,
    time_limit: float,
    date_from: datetime | None,
    date_to: datetime | None,
    slack_days: int,
    max_concurrent: int,
    min_available_share: float,
    airlift_per_week: int,
    assume_strength: int | None,
    pins: tuple[str, ...],
    mission: str | None,
    as_json: bool,
) -> None:
    """Plan rotations: each unit once in its window, within every sector's rules and the airlift.

    Each rotation comes with the reason for its date (the rule that binds and the other units).
    With --from-db the problem is built from the records (and written to PROBLEM.json if given);
    rotations whose actual start is recorded before --from (all of them without --from) are fixed.
    Exits 3 when no plan can exist, naming the units whose windows clash; 1 when none was found
    (the greedy baseline stuck, or the time ran out).
    """
    if from_db:
        problem = planning.rotation_problem_from_db(
            door.db, date_from=day(date_from), date_to=day(date_to), slack_days=slack_days,
            max_concurrent=max_concurrent, min_available_share=min_available_share,
            personnel_per_week=airlift_per_week, mission=mission, actor=door.actor,
        )  # fmt: skip
        if problem_file:
            planning.write_json(problem_file, planning.rotation_problem_to_json(problem))
    elif problem_file:
        problem = planning.rotation_problem_from_json(planning.read_problem(problem_file))
    else:
        fail("give PROBLEM.json or --from-db")
    if pins:
        problem = planning.pin_rotations(problem, _pins(pins))
    plan = planning.solve_rotations(
        problem, baseline=baseline == "greedy", time_limit=time_limit, assume_strength=assume_strength
    )
    data: dict[str, Any] = planning.rotation_plan_to_json(plan)
    if out:
        planning.write_json(out, data)
    saved: list[int] = []
    if save and plan.rotations:
        saved = planning.save_rotation_plan(door.db, door.actor, problem, plan, mission=mission)
    emit({**data, **({"saved": saved} if save else {})}, as_json, _rotation_text(plan, data, saved))
    if plan.status == "infeasible":
        ctx.exit(INFEASIBLE_EXIT)
    if plan.status == "not_found":
        ctx.exit(1)


def _pins(pins: tuple[str, ...]) -> dict[str, date]:
    found: dict[str, date] = {}
    for pin in pins:
        name, _, when = pin.rpartition("=")
        try:
            found[name.strip()] = date.fromisoformat(when.strip())
        except ValueError:
            fail(f"--pin {pin}: expected UNIT=YYYY-MM-DD")
        if not name.strip():
            fail(f"--pin {pin}: expected UNIT=YYYY-MM-DD")
    return found


def _rotation_text(plan: planning.RotationPlan, data: dict[str, Any], saved: list[int]) -> str:
    lines = [f"status: {plan.status}" + (f" ({plan.solver}, {plan.seconds:.1f} s)" if plan.solver else "")]
    lines += [f"warning: {w}" for w in plan.warnings]
    if plan.explanation:
        lines.append(plan.explanation)
    objective, bound = data["objective"] or {}, data["bound"] or {}
    if objective:
        lines.append(
            ", ".join(
                f"{k}: {v}" + (f" (bound {bound[k]})" if k in bound and bound[k] != v else "")
                for k, v in objective.items()
            )
            + ("; proven optimal" if plan.proven_optimal else "; not proven optimal")
        )
    lines += ["", table([(r.unit, r.start, r.end, r.moved_days) for r in plan.rotations],
                        ["unit", "start", "end", "moved_days"], empty="")]  # fmt: skip
    reasons = [r.reason for r in plan.rotations if r.reason]
    if reasons:
        lines += ["", "why:", *(f"- {r}" for r in reasons)]
    for sector in plan.strength:
        if sector.lowest is not None:
            value, on = sector.lowest
            lines.append(f"{sector.sector}: lowest available {value:,.0f} on {on} (floor {sector.min_available:,.0f})")
    if saved:
        lines.append(f"saved {len(saved)} planned rotations")
    return "\n".join(lines).rstrip()


reach_option = click.option(
    "--reach-km", type=click.FloatRange(0, 5000), default=200.0, show_default=True,
    help="With the records: how far from its base a unit takes tasks.",
)  # fmt: skip


@plan_group.command("compare")
@click.argument("plan_a", metavar="A.json", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("plan_b", metavar="B.json", type=click.Path(path_type=Path, dir_okay=False))
@json_option
def compare(plan_a: Path, plan_b: Path, as_json: bool) -> None:
    """Two rotation plans side by side: objectives, units moved, each sector's lowest strength."""
    data_a, data_b = planning.read_problem(plan_a), planning.read_problem(plan_b)
    a, b = planning.rotation_plan_from_json(data_a), planning.rotation_plan_from_json(data_b)
    found = planning.compare_plans(a, b, data_a.get("strength"), data_b.get("strength"))
    lines = [f"status: {a.status} -> {b.status}"]
    lines += [f"{k}: {v['a']} -> {v['b']} ({v['difference']:+g})" for k, v in found["objective"].items()]
    lines += ["", table([(m["unit"], m["a_start"], m["b_start"], m["days"]) for m in found["moved"]],
                        ["unit", "start in A", "start in B", "days"], empty="no unit moved")]  # fmt: skip
    for s in found["strength"]:
        lines.append(f"{s['sector']}: lowest available {s['a_lowest_available']} -> {s['b_lowest_available']}")
    emit(found, as_json, "\n".join(lines))


@plan_group.command("export")
@click.argument("plan_file", metavar="PLAN.json", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "kind", type=click.Choice(["csv", "ics"]), required=True,
              help="csv: one row per rotation with its reason; ics: one all-day event per rotation.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="The file to write.")
def export(plan_file: Path, kind: str, out: Path) -> None:
    """Write a rotation plan as CSV (a spreadsheet) or iCalendar (a calendar)."""
    plan = planning.rotation_plan_from_json(planning.read_problem(plan_file))
    try:
        if kind == "csv":
            with out.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(planning.plan_to_csv_rows(plan))
        else:
            out.write_text(planning.plan_to_ical(plan), encoding="utf-8", newline="")
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror}")
    click.echo(f"wrote {len(plan.rotations)} rotations to {out}")


def _tasking_problem(
    door: Door,
    problem_file: Path | None,
    date_from: datetime | None,
    date_to: datetime | None,
    mission: str | None,
    reach_km: float,
) -> planning.TaskingProblem:
    if problem_file:
        return planning.tasking_problem_from_json(planning.read_problem(problem_file))
    return planning.tasking_problem_from_db(
        door.db, date_from=day(date_from), date_to=day(date_to), reach_km=reach_km, mission=mission, actor=door.actor
    )


@plan_group.command("tasking")
@problem_argument
@from_db_option
@baseline_option
@time_option
@from_option
@to_option
@reach_option
@mission_option
@json_option
@pass_door
def tasking(
    door: Door,
    /,
    problem_file: Path | None,
    from_db: bool,
    baseline: str | None,
    time_limit: float,
    date_from: datetime | None,
    date_to: datetime | None,
    reach_km: float,
    mission: str | None,
    as_json: bool,
) -> None:
    """Assign units to tasks, covering the most priority-weighted tasks under the units' caveats.

    Reads PROBLEM.json, or the records (activities and the tasks caveats cost) with --from-db or no file.
    """
    if from_db and problem_file:
        fail("give PROBLEM.json or --from-db, not both")
    problem = _tasking_problem(door, problem_file, date_from, date_to, mission, reach_km)
    plan = planning.solve_tasking(problem, baseline=baseline == "greedy", time_limit=time_limit)
    text = (
        f"status: {plan.status} ({plan.solver}, {plan.seconds:.1f} s): {plan.covered_tasks} of {plan.tasks} tasks, "
        f"priority {plan.covered_priority} of {plan.priority}\n\n"
        + table([(a.task, a.unit) for a in plan.assignments], ["task", "unit"], top=30)
        + (
            "\n\nuncovered:\n"
            + "\n".join(f"- {t}: {why}" for t, why in zip(plan.uncovered, plan.reasons, strict=False))
            if plan.uncovered
            else ""
        )
    )
    warnings = "".join(f"warning: {w}\n" for w in problem.warnings)
    emit({**planning.tasking_plan_to_json(plan), "warnings": list(problem.warnings)}, as_json, warnings + text)


@plan_group.command("caveat-impact")
@problem_argument
@from_db_option
@time_option
@from_option
@to_option
@reach_option
@mission_option
@json_option
@pass_door
def caveat_impact(
    door: Door,
    /,
    problem_file: Path | None,
    from_db: bool,
    time_limit: float,
    date_from: datetime | None,
    date_to: datetime | None,
    reach_km: float,
    mission: str | None,
    as_json: bool,
) -> None:
    """For each caveat: the tasks (and priority) the mission would cover if that caveat alone were lifted."""
    if from_db and problem_file:
        fail("give PROBLEM.json or --from-db, not both")
    problem = _tasking_problem(door, problem_file, date_from, date_to, mission, reach_km)
    plan, rows, pairs = planning.caveat_impact(problem, time_limit=time_limit)
    data = {
        "covered_tasks": plan.covered_tasks, "covered_priority": plan.covered_priority, "tasks": plan.tasks,
        "priority": plan.priority, "status": plan.status,
        "caveats": [{**vars(r), "tasks_gained": list(r.tasks_gained)} for r in rows],
        "pairs": [{"caveats": list(p.caveats), "unit": p.unit, "tasks_gained_if_lifted": p.tasks_gained_if_lifted,
                   "priority_gained_if_lifted": p.priority_gained_if_lifted, "tasks_gained": list(p.tasks_gained)}
                  for p in pairs],
        "warnings": list(problem.warnings),
    }  # fmt: skip
    text = "".join(f"warning: {w}\n" for w in problem.warnings)
    text += f"with every caveat: {plan.covered_tasks} of {plan.tasks} tasks covered\n\n" + table(
        [(r.caveat, r.unit, r.kind, r.tasks_barred, r.tasks_gained_if_lifted, r.priority_gained_if_lifted)
         for r in rows],
        ["caveat", "unit", "kind", "tasks_barred", "tasks_gained_if_lifted", "priority_gained_if_lifted"],
        empty="no caveats",
    )  # fmt: skip
    if pairs:
        text += "\n\nlifted two at a time (caveats of one unit):\n" + table(
            [(" + ".join(p.caveats), p.unit, p.tasks_gained_if_lifted, p.priority_gained_if_lifted) for p in pairs],
            ["caveats", "unit", "tasks_gained_if_lifted", "priority_gained_if_lifted"],
        )
    emit(data, as_json, text)


@coverage_group.command("casevac")
@problem_argument
@click.option(
    "--resolution", type=click.IntRange(0, 15), default=6, show_default=True, help="H3 resolution of the grid."
)
@click.option("--suggest", "suggest_count", type=click.IntRange(0), default=1, show_default=True,
              help="How many more forward surgical teams (and, apart, helicopters) to place.")  # fmt: skip
@click.option("--cells", "with_cells", is_flag=True, help="Include every cell's times in the JSON (a map layer).")
@time_option
@from_option
@to_option
@mission_option
@json_option
@pass_door
def casevac(
    door: Door,
    /,
    problem_file: Path | None,
    resolution: int,
    suggest_count: int,
    with_cells: bool,
    time_limit: float,
    date_from: datetime | None,
    date_to: datetime | None,
    mission: str | None,
    as_json: bool,
) -> None:
    """Time to advanced care (1 h) and surgery (2 h) over the mission area and at bases, task places
    and routes; those outside the targets; where one more surgical team or helicopter helps most."""
    if problem_file:
        problem = planning_coverage.coverage_problem_from_json(planning.read_problem(problem_file))
        result = planning_coverage.coverage(
            replace(problem, suggest_count=suggest_count), time_limit=time_limit, with_cells=with_cells
        )
    else:
        result = planning_coverage.casevac_coverage(
            door.db, resolution=resolution, suggest_count=suggest_count, date_from=day(date_from),
            date_to=day(date_to), with_cells=with_cells, time_limit=time_limit, mission=mission, actor=door.actor,
        )  # fmt: skip
    data = planning_coverage.coverage_plan_to_json(result, with_cells=with_cells)
    lines = [f"{result.cell_count} cells at H3 resolution {result.resolution}"]
    for period, share in (("day", result.share_day), ("night", result.share_night)):
        lines.append(f"{period}: advanced care within 1 h over {share['advanced_care']:.0%} of the area, "
                     f"surgery within 2 h over {share['surgery']:.0%}")  # fmt: skip
    lines += ["", table(
        [(f.id, f.level.replace("_", " "), f.hours, f"{f.latitude:.2f}, {f.longitude:.2f}") for f in result.facilities],
        ["facility", "level", "hours", "at"], empty="no medical facility recorded",
    )]  # fmt: skip
    lines += ["", table(
        [(p.id, p.kind, p.advanced_day, p.surgery_day, p.advanced_night, p.surgery_night,
          "yes" if p.meets_day else "no") for p in result.places],
        ["place", "kind", "advanced_day_min", "surgery_day_min", "advanced_night_min", "surgery_night_min",
         "meets_day"], empty="no places",
    )]  # fmt: skip
    lines += ["", "what gives each place's time (advanced care / surgery, by day; by night):"]
    lines += [f"- {p.id}: {p.via['advanced_day']} / {p.via['surgery_day']}; "
              f"{p.via['advanced_night']} / {p.via['surgery_night']}" for p in result.places]  # fmt: skip
    lines += ["", *_suggestion_lines(result)]
    emit(data, as_json, "\n".join(lines))


_TARGETS = {
    "level_1": "advanced care within 1 h by day",
    "forward_surgical_team": "both targets by day",
    "helicopter": "both targets by day",
    "night_helicopter": "both targets by night",
}


def _suggestion_lines(result: planning_coverage.CoveragePlan) -> list[str]:
    """Each suggestion, and the minutes it saves at each place it improves."""
    lines = []
    for s in result.suggestions:
        asset = s.asset.replace("_", " ").replace("level 1", "level 1 facility")
        where = ", ".join(s.sites) or "no site helps"
        covered = f": {', '.join(s.places_covered)}" if s.places_covered else ""
        lines.append(f"one more {asset}: {where} -> {len(s.places_covered)} of the {s.uncovered_before} places "
                     f"outside {_TARGETS[s.asset]} come within it{covered}")  # fmt: skip
        for g in s.gains:
            before = "out of reach" if g.before is None else f"{g.before:g} min"
            saved = "" if g.saved is None else f", {g.saved:g} min saved"
            lines.append(f"  {g.place}: {g.measure.replace('_', ' by ')} {before} -> {g.after:g} min{saved}")
    return lines


COMMANDS = [plan_group, coverage_group]
