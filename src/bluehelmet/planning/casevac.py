"""Casualty-evacuation coverage against the UN 10-1-2 targets, and where one more asset helps most.

Over an H3 grid of the mission area (and at every base, task place and point along a route),
the time to advanced care (any medical facility: level I, II, III or a forward surgical team;
target 1 hour) and to damage-control surgery (level II, level III or a forward surgical team;
target 2 hours) is the fastest of:

- by ground: straight-line distance to the facility over ``ground_speed_kmh``;
- by air: an aviation asset launches (``launch_delay_min``), flies from its base to the casualty
  and on to the nearest such facility at its cruise speed (great-circle distances).

By night only assets marked ``night`` fly. A place is outside the targets when either target is
missed. The suggestion places ``count`` more forward surgical teams (or helicopters) on candidate
sites so that the most uncovered tasks and routes come within both targets by day: CP-SAT solves
that maximum coverage exactly; ``baseline_suggestion`` adds the best site one at a time.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import h3
import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from bluehelmet.domain.distance import EARTH_RADIUS_KM

__all__ = [
    "ADVANCED_CARE_LEVELS",
    "ASSETS",
    "PLACE_KINDS",
    "SURGICAL_LEVELS",
    "AviationAsset",
    "CellTimes",
    "CoveragePlan",
    "CoverageProblem",
    "Facility",
    "PlaceTimes",
    "Suggestion",
    "TargetPlace",
    "baseline_suggestion",
    "coverage",
    "point_times",
    "suggest",
]

ADVANCED_CARE_LEVELS = frozenset({"level_1", "level_2", "level_3", "forward_surgical_team"})
SURGICAL_LEVELS = frozenset({"level_2", "level_3", "forward_surgical_team"})
PLACE_KINDS = ("base", "task", "route")
ASSETS = ("forward_surgical_team", "helicopter")
Points = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Facility:
    id: str
    level: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class AviationAsset:
    id: str
    latitude: float
    longitude: float
    speed_kmh: float = 220.0
    launch_delay_min: float = 30.0
    day: bool = True
    night: bool = False


@dataclass(frozen=True)
class TargetPlace:
    """A base, a task place (one point) or a route (a line of points, sampled along its legs)."""

    id: str
    kind: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class CoverageProblem:
    facilities: tuple[Facility, ...]
    aviation: tuple[AviationAsset, ...]
    places: tuple[TargetPlace, ...] = ()
    #: The mission area as a GeoJSON Polygon or MultiPolygon (longitude, latitude), or its cells.
    area: dict[str, Any] | None = None
    cells: tuple[str, ...] = ()
    resolution: int = 6
    ground_speed_kmh: float = 30.0
    advanced_care_minutes: float = 60.0
    surgery_minutes: float = 120.0
    route_step_km: float = 10.0
    #: Sites where one more asset could go (default: the bases and task places).
    candidates: tuple[TargetPlace, ...] = ()
    suggest_count: int = 1
    helicopter: AviationAsset = field(default_factory=lambda: AviationAsset("new helicopter", 0.0, 0.0))


@dataclass(frozen=True)
class CellTimes:
    """Minutes to advanced care and to surgery, by day and by night (None: not reachable)."""

    cell: str
    advanced_day: float | None
    surgery_day: float | None
    advanced_night: float | None
    surgery_night: float | None


@dataclass(frozen=True)
class PlaceTimes:
    """A place's worst point: minutes to advanced care and surgery, and whether both targets are met."""

    id: str
    kind: str
    advanced_day: float | None
    surgery_day: float | None
    advanced_night: float | None
    surgery_night: float | None
    meets_day: bool
    meets_night: bool


@dataclass(frozen=True)
class Suggestion:
    asset: str
    sites: tuple[str, ...]
    places_covered: tuple[str, ...]
    uncovered_before: int
    solver: str
    seconds: float = 0.0


