"""What the map draws, as GeoJSON: the host country's regions, incidents in H3 hexagons, and
the places of operations.

Hexagons are counted by ``services.hotspots`` (whole months from the place rollup, so a map of a
million incidents answers quickly); each cell is sent as its polygon with its count. A sector
account's map holds its sector's incidents and operations only.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from typing import Any

import h3
import shapely

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.operations import Operation
from bluehelmet.domain.places import Location
from bluehelmet.geography.boundaries import Boundaries
from bluehelmet.services import answer_cache, hotspots, planning_coverage, records, scope
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.stats import IncidentFilter

__all__ = ["boundaries", "casevac", "hexagons", "operations", "scoped_filter"]

Feature = dict[str, Any]


def _collection(features: list[Feature], **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **members, "features": features}


def boundaries(db: Database, principal: Principal, *, mission: str | None = None) -> dict[str, Any]:
    """The shipped admin-1 regions of the mission's country (an empty collection if none ship)."""
    with db.transaction(principal.name) as tx:
        country = find_mission(tx, mission).country_iso3
    shipped = Boundaries.load(country)
    if shipped is None:
        return _collection([], country_iso3=country)
    features = [
        {
            "type": "Feature",
            "properties": {"name": region.name, "iso_3166_2": region.iso_3166_2},
            "geometry": json.loads(shapely.to_geojson(geometry)),
        }
        for region, (_, geometry) in zip(shipped.regions(), shipped.outlines(), strict=True)
    ]
    return _collection(features, country_iso3=country)


def scoped_filter(
    db: Database, principal: Principal, flt: IncidentFilter, *, mission: str | None = None
) -> IncidentFilter:
    """``flt`` narrowed to the principal's sector in ``mission`` (unchanged for accounts of the
    whole mission); a sector filter naming other sectors then matches nothing."""
    if not principal.scoped:
        return flt
    with db.transaction(principal.name) as tx:
        own = scope.scope_of(tx, principal, mission, first=True).sector or ""
    where = dict(flt.where or {})
    asked = where.get("sector")
    if asked is None:
        where["sector"] = [own]
    else:
        asked_list = asked if isinstance(asked, list | tuple | set) else [asked]
        where["sector"] = [s for s in asked_list if s == own]
    return IncidentFilter(flt.date_from, flt.date_to, where, flt.statuses)


def hexagons(
    db: Database, principal: Principal, flt: IncidentFilter, resolution: int, *, mission: str | None = None
) -> dict[str, Any]:
    """Incidents counted in H3 cells of ``resolution``, each cell a polygon with its ``count``;
    kept per state of the data (``answer_cache``) for the filter as narrowed to the principal's scope."""
    scoped = scoped_filter(db, principal, flt, mission=mission)
    question = ("map_layers.hexagons", repr(scoped), resolution, mission)
    return answer_cache.kept(
        db, principal.name, question, lambda: _hexagons(db, principal, scoped, resolution, mission)
    )


@lru_cache(maxsize=65_536)
def _ring(cell: str) -> tuple[tuple[float, float], ...]:
    """A cell's outline as GeoJSON writes it (longitude first, closed): the same for every map."""
    ring = tuple((lng, lat) for lat, lng in h3.cell_to_boundary(cell))
    return (*ring, ring[0])


def _hexagons(
    db: Database, principal: Principal, scoped: IncidentFilter, resolution: int, mission: str | None
) -> dict[str, Any]:
    counted = hotspots.hexagons(db, scoped, resolution, mission=mission, actor=principal.name)
    features = []
    for cell in counted.hexagons:
        ring = _ring(cell.cell)
        features.append({
            "type": "Feature",
            "id": cell.cell,
            "properties": {"cell": cell.cell, "count": cell.count, "latitude": cell.latitude,
                           "longitude": cell.longitude},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        })  # fmt: skip
    return _collection(
        features,
        resolution=counted.resolution,
        incidents=counted.points,
        without_coordinates=counted.without_coordinates,
    )


def operations(
    db: Database, principal: Principal, date_from: date | None, date_to: date | None, *, mission: str | None = None
) -> dict[str, Any]:
    """A point for every place of every operation running in the period (any part of it), with
    the operation's name and type; for a sector account, only its sector's places of them."""
    features: list[Feature] = []
    with db.transaction(principal.name) as tx:
        scope = {"mission_id": find_mission(tx, mission).id}
        places = {p.id: p for p in records.list_records(tx, Location, scope) if isinstance(p, Location)}
        for op in records.list_records(tx, Operation, scope):
            assert isinstance(op, Operation)
            if date_to is not None and op.start_on > date_to:
                continue
            if date_from is not None and op.end_on is not None and op.end_on < date_from:
                continue
            if not allowed(tx, principal, Action.READ, op):
                continue
            for location_id in op.location_ids:
                place = places.get(location_id)
                if place is None or place.latitude is None or place.longitude is None:
                    continue
                if principal.scoped and not allowed(tx, principal, Action.READ, place):
                    continue  # an operation across sectors: a sector account sees its own sector's places
                features.append({
                    "type": "Feature",
                    "properties": {"operation_id": op.id, "name": op.name, "operation_type": op.operation_type.value,
                                   "place": place.name, "start_on": op.start_on.isoformat(),
                                   "end_on": op.end_on.isoformat() if op.end_on else None},
                    "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
                })  # fmt: skip
    return _collection(features)


def casevac(
    db: Database, principal: Principal, resolution: int = 5, *, night: bool = False, mission: str | None = None
) -> dict[str, Any]:
    """The cells of the mission area outside the 10-1-2 targets (advanced care within an hour,
    surgery within two), by day or by night, each a polygon with its minutes (None: out of
    reach); the collection carries the shares of the area within each target."""
    plan = planning_coverage.casevac_coverage(db, resolution=resolution, with_cells=True, suggest_count=0,
                                              mission=mission, actor=principal.name, principal=principal)  # fmt: skip
    features = []
    shades: dict[str, list[str]] = {"surgery": [], "advanced": []}
    for cell in plan.cells:
        advanced = cell.advanced_night if night else cell.advanced_day
        surgery = cell.surgery_night if night else cell.surgery_day
        within_hour = advanced is not None and advanced <= 60
        within_two = surgery is not None and surgery <= 120
        if within_hour and within_two:
            continue
        shades["advanced" if within_two else "surgery"].append(cell.cell)
        ring = _ring(cell.cell)
        features.append({
            "type": "Feature",
            "id": cell.cell,
            "properties": {"cell": cell.cell, "advanced_minutes": advanced, "surgery_minutes": surgery,
                           "advanced_within_hour": within_hour, "surgery_within_two_hours": within_two},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        })  # fmt: skip
    shares = plan.share_night if night else plan.share_day
    # The cells of each shade merged into one outline, drawn as the fill: cells drawn one by one
    # leave an anti-aliased hairline between two neighbours; the cells stay, unfilled, for their minutes.
    areas = [{"shade": shade, "geometry": h3.cells_to_geo(cells)} for shade, cells in shades.items() if cells]
    return _collection(features, resolution=plan.resolution, cells=plan.cell_count, night=night, shares=shares,
                       areas=areas)  # fmt: skip
