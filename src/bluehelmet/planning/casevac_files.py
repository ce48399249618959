"""The casualty-evacuation coverage problem and plan as JSON (docs/planning.md)."""

from __future__ import annotations

from typing import Any

from bluehelmet.planning.casevac import (
    ADVANCED_CARE_LEVELS,
    HOURS,
    PLACE_KINDS,
    AviationAsset,
    CoveragePlan,
    CoverageProblem,
    Facility,
    TargetPlace,
)
from bluehelmet.planning.reading import Fields, InvalidProblem, as_list, as_object, unique

__all__ = ["coverage_plan_to_json", "coverage_problem_from_json", "coverage_problem_to_json"]


def _coordinates(fields: Fields) -> tuple[float, float]:
    latitude, longitude = fields.number("latitude"), fields.number("longitude")
    if not -90 <= latitude <= 90:
        raise InvalidProblem(fields.at("latitude"), f"must be between -90 and 90, got {latitude:g}")
    if not -180 <= longitude <= 180:
        raise InvalidProblem(fields.at("longitude"), f"must be between -180 and 180, got {longitude:g}")
    return latitude, longitude


def _aircraft(a: Fields, ident: str, latitude: float, longitude: float) -> AviationAsset:
    asset = AviationAsset(
        ident,
        latitude,
        longitude,
        a.number("speed_kmh", 220.0, minimum=1),
        a.number("launch_delay_min", 30.0, minimum=0),
        a.flag("day", True),
        a.flag("night", False),
    )
    a.done()
    return asset


def _place(p: Fields, kind: str | None) -> TargetPlace:
    ident = p.text("id")
    if kind is None:
        kind = p.text("kind")
        if kind not in PLACE_KINDS:
            raise InvalidProblem(p.at("kind"), f"expected one of {', '.join(PLACE_KINDS)}, got '{kind}'")
    points = []
    for i, point in enumerate(as_list(p.raw("points"), p.at("points"))):
        path = f"{p.at('points')}[{i}]"
        pair = as_list(point, path)
        if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, int | float) for v in pair):
            raise InvalidProblem(path, "expected [latitude, longitude]")
        if not (-90 <= pair[0] <= 90 and -180 <= pair[1] <= 180):
            raise InvalidProblem(path, f"[{pair[0]}, {pair[1]}] is not a latitude and longitude")
        points.append((float(pair[0]), float(pair[1])))
    if not points:
        raise InvalidProblem(p.at("points"), "needs at least one point")
    p.done()
    return TargetPlace(ident, kind, tuple(points))


def coverage_problem_from_json(data: Any) -> CoverageProblem:
    """A coverage problem from its parsed JSON, refused with the field and reason if malformed."""
    root = as_object(data, "")
    facilities = []
    for f in root.objects("facilities"):
        ident, level = f.text("id"), f.text("level")
        if level not in ADVANCED_CARE_LEVELS:
            raise InvalidProblem(
                f.at("level"), f"expected one of {', '.join(sorted(ADVANCED_CARE_LEVELS))}, got '{level}'"
            )
        latitude, longitude = _coordinates(f)
        hours = f.text("hours", "24h")
        if hours not in HOURS:
            raise InvalidProblem(f.at("hours"), f"expected one of {', '.join(HOURS)}, got '{hours}'")
        facilities.append(Facility(ident, level, latitude, longitude, hours, f.text("source", "")))
        f.done()
    unique([f.id for f in facilities], "facilities")
    aviation = []
    for a in root.objects("aviation", required=False):
        ident = a.text("id")
        aviation.append(_aircraft(a, ident, *_coordinates(a)))
    unique([a.id for a in aviation], "aviation")
    places = [_place(p, None) for p in root.objects("places", required=False)]
    unique([p.id for p in places], "places")
    candidates = [_place(p, "task") for p in root.objects("candidates", required=False)]
    area = root.raw("area", required=False)
    if area is not None and (not isinstance(area, dict) or area.get("type") not in ("Polygon", "MultiPolygon")):
        raise InvalidProblem(root.at("area"), "expected a GeoJSON Polygon or MultiPolygon")
    cells = root.texts("cells")
    resolution = root.integer("resolution", 6, minimum=0)
    if resolution > 15:
        raise InvalidProblem(root.at("resolution"), f"H3 resolutions go from 0 to 15, got {resolution}")
    targets = as_object(root.raw("targets", required=False) or {}, root.at("targets"))
    advanced = targets.number("advanced_care_minutes", 60.0, minimum=0)
    surgery = targets.number("surgery_minutes", 120.0, minimum=0)
    targets.done()
    options = as_object(root.raw("suggest", required=False) or {}, root.at("suggest"))
    count = options.integer("count", 1, minimum=0)
    new = as_object(options.raw("helicopter", required=False) or {}, options.at("helicopter"))
    helicopter = _aircraft(new, "new helicopter", 0.0, 0.0)
    options.done()
    problem = CoverageProblem(
        facilities=tuple(facilities),
        aviation=tuple(aviation),
        places=tuple(places),
        area=area,
        cells=tuple(cells),
        resolution=resolution,
        ground_speed_kmh=root.number("ground_speed_kmh", 30.0, minimum=0),
        advanced_care_minutes=advanced,
        surgery_minutes=surgery,
        route_step_km=root.number("route_step_km", 10.0, minimum=0.1),
        candidates=tuple(candidates),
        suggest_count=count,
        helicopter=helicopter,
    )
    root.done()
    return problem


