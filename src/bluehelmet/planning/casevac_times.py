"""Minutes to advanced care and to surgery at any point, by day and by night, and what gives them.

The time to a target at a point is the fastest of:

- by ground: straight-line distance to the nearest facility of the target's levels open in that
  period, over ``ground_speed_kmh``;
- by air: an aviation asset flying in that period launches (``launch_delay_min``), flies from its
  base to the casualty and on to the nearest such facility at its cruise speed.

Advanced care is any facility (level I, II, III or a forward surgical team), surgery level II,
III or a forward surgical team. A facility keeps its hours: one open by day only is not counted
by night. With each time goes what gives it ("by road to MED L2 Gao", "AVN Timbuktu to MED L2
Timbuktu"), so a medical planner knows which facility or aircraft a place depends on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from bluehelmet.domain.distance import EARTH_RADIUS_KM

__all__ = [
    "ADVANCED_CARE_LEVELS",
    "HOURS",
    "MEASURES",
    "PLACE_KINDS",
    "SURGICAL_LEVELS",
    "UNREACHABLE",
    "AviationAsset",
    "CellTimes",
    "CoverageProblem",
    "Facility",
    "PlaceTimes",
    "TargetPlace",
    "distances",
    "minutes",
    "place_times",
    "point_times",
    "route_points",
]

ADVANCED_CARE_LEVELS = frozenset({"level_1", "level_2", "level_3", "forward_surgical_team"})
SURGICAL_LEVELS = frozenset({"level_2", "level_3", "forward_surgical_team"})
PLACE_KINDS = ("base", "task", "route")
#: A facility's hours: open day and night, by day only, or by night only.
HOURS = ("24h", "day", "night")
MEASURES = ("advanced_day", "surgery_day", "advanced_night", "surgery_night")
UNREACHABLE = "no facility within reach"
Points = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Facility:
    id: str
    level: str
    latitude: float
    longitude: float
    hours: str = "24h"
    #: Where the facility comes from, when not a unit of its own ("the level 1 of INFBAT Gao").
    source: str = ""

    def open_in(self, period: str) -> bool:
        return self.hours in ("24h", period)


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
    #: Sites where one more asset could go (default: the bases alone, never a task's village).
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
    """A place's worst point: minutes to advanced care and surgery, whether both targets are met,
    and per measure what gives the time (``via``)."""

    id: str
    kind: str
    advanced_day: float | None
    surgery_day: float | None
    advanced_night: float | None
    surgery_night: float | None
    meets_day: bool
    meets_night: bool
    via: dict[str, str] = field(default_factory=dict)


def distances(lat: Points, lon: Points, sites: list[tuple[float, float]]) -> Points:
    """Great-circle km from each point (rows) to each site (columns)."""
    if not sites:
        return np.empty((len(lat), 0))
    phi1, lam1 = np.radians(lat)[:, None], np.radians(lon)[:, None]
    phi2 = np.radians(np.array([s[0] for s in sites]))[None, :]
    lam2 = np.radians(np.array([s[1] for s in sites]))[None, :]
    h = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    km: Points = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return km


def point_times(
    problem: CoverageProblem,
    lat: Points,
    lon: Points,
    extra: tuple[Facility, ...] | list[Facility] = (),
    extra_air: tuple[AviationAsset, ...] | list[AviationAsset] = (),
    *,
    sources: dict[str, list[str]] | None = None,
) -> dict[str, Points]:
    """Minutes to advanced care and to surgery at each point, by day and night (``MEASURES``);
    with ``sources``, that dict is filled with what gives each point's time, per measure."""
    facilities = [*problem.facilities, *extra]
    aviation = [*problem.aviation, *extra_air]
    from_base = distances(lat, lon, [(a.latitude, a.longitude) for a in aviation])
    result: dict[str, Points] = {}
    for target, levels in (("advanced", ADVANCED_CARE_LEVELS), ("surgery", SURGICAL_LEVELS)):
        for period in ("day", "night"):
            chosen = [f for f in facilities if f.level in levels and f.open_in(period)]
            km = distances(lat, lon, [(f.latitude, f.longitude) for f in chosen])
            to_care = km.min(axis=1) if chosen else np.full(len(lat), np.inf)
            care = km.argmin(axis=1) if chosen else np.zeros(len(lat), dtype=int)
            speed = problem.ground_speed_kmh
            best = to_care / speed * 60.0 if speed > 0 else np.full(len(lat), np.inf)
            by = np.full(len(lat), -1)
            for k, asset in enumerate(aviation):
                if asset.day if period == "day" else asset.night:
                    flight = asset.launch_delay_min + (from_base[:, k] + to_care) / asset.speed_kmh * 60.0
                    by = np.where(flight < best, k, by)
                    best = np.minimum(best, flight)
            key = f"{target}_{period}"
            result[key] = best
            if sources is not None:
                sources[key] = [
                    UNREACHABLE
                    if math.isinf(best[i])
                    else (
                        f"by road to {chosen[care[i]].id}"
                        if by[i] < 0
                        else f"{aviation[by[i]].id} to {chosen[care[i]].id}"
                    )
                    for i in range(len(lat))
                ]
    return result


def minutes(value: float) -> float | None:
    return None if math.isinf(value) else round(float(value), 1)


def route_points(problem: CoverageProblem, place: TargetPlace) -> list[tuple[float, float]]:
    """A place's points; a route's legs sampled every ``route_step_km`` along the straight line."""
    if place.kind != "route" or len(place.points) < 2:
        return list(place.points)
    points = [place.points[0]]
    for (lat1, lon1), (lat2, lon2) in zip(place.points, place.points[1:], strict=False):
        length = float(distances(np.array([lat1]), np.array([lon1]), [(lat2, lon2)])[0, 0])
        steps = max(1, math.ceil(length / problem.route_step_km))
        points += [(lat1 + (lat2 - lat1) * s / steps, lon1 + (lon2 - lon1) * s / steps) for s in range(1, steps + 1)]
    return points


def place_times(problem: CoverageProblem) -> tuple[PlaceTimes, ...]:
    """Every place's worst point, with what gives its time."""
    rows = []
    for place in problem.places:
        points = route_points(problem, place)
        sources: dict[str, list[str]] = {}
        times = point_times(
            problem, np.array([p[0] for p in points]), np.array([p[1] for p in points]), sources=sources
        )
        worst = {k: int(np.argmax(v)) for k, v in times.items()}
        value = {k: float(times[k][i]) for k, i in worst.items()}
        rows.append(
            PlaceTimes(
                id=place.id,
                kind=place.kind,
                advanced_day=minutes(value["advanced_day"]),
                surgery_day=minutes(value["surgery_day"]),
                advanced_night=minutes(value["advanced_night"]),
                surgery_night=minutes(value["surgery_night"]),
                meets_day=value["advanced_day"] <= problem.advanced_care_minutes
                and value["surgery_day"] <= problem.surgery_minutes,
                meets_night=value["advanced_night"] <= problem.advanced_care_minutes
                and value["surgery_night"] <= problem.surgery_minutes,
                via={k: sources[k][i] for k, i in worst.items()},
            )
        )
    return tuple(rows)