@dataclass(frozen=True)
class CoveragePlan:
    resolution: int
    cell_count: int
    #: Empty unless asked for (``with_cells``): one row per cell, a map layer.
    cells: tuple[CellTimes, ...]
    share_day: dict[str, float]
    share_night: dict[str, float]
    places: tuple[PlaceTimes, ...]
    outside_day: dict[str, tuple[str, ...]]
    outside_night: dict[str, tuple[str, ...]]
    suggestions: tuple[Suggestion, ...]
    seconds: float = 0.0


def _distances(lat: Points, lon: Points, sites: list[tuple[float, float]]) -> Points:
    """Great-circle km from each point (rows) to each site (columns)."""
    if not sites:
        return np.empty((len(lat), 0))
    phi1, lam1 = np.radians(lat)[:, None], np.radians(lon)[:, None]
    phi2 = np.radians(np.array([s[0] for s in sites]))[None, :]
    lam2 = np.radians(np.array([s[1] for s in sites]))[None, :]
    h = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    km: Points = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return km


def _nearest(distances: Points) -> Points:
    if distances.shape[1]:
        nearest: Points = distances.min(axis=1)
        return nearest
    return np.full(distances.shape[0], np.inf)


def point_times(
    problem: CoverageProblem,
    lat: Points,
    lon: Points,
    extra: tuple[Facility, ...] | list[Facility] = (),
    extra_air: tuple[AviationAsset, ...] | list[AviationAsset] = (),
) -> dict[str, Points]:
    """Minutes to advanced care and to surgery at each point, by day and night."""
    facilities = [*problem.facilities, *extra]
    aviation = [*problem.aviation, *extra_air]
    result: dict[str, Points] = {}
    for target, levels in (("advanced", ADVANCED_CARE_LEVELS), ("surgery", SURGICAL_LEVELS)):
        chosen = [(f.latitude, f.longitude) for f in facilities if f.level in levels]
        to_care = _nearest(_distances(lat, lon, chosen))
        ground = (
            to_care / problem.ground_speed_kmh * 60.0 if problem.ground_speed_kmh > 0 else np.full(len(lat), np.inf)
        )
        from_base = _distances(lat, lon, [(a.latitude, a.longitude) for a in aviation])
        for period in ("day", "night"):
            best = ground.copy()
            for k, asset in enumerate(aviation):
                if asset.day if period == "day" else asset.night:
                    flight = asset.launch_delay_min + (from_base[:, k] + to_care) / asset.speed_kmh * 60.0
                    best = np.minimum(best, flight)
            result[f"{target}_{period}"] = best
    return result


def _minutes(value: float) -> float | None:
    return None if math.isinf(value) else round(float(value), 1)


def _route_points(problem: CoverageProblem, place: TargetPlace) -> list[tuple[float, float]]:
    """A place's points; a route's legs sampled every ``route_step_km`` along the straight line."""
    if place.kind != "route" or len(place.points) < 2:
        return list(place.points)
    points = [place.points[0]]
    for (lat1, lon1), (lat2, lon2) in zip(place.points, place.points[1:], strict=False):
        length = float(_distances(np.array([lat1]), np.array([lon1]), [(lat2, lon2)])[0, 0])
        steps = max(1, math.ceil(length / problem.route_step_km))
        points += [(lat1 + (lat2 - lat1) * s / steps, lon1 + (lon2 - lon1) * s / steps) for s in range(1, steps + 1)]
    return points


def _grid(problem: CoverageProblem) -> list[str]:
    if problem.cells:
        return list(problem.cells)
    if problem.area is None:
        return []
    return sorted(h3.geo_to_cells(problem.area, problem.resolution))