def coverage_problem_to_json(problem: CoverageProblem) -> dict[str, Any]:
    h = problem.helicopter
    return {
        **({"area": problem.area} if problem.area is not None else {}),
        **({"cells": list(problem.cells)} if problem.cells else {}),
        "resolution": problem.resolution,
        "facilities": [_facility(f) for f in problem.facilities],
        "aviation": [
            {
                "id": a.id,
                "latitude": a.latitude,
                "longitude": a.longitude,
                "speed_kmh": a.speed_kmh,
                "launch_delay_min": a.launch_delay_min,
                "day": a.day,
                "night": a.night,
            }
            for a in problem.aviation
        ],
        "places": [{"id": p.id, "kind": p.kind, "points": [list(pt) for pt in p.points]} for p in problem.places],
        "candidates": [{"id": p.id, "points": [list(pt) for pt in p.points]} for p in problem.candidates],
        "targets": {"advanced_care_minutes": problem.advanced_care_minutes, "surgery_minutes": problem.surgery_minutes},
        "ground_speed_kmh": problem.ground_speed_kmh,
        "route_step_km": problem.route_step_km,
        "suggest": {
            "count": problem.suggest_count,
            "helicopter": {"speed_kmh": h.speed_kmh, "launch_delay_min": h.launch_delay_min, "night": h.night},
        },
    }


def _facility(f: Facility) -> dict[str, Any]:
    return {
        "id": f.id,
        "level": f.level,
        "latitude": f.latitude,
        "longitude": f.longitude,
        "hours": f.hours,
        **({"source": f.source} if f.source else {}),
    }


def coverage_plan_to_json(plan: CoveragePlan, *, with_cells: bool = False) -> dict[str, Any]:
    """The plan as JSON; the cells (one row per H3 cell) only when asked: a map layer, not a summary."""
    return {
        "resolution": plan.resolution,
        "cell_count": plan.cell_count,
        "facilities": [_facility(f) for f in plan.facilities],
        "share_within_targets": {"day": plan.share_day, "night": plan.share_night},
        "places": [vars(p) for p in plan.places],
        "outside_targets": {
            "day": {k: list(v) for k, v in plan.outside_day.items()},
            "night": {k: list(v) for k, v in plan.outside_night.items()},
        },
        "suggestions": [
            {
                "asset": s.asset,
                "sites": list(s.sites),
                "places_covered": list(s.places_covered),
                "uncovered_before": s.uncovered_before,
                "solver": s.solver,
                "seconds": round(s.seconds, 3),
                "gains": [vars(g) for g in s.gains],
            }
            for s in plan.suggestions
        ],
        **({"cells": [vars(c) for c in plan.cells]} if with_cells else {}),
        "seconds": round(plan.seconds, 3),
    }
