"""Where one more medical asset helps most, and the minutes it saves at each place it improves.

Four assets are weighed apart, each against the target it can meet:

- ``level_1``: a level I facility, reached by road or by the existing aircraft: advanced care
  within the hour by day (it helps by night too, and that is counted in the minutes saved);
- ``forward_surgical_team``: reached the same way: advanced care and surgery by day;
- ``helicopter``: flying by day to the existing facilities: both targets by day;
- ``night_helicopter``: one that flies by day and by night: both targets by night.

Sites are the problem's ``candidates``, else its bases: a camp, a base or an airfield, never the
village a task went to. ``suggest_count`` sites are chosen to bring the most places (bases, task
places and routes) within the asset's target, then to save the most minutes where they do not
bring a place within it: CP-SAT solves that exactly; ``baseline_suggestion`` adds the best site
one at a time, and the solver's answer is never returned worse than it.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from bluehelmet.planning.casevac_times import (
    AviationAsset,
    CoverageProblem,
    Facility,
    Points,
    TargetPlace,
    minutes,
    point_times,
    route_points,
)

__all__ = ["ASSETS", "PlaceGain", "Suggestion", "baseline_suggestion", "suggest"]

#: Per asset: the measures it must bring within their targets, and those whose minutes it saves.
ASSETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "level_1": (("advanced_day",), ("advanced_day", "advanced_night")),
    "forward_surgical_team": (
        ("advanced_day", "surgery_day"),
        ("advanced_day", "surgery_day", "advanced_night", "surgery_night"),
    ),
    "helicopter": (("advanced_day", "surgery_day"), ("advanced_day", "surgery_day")),
    "night_helicopter": (
        ("advanced_night", "surgery_night"),
        ("advanced_day", "surgery_day", "advanced_night", "surgery_night"),
    ),
}
#: Minutes counted for a place brought within reach from none (its saving has no finite size).
_FROM_NOTHING = 1000


@dataclass(frozen=True)
class PlaceGain:
    """At ``place``, the worst point's minutes for ``measure`` before and with the suggestion
    (``before`` None: nothing reached it)."""

    place: str
    measure: str
    before: float | None
    after: float | None
    saved: float | None


@dataclass(frozen=True)
class Suggestion:
    asset: str
    sites: tuple[str, ...]
    #: The places brought within the asset's target.
    places_covered: tuple[str, ...]
    #: The places outside the asset's target before.
    uncovered_before: int
    solver: str
    seconds: float = 0.0
    gains: tuple[PlaceGain, ...] = ()


@dataclass(frozen=True)
class _Choices:
    sites: list[TargetPlace]
    places: list[TargetPlace]
    #: Per place outside the target, per (point, measure) not met: the sites that meet it.
    needs: dict[int, list[set[int]]]
    #: Per place, per site: the minutes saved over the asset's measures (capped when from none).
    saved: list[list[int]]


def _limits(problem: CoverageProblem) -> dict[str, float]:
    return {
        f"{target}_{period}": limit
        for target, limit in (("advanced", problem.advanced_care_minutes), ("surgery", problem.surgery_minutes))
        for period in ("day", "night")
    }


def _times(problem: CoverageProblem, asset: str, site: TargetPlace, lat: Points, lon: Points) -> dict[str, Points]:
    """The minutes the new asset alone gives at each point: a facility reached by road or by the
    existing aircraft; an aircraft flying to the existing facilities."""
    at = site.points[0]
    if asset in ("level_1", "forward_surgical_team"):
        alone = CoverageProblem(facilities=(), aviation=problem.aviation, ground_speed_kmh=problem.ground_speed_kmh)
        return point_times(alone, lat, lon, extra=[Facility(site.id, asset, at[0], at[1])])
    h = problem.helicopter
    night = asset == "night_helicopter" or h.night
    helicopter = AviationAsset(site.id, at[0], at[1], h.speed_kmh, h.launch_delay_min, True, night)
    return point_times(replace(problem, aviation=(), ground_speed_kmh=0.0), lat, lon, extra_air=[helicopter])


def _sites(problem: CoverageProblem) -> list[TargetPlace]:
    sites = list(problem.candidates) or [p for p in problem.places if p.kind == "base" and p.points]
    return list({s.id: s for s in sites}.values())


def _choices(problem: CoverageProblem, asset: str) -> _Choices:
    covers, saves = ASSETS[asset]
    limits = _limits(problem)
    places = list(problem.places)
    sites = _sites(problem)
    owner: list[int] = []
    lat: list[float] = []
    lon: list[float] = []
    for k, place in enumerate(places):
        for point in route_points(problem, place):
            lat.append(point[0])
            lon.append(point[1])
            owner.append(k)
    la, lo, own = np.array(lat, dtype=float), np.array(lon, dtype=float), np.array(owner, dtype=int)
    old = point_times(problem, la, lo)
    needs: dict[int, list[set[int]]] = {}
    for i, k in enumerate(owner):
        for m in covers:
            if not old[m][i] <= limits[m]:
                needs.setdefault(k, []).append(set())
    saved = [[0] * len(sites) for _ in places]
    for s, site in enumerate(sites):
        new = _times(problem, asset, site, la, lo)
        slot: dict[int, int] = {}
        for i, k in enumerate(owner):
            for m in covers:
                if not old[m][i] <= limits[m]:
                    if new[m][i] <= limits[m]:
                        needs[k][slot.get(k, 0)].add(s)
                    slot[k] = slot.get(k, 0) + 1
        for k in range(len(places)):
            mask = own == k
            total = 0.0
            for m in saves:
                before, after = float(old[m][mask].max()), float(np.minimum(old[m], new[m])[mask].max())
                if math.isinf(before):
                    total += 0 if math.isinf(after) else _FROM_NOTHING
                else:
                    total += before - after
            saved[k][s] = round(total)
    return _Choices(sites, places, needs, saved)


def _covered(choices: _Choices, chosen: set[int]) -> list[int]:
    return [k for k, needs in choices.needs.items() if all(need & chosen for need in needs)]


def _key(choices: _Choices, chosen: set[int]) -> tuple[int, int]:
    """Places brought within the target, then minutes saved (each place by its best site)."""
    saving = sum(max((row[s] for s in chosen), default=0) for row in choices.saved)
    return len(_covered(choices, chosen)), saving


def _greedy_sites(choices: _Choices, count: int) -> list[int]:
    chosen: list[int] = []
    for _ in range(min(count, len(choices.sites))):
        best = max(
            (s for s in range(len(choices.sites)) if s not in chosen), key=lambda s: (_key(choices, {*chosen, s}), -s)
        )
        if _key(choices, {*chosen, best}) <= _key(choices, set(chosen)):
            break  # nothing left that helps: no site is suggested for nothing
        chosen.append(best)
    return chosen


def _gains(problem: CoverageProblem, asset: str, sites: list[TargetPlace]) -> tuple[PlaceGain, ...]:
    """Every place and measure the chosen sites improve, before and after."""
    if not sites:
        return ()
    _, saves = ASSETS[asset]
    rows = []
    for place in problem.places:
        points = route_points(problem, place)
        la, lo = np.array([p[0] for p in points]), np.array([p[1] for p in points])
        old = point_times(problem, la, lo)
        new = [_times(problem, asset, site, la, lo) for site in sites]
        for m in saves:
            before = float(old[m].max())
            after = float(np.minimum.reduce([old[m], *(n[m] for n in new)]).max())
            if after < before - 0.05:
                saved = None if math.isinf(before) else round(before - after, 1)
                rows.append(PlaceGain(place.id, m, minutes(before), minutes(after), saved))
    return tuple(rows)


def _suggestion(
    problem: CoverageProblem, choices: _Choices, asset: str, chosen: list[int], solver: str, began: float
) -> Suggestion:
    chosen = sorted(chosen)
    return Suggestion(
        asset,
        tuple(choices.sites[s].id for s in chosen),
        tuple(choices.places[k].id for k in sorted(_covered(choices, set(chosen)))),
        len(choices.needs),
        solver,
        time.monotonic() - began,
        _gains(problem, asset, [choices.sites[s] for s in chosen]),
    )


def baseline_suggestion(problem: CoverageProblem, asset: str) -> Suggestion:
    """Greedy: add, ``suggest_count`` times, the site that brings the most places within the target
    (then saves the most minutes)."""
    began = time.monotonic()
    choices = _choices(problem, asset)
    return _suggestion(problem, choices, asset, _greedy_sites(choices, problem.suggest_count), "greedy", began)


def suggest(problem: CoverageProblem, asset: str, *, time_limit: float = 5.0, workers: int | None = None) -> Suggestion:
    """The ``suggest_count`` sites for ``asset`` (one of ``ASSETS``) that bring the most places
    within its target, then save the most minutes (maximum coverage, CP-SAT)."""
    began = time.monotonic()
    choices = _choices(problem, asset)
    greedy = _greedy_sites(choices, problem.suggest_count)
    if not choices.sites or problem.suggest_count == 0:
        return _suggestion(problem, choices, asset, greedy, "cp-sat", began)
    model = cp_model.CpModel()
    y = [model.new_bool_var(f"site {s.id}") for s in choices.sites]
    model.add(sum(y) <= problem.suggest_count)
    z = {k: model.new_bool_var(f"covered {choices.places[k].id}") for k in choices.needs}
    for k, needs in choices.needs.items():
        for need in needs:
            model.add(sum(y[s] for s in need) >= z[k])
    gain = []
    for k, row in enumerate(choices.saved):
        picks = {s: model.new_bool_var(f"{k} by {s}") for s, value in enumerate(row) if value > 0}
        for s, pick in picks.items():
            model.add_implication(pick, y[s])
            gain.append(row[s] * pick)
        model.add(sum(picks.values()) <= 1)
    weight = sum(max(row, default=0) for row in choices.saved) + 1
    model.maximize(weight * sum(z.values()) + sum(gain))
    for s in greedy:
        model.add_hint(y[s], True)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers or min(8, os.cpu_count() or 1)
    solver.parameters.random_seed = 1
    status = solver.solve(model)
    chosen = (
        [s for s in range(len(y)) if solver.boolean_value(y[s])]
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        else []
    )
    for s in list(chosen):  # a site the others make useless is not suggested
        if _key(choices, set(chosen) - {s}) >= _key(choices, set(chosen)):
            chosen.remove(s)
    if _key(choices, set(chosen)) < _key(choices, set(greedy)):
        chosen = greedy
    return _suggestion(problem, choices, asset, chosen, "cp-sat", began)