def coverage(problem: CoverageProblem, *, time_limit: float = 10.0, with_cells: bool = True) -> CoveragePlan:
    """The times over the grid and at every place, the places outside the targets, and the suggestions."""
    began = time.monotonic()
    cells = _grid(problem)
    centres = [h3.cell_to_latlng(c) for c in cells]
    lat = np.array([c[0] for c in centres], dtype=float)
    lon = np.array([c[1] for c in centres], dtype=float)
    grid = point_times(problem, lat, lon)
    share = {}
    for period in ("day", "night"):
        within = {
            "advanced_care": grid[f"advanced_{period}"] <= problem.advanced_care_minutes,
            "surgery": grid[f"surgery_{period}"] <= problem.surgery_minutes,
        }
        both = within["advanced_care"] & within["surgery"]
        share[period] = {
            k: round(float(v.mean()), 4) if len(cells) else 0.0 for k, v in {**within, "both": both}.items()
        }
    rows = (
        tuple(
            CellTimes(
                c, *(_minutes(grid[k][i]) for k in ("advanced_day", "surgery_day", "advanced_night", "surgery_night"))
            )
            for i, c in enumerate(cells)
        )
        if with_cells
        else ()
    )
    places = _place_times(problem)
    outside_day = {k: tuple(p.id for p in places if p.kind == k and not p.meets_day) for k in PLACE_KINDS}
    outside_night = {k: tuple(p.id for p in places if p.kind == k and not p.meets_night) for k in PLACE_KINDS}
    suggestions = tuple(suggest(problem, asset, time_limit=time_limit / 2) for asset in ASSETS)
    return CoveragePlan(
        problem.resolution,
        len(cells),
        rows,
        share["day"],
        share["night"],
        places,
        outside_day,
        outside_night,
        suggestions,
        time.monotonic() - began,
    )


def _place_times(problem: CoverageProblem) -> tuple[PlaceTimes, ...]:
    rows = []
    for place in problem.places:
        points = _route_points(problem, place)
        times = point_times(problem, np.array([p[0] for p in points]), np.array([p[1] for p in points]))
        worst = {k: float(v.max()) for k, v in times.items()}
        advanced_day, surgery_day = worst["advanced_day"], worst["surgery_day"]
        advanced_night, surgery_night = worst["advanced_night"], worst["surgery_night"]
        rows.append(
            PlaceTimes(
                id=place.id,
                kind=place.kind,
                advanced_day=_minutes(advanced_day),
                surgery_day=_minutes(surgery_day),
                advanced_night=_minutes(advanced_night),
                surgery_night=_minutes(surgery_night),
                meets_day=advanced_day <= problem.advanced_care_minutes and surgery_day <= problem.surgery_minutes,
                meets_night=advanced_night <= problem.advanced_care_minutes
                and surgery_night <= problem.surgery_minutes,
            )
        )
    return tuple(rows)


# ---------------------------------------------------------------- one more asset


@dataclass(frozen=True)
class _Choices:
    """For the uncovered task places: which candidate sites meet which target at which point."""

    sites: list[TargetPlace]
    places: list[TargetPlace]
    #: For each uncovered place, for each of its (point, target) needs not yet met: the sites meeting it.
    needs: list[list[set[int]]]
    uncovered_before: int


def _choices(problem: CoverageProblem, asset: str) -> _Choices:
    tasks = [p for p in problem.places if p.kind in ("task", "route")]
    sites = list(problem.candidates) or [p for p in problem.places if p.kind in ("base", "task") and p.points]
    sites = list({s.id: s for s in sites}.values())
    lat: list[float] = []
    lon: list[float] = []
    owner: list[int] = []
    for k, place in enumerate(tasks):
        for point in _route_points(problem, place):
            lat.append(point[0])
            lon.append(point[1])
            owner.append(k)
    la, lo = np.array(lat, dtype=float), np.array(lon, dtype=float)
    targets = {"advanced_day": problem.advanced_care_minutes, "surgery_day": problem.surgery_minutes}
    old = point_times(problem, la, lo)
    met = {g: old[g] <= limit for g, limit in targets.items()}
    by_site = []
    for site in sites:
        at = site.points[0]
        if asset == "forward_surgical_team":
            times = point_times(_without(problem, facilities=True), la, lo, [Facility(site.id, asset, at[0], at[1])])
        else:
            helicopter = AviationAsset(
                site.id,
                at[0],
                at[1],
                problem.helicopter.speed_kmh,
                problem.helicopter.launch_delay_min,
                True,
                problem.helicopter.night,
            )
            times = point_times(_without(problem, facilities=False), la, lo, extra_air=[helicopter])
        by_site.append({g: times[g] <= limit for g, limit in targets.items()})
    place_ok = [True] * len(tasks)
    for i, k in enumerate(owner):
        place_ok[k] = place_ok[k] and all(bool(met[g][i]) for g in targets)
    uncovered = [k for k in range(len(tasks)) if not place_ok[k]]
    needs: list[list[set[int]]] = [[] for _ in uncovered]
    slot = {k: n for n, k in enumerate(uncovered)}
    for i, k in enumerate(owner):
        if k in slot:
            for g in targets:
                if not met[g][i]:
                    needs[slot[k]].append({s for s in range(len(sites)) if by_site[s][g][i]})
    return _Choices(sites, [tasks[k] for k in uncovered], needs, len(uncovered))


