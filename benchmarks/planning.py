"""The planners at the issue's scale, each beside its greedy baseline in the same run.

- rotations: 150 units in 5 sectors over a year (windows of 60-120 days, high-tempo quarters);
- tasking: 300 units and 1,000 tasks over 20 days (more tasks than units can take), with 60 caveats;
- casualty-evacuation coverage of the whole of Mali at H3 resolution 7, with three more level 1
  facilities, forward surgical teams, helicopters and night helicopters suggested at the camps.

Prints times, objective values and the gap of the baseline to the optimiser; for rotations, at
each of --rotation-limits (20 and 60 s), the plan, CP-SAT's bound and gap, and the time used.
Run: .venv/bin/python benchmarks/planning.py [--seed N] [--time-limit S] [--only rotations]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import shapely

from bluehelmet.geography.boundaries import Boundaries
from bluehelmet.planning.casevac import (
    ASSETS,
    AviationAsset,
    CoverageProblem,
    Facility,
    TargetPlace,
    baseline_suggestion,
    coverage,
    suggest,
)
from bluehelmet.planning.rotation_files import rotation_problem_from_json
from bluehelmet.planning.rotation_model import plan_rotations
from bluehelmet.planning.rotations import baseline_rotations
from bluehelmet.planning.tasking import baseline_tasking, plan_tasking
from bluehelmet.planning.tasking_files import tasking_problem_from_json

START = date(2021, 6, 1)


def _day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def rotation_problem(rng: random.Random) -> dict[str, Any]:
    sectors, units = [], []
    for s in range(5):
        members = []
        for u in range(30):
            earliest = rng.randrange(0, 240)
            members.append(
                {
                    "id": f"S{s}-U{u}",
                    "sector": f"S{s}",
                    "strength": rng.choice([140, 150, 300, 650, 850]),
                    "rotation_days": rng.randint(14, 28),
                    "available_fraction_during_rotation": rng.choice([0.3, 0.5]),
                    "window": {"earliest": _day(earliest), "latest": _day(earliest + rng.randint(60, 120))},
                    "preferred_start": _day(earliest + rng.randint(0, 60)),
                }
            )
        total = sum(m["strength"] for m in members)
        high = rng.randrange(0, 270)
        sectors.append(
            {
                "id": f"S{s}",
                "min_available": int(total * 0.7),
                "max_concurrent_rotations": 3,
                "high_tempo": [{"start": _day(high), "end": _day(high + 90)}],
            }
        )
        units += members
    return {
        "horizon": {"start": _day(0), "end": _day(364)},
        "sectors": sectors,
        "airlift": {"personnel_per_week": 2500},
        "units": units,
    }


def tasking_problem(rng: random.Random) -> dict[str, Any]:
    places = [f"P{i}" for i in range(40)]
    capabilities = ["infantry", "police", "engineering", "convoy"]
    units = [
        {
            "id": f"U{i}",
            "capabilities": [rng.choices(capabilities, [6, 2, 1, 1])[0]],
            "base": rng.choice(places),
            "sector": f"S{i % 5}",
            "strength": rng.choice([140, 150, 300, 650]),
        }
        for i in range(300)
    ]
    tasks = []
    for j in range(1000):
        start = rng.randrange(0, 20)
        tasks.append(
            {
                "id": f"T{j}",
                "place": rng.choice(places),
                "sector": f"S{rng.randrange(5)}",
                "start": _day(start),
                "end": _day(start + rng.randint(0, 6)),
                "capability": rng.choices(capabilities, [6, 2, 1, 1])[0],
                "size": rng.choice([50, 100, 150, 200]),
                "priority": rng.randint(1, 3),
                "night": rng.random() < 0.3,
                "casevac_1h": rng.random() < 0.6,
                "kind": rng.choice(["patrol", "escort"]),
            }
        )
    kinds = ["within_sector_movement", "geographic", "no_night_operations", "casualty_evacuation_condition"]
    caveats = [{"id": f"C{k}", "unit": f"U{rng.randrange(300)}", "kind": rng.choice(kinds)} for k in range(60)]
    return {"units": units, "tasks": tasks, "caveats": caveats}


def coverage_problem(rng: random.Random) -> CoverageProblem:
    boundaries = Boundaries.load("MLI")
    assert boundaries is not None
    outline = shapely.union_all([g for _, g in boundaries.outlines()])
    camps = {
        "Gao": (16.27, -0.04),
        "Timbuktu": (16.77, -3.01),
        "Kidal": (18.44, 1.41),
        "Sévaré": (14.53, -4.10),
        "Tessalit": (20.20, 1.01),
        "Aguelhok": (19.46, 0.86),
        "Ménaka": (15.92, 2.40),
        "Ansongo": (15.66, 0.50),
        "Douentza": (15.00, -2.95),
        "Bamako": (12.64, -8.00),
        "Goundam": (16.41, -3.67),
        "Ber": (16.13, -3.40),
    }
    facilities = [Facility(f"L2 {n}", "level_2", *camps[n]) for n in ("Gao", "Timbuktu", "Kidal", "Sévaré")]
    facilities += [Facility(f"L1 {n}", "level_1", *p) for n, p in camps.items()]
    aviation = [AviationAsset(f"heli {n}", *camps[n], night=n == "Gao") for n in ("Gao", "Timbuktu", "Sévaré")]
    min_lon, min_lat, max_lon, max_lat = outline.bounds
    tasks = []
    while len(tasks) < 300:
        lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
        if outline.contains(shapely.Point(lon, lat)):
            tasks.append(TargetPlace(f"task {len(tasks)}", "task", ((lat, lon),)))
    bases = [TargetPlace(f"base {n}", "base", (p,)) for n, p in camps.items()]
    routes = [TargetPlace("route Gao - Tessit", "route", (camps["Gao"], (15.01, 0.29)))]
    return CoverageProblem(
        facilities=tuple(facilities),
        aviation=tuple(aviation),
        places=(*bases, *tasks, *routes),
        area=dict(shapely.geometry.mapping(outline)),
        resolution=7,
        suggest_count=3,
    )


def gap(best: float, baseline: float) -> str:
    if best == 0:
        return "n/a" if baseline == 0 else "inf"
    return f"{(best - baseline) / abs(best):+.1%}"


def _objective(o: Any) -> str:
    if o is None:
        return "-"
    return (
        f"high_tempo_unit_days={o.high_tempo_unit_days} min_margin={o.min_margin:g} deviation_days={o.deviation_days}"
    )


def _rotations(problem: Any, limits: list[float], workers: int | None) -> None:
    """Greedy, then CP-SAT at each time limit: the plan, its bound and gap, the time used."""
    t = time.perf_counter()
    greedy = baseline_rotations(problem)
    greedy_s = time.perf_counter() - t
    print(f"rotations: {len(problem.units)} units, {len(problem.sectors)} sectors, horizon {problem.horizon.days} days")
    print(
        f"  greedy  {greedy_s:7.2f} s  status={greedy.status:10} {_objective(greedy.objective) if greedy.objective else greedy.explanation}"
    )
    for limit in limits:
        best = plan_rotations(problem, time_limit=limit, workers=workers)
        o, b = best.objective, best.bound
        print(
            f"  cp-sat  {best.seconds:7.2f} s of {limit:g} s ({best.seconds / limit:.0%} used)  status={best.status:10} {_objective(o)}"
        )
        if o and b:
            print(
                f"          bound: {_objective(b)}; gap: high_tempo {o.high_tempo_unit_days - b.high_tempo_unit_days} "
                f"unit-days, min_margin {b.min_margin - o.min_margin:g} persons, deviation "
                f"{o.deviation_days - b.deviation_days} days; proven optimal: {best.proven_optimal}"
            )
        if greedy.objective and o:
            ratio = (
                f"{greedy.objective.high_tempo_unit_days / o.high_tempo_unit_days:.2f}x"
                if o.high_tempo_unit_days
                else "n/a"
            )
            print(
                f"          greedy / cp-sat high-tempo unit-days: {ratio}; gap of greedy to cp-sat: high_tempo "
                f"{gap(o.high_tempo_unit_days, greedy.objective.high_tempo_unit_days)}, min_margin "
                f"{o.min_margin - greedy.objective.min_margin:+g} persons, deviation {gap(o.deviation_days, greedy.objective.deviation_days)}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--rotation-limits", default="20,60", help="Time limits (s) for the rotation planner.")
    parser.add_argument("--workers", type=int, help="CP-SAT workers (default: up to 8, one per processor).")
    parser.add_argument("--only", choices=["rotations", "tasking", "coverage"], help="Run one planner only.")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    problem = rotation_problem_from_json(rotation_problem(rng))
    if args.only in (None, "rotations"):
        _rotations(problem, [float(x) for x in args.rotation_limits.split(",")], args.workers)
    if args.only == "rotations":
        return

    tasking = tasking_problem_from_json(tasking_problem(rng))
    t = time.perf_counter()
    greedy_t = baseline_tasking(tasking)
    greedy_s = time.perf_counter() - t
    best_t = plan_tasking(tasking, time_limit=args.time_limit)
    print(f"tasking: {len(tasking.units)} units, {len(tasking.tasks)} tasks, {len(tasking.caveats)} caveats")
    for name, tplan, seconds in (("greedy", greedy_t, greedy_s), ("cp-sat", best_t, best_t.seconds)):
        print(
            f"  {name:7} {seconds:7.2f} s  status={tplan.status:10} covered_tasks={tplan.covered_tasks} "
            f"covered_priority={tplan.covered_priority} of {tplan.priority}"
        )
    print(f"  gap of greedy to cp-sat (priority): {gap(best_t.covered_priority, greedy_t.covered_priority)}")

    cover = coverage_problem(rng)
    t = time.perf_counter()
    plan_c = coverage(replace(cover, suggest_count=1), with_cells=True, time_limit=args.time_limit)
    grid_s = time.perf_counter() - t
    print(
        f"coverage: Mali at H3 resolution 7: {plan_c.cell_count:,} cells, {len(cover.places)} places, {grid_s:.2f} s "
        f"(grid, places and one-asset suggestions)"
    )
    print(
        f"  day: advanced care within 1 h {plan_c.share_day['advanced_care']:.1%}, surgery within 2 h "
        f"{plan_c.share_day['surgery']:.1%}; night: {plan_c.share_night['advanced_care']:.1%} / {plan_c.share_night['surgery']:.1%}"
    )
    for asset in ASSETS:
        g = baseline_suggestion(cover, asset)
        s = suggest(cover, asset, time_limit=args.time_limit)
        print(
            f"  three more {asset} (at the {len(cover.places) - 301} camps): greedy {g.seconds:.2f} s covers {len(g.places_covered)} of {g.uncovered_before}"
            f" ({', '.join(g.sites)}); cp-sat {s.seconds:.2f} s covers {len(s.places_covered)} ({', '.join(s.sites)});"
            f" gap {gap(len(s.places_covered), len(g.places_covered))}"
        )


if __name__ == "__main__":
    main()
