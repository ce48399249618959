"""Casualty-evacuation coverage against the UN 10-1-2 targets, and where one more asset helps most.

Over an H3 grid of the mission area (and at every base, task place and point along a route),
the minutes to advanced care (target 1 hour) and to damage-control surgery (target 2 hours), by
day and by night, with what gives each place's time (``casevac_times``). A place is outside the
targets when either is missed. ``casevac_sites`` suggests where one more level I facility,
forward surgical team, helicopter or night-flying helicopter helps most, with the minutes it
saves at each place it improves.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import h3
import numpy as np

from bluehelmet.planning.casevac_sites import ASSETS, PlaceGain, Suggestion, baseline_suggestion, suggest
from bluehelmet.planning.casevac_times import (
    ADVANCED_CARE_LEVELS,
    HOURS,
    MEASURES,
    PLACE_KINDS,
    SURGICAL_LEVELS,
    AviationAsset,
    CellTimes,
    CoverageProblem,
    Facility,
    PlaceTimes,
    TargetPlace,
    minutes,
    place_times,
    point_times,
)
from bluehelmet.planning.reading import InvalidProblem

__all__ = [
    "ADVANCED_CARE_LEVELS",
    "ASSETS",
    "HOURS",
    "MAX_CELLS",
    "MEASURES",
    "PLACE_KINDS",
    "SURGICAL_LEVELS",
    "AviationAsset",
    "CellTimes",
    "CoveragePlan",
    "CoverageProblem",
    "Facility",
    "PlaceGain",
    "PlaceTimes",
    "Suggestion",
    "TargetPlace",
    "baseline_suggestion",
    "coverage",
    "grid",
    "point_times",
    "suggest",
]


#: The most cells a coverage is computed over (Mali at resolution 7 is about 250,000).
MAX_CELLS = 1_000_000


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
    #: The facilities counted (a battalion's own level I among them), with their hours.
    facilities: tuple[Facility, ...] = ()


def _area_km2(area: dict[str, Any]) -> float:
    """The area of a GeoJSON Polygon or MultiPolygon, in km² (each ring projected about its own
    middle latitude: close enough to bound the cells, which is all it is for)."""
    polygons = [area.get("coordinates") or []] if area.get("type") == "Polygon" else area.get("coordinates") or []
    total = 0.0
    for polygon in polygons:
        for n, ring in enumerate(polygon):
            points = [(float(p[0]), float(p[1])) for p in ring if len(p) >= 2]
            if len(points) < 3:
                continue
            middle = math.radians(sum(p[1] for p in points) / len(points))
            xy = [(lon * 111.32 * math.cos(middle), lat * 110.57) for lon, lat in points]
            twice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1], strict=True))
            total += abs(twice) / 2 * (1 if n == 0 else -1)  # holes are taken out
    return max(0.0, total)


def grid(problem: CoverageProblem) -> list[str]:
    """The H3 cells of the problem's area (or its cells); refused, before any is cut, when the
    area holds more than ``MAX_CELLS`` at the resolution asked."""
    if problem.cells:
        return list(problem.cells)
    if problem.area is None:
        return []
    estimate = _area_km2(problem.area) / h3.average_hexagon_area(problem.resolution, "km^2")
    if estimate > MAX_CELLS:
        finest = next(
            (r for r in range(problem.resolution, -1, -1)
             if _area_km2(problem.area) / h3.average_hexagon_area(r, "km^2") <= MAX_CELLS),
            0,
        )  # fmt: skip
        raise InvalidProblem(
            "resolution",
            f"H3 resolution {problem.resolution} cuts the area into about {estimate:,.0f} cells; at most "
            f"{MAX_CELLS:,} are computed (resolution {finest} or coarser here)",
        )
    return sorted(h3.geo_to_cells(problem.area, problem.resolution))


def coverage(problem: CoverageProblem, *, time_limit: float = 10.0, with_cells: bool = True) -> CoveragePlan:
    """The times over the grid and at every place, the places outside the targets, and the suggestions."""
    began = time.monotonic()
    cells = grid(problem)
    centres = [h3.cell_to_latlng(c) for c in cells]
    lat = np.array([c[0] for c in centres], dtype=float)
    lon = np.array([c[1] for c in centres], dtype=float)
    times = point_times(problem, lat, lon)
    share = {}
    for period in ("day", "night"):
        within = {
            "advanced_care": times[f"advanced_{period}"] <= problem.advanced_care_minutes,
            "surgery": times[f"surgery_{period}"] <= problem.surgery_minutes,
        }
        both = within["advanced_care"] & within["surgery"]
        share[period] = {
            k: round(float(v.mean()), 4) if len(cells) else 0.0 for k, v in {**within, "both": both}.items()
        }
    rows = (
        tuple(CellTimes(c, *(minutes(times[k][i]) for k in MEASURES)) for i, c in enumerate(cells))
        if with_cells
        else ()
    )
    places = place_times(problem)
    outside_day = {k: tuple(p.id for p in places if p.kind == k and not p.meets_day) for k in PLACE_KINDS}
    outside_night = {k: tuple(p.id for p in places if p.kind == k and not p.meets_night) for k in PLACE_KINDS}
    share_of_time = time_limit / (2 * len(ASSETS))
    suggestions = (
        tuple(suggest(problem, asset, time_limit=share_of_time) for asset in ASSETS) if problem.suggest_count else ()
    )
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
        problem.facilities,
    )