def _without(problem: CoverageProblem, *, facilities: bool) -> CoverageProblem:
    """The problem with only the new asset's way of helping: a new facility is reached by ground or
    by the existing aircraft; a new aircraft flies to the existing facilities."""
    if facilities:
        return CoverageProblem(facilities=(), aviation=problem.aviation, ground_speed_kmh=problem.ground_speed_kmh)
    return CoverageProblem(facilities=problem.facilities, aviation=(), ground_speed_kmh=0.0)


def _covered(choices: _Choices, chosen: set[int]) -> list[int]:
    return [n for n, needs in enumerate(choices.needs) if all(need & chosen for need in needs)]


def _suggestion(choices: _Choices, asset: str, chosen: list[int], solver: str, began: float) -> Suggestion:
    return Suggestion(
        asset,
        tuple(choices.sites[s].id for s in chosen),
        tuple(choices.places[n].id for n in _covered(choices, set(chosen))),
        choices.uncovered_before,
        solver,
        time.monotonic() - began,
    )


def _greedy_sites(choices: _Choices, count: int) -> list[int]:
    chosen: list[int] = []
    for _ in range(min(count, len(choices.sites))):
        best = max(
            (s for s in range(len(choices.sites)) if s not in chosen),
            key=lambda s: (len(_covered(choices, {*chosen, s})), -s),
        )
        chosen.append(best)
    return chosen


def baseline_suggestion(problem: CoverageProblem, asset: str) -> Suggestion:
    """Greedy: add, ``suggest_count`` times, the site that brings the most uncovered tasks within both targets."""
    began = time.monotonic()
    choices = _choices(problem, asset)
    return _suggestion(choices, asset, _greedy_sites(choices, problem.suggest_count), "greedy", began)


def suggest(problem: CoverageProblem, asset: str, *, time_limit: float = 5.0, workers: int | None = None) -> Suggestion:
    """The ``suggest_count`` sites for ``asset`` ("forward_surgical_team" or "helicopter") that bring
    the most uncovered tasks and routes within both targets by day (maximum coverage, CP-SAT)."""
    began = time.monotonic()
    choices = _choices(problem, asset)
    greedy = _greedy_sites(choices, problem.suggest_count)
    if not choices.needs or not choices.sites:
        return _suggestion(choices, asset, greedy, "cp-sat", began)
    model = cp_model.CpModel()
    y = [model.new_bool_var(f"site {s.id}") for s in choices.sites]
    model.add(sum(y) <= problem.suggest_count)
    z = [model.new_bool_var(f"covered {p.id}") for p in choices.places]
    for n, needs in enumerate(choices.needs):
        for need in needs:
            model.add(sum(y[s] for s in need) >= z[n])
    model.maximize(sum(z))
    for s in greedy:
        model.add_hint(y[s], True)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers or min(8, os.cpu_count() or 1)
    status = solver.solve(model)
    chosen = (
        [s for s in range(len(y)) if solver.boolean_value(y[s])]
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        else []
    )
    if len(_covered(choices, set(chosen))) < len(_covered(choices, set(greedy))):
        chosen = greedy
    return _suggestion(choices, asset, chosen, "cp-sat", began)
