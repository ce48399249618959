"""What orients a map: the places (with the zoom from which each is labelled), the bases and
camps, the sectors' outlines, and names for hotspots that tell two apart.

A sector is not drawn by hand: it is the union (shapely ``union_all``) of the shipped admin-1
regions its places lie in, each region going to the sector that holds most of the places in it
(ties: the sector first by name). Everything is scoped like the records it comes from: a sector
account sees its sector's places, bases and outline only.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.distance import EARTH_RADIUS_KM, distance_km
from bluehelmet.domain.places import AdminArea, Location, LocationKind, Sector
from bluehelmet.domain.units import Unit
from bluehelmet.geography.boundaries import Boundaries
from bluehelmet.services import records
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.listing import scoped_select
from bluehelmet.services.loading import find_mission
from bluehelmet.storage.tables import TABLES

__all__ = [
    "BASE_KINDS",
    "HotspotName",
    "Landmark",
    "bases",
    "hotspot_names",
    "landmarks",
    "name_points",
    "places",
    "sectors",
]

#: Kinds of place that are the mission's own (drawn as bases even when no unit names them).
BASE_KINDS = frozenset({LocationKind.CAMP, LocationKind.TEMPORARY_OPERATING_BASE, LocationKind.AIRFIELD})
#: The zoom from which a place's name is shown: a region's seat from the country view, a
#: cercle's seat or a base a little closer, any other place close in.
_LABEL_ZOOM = {1: 5.0, 2: 6.5, 3: 8.0}
_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclass(frozen=True)
class Landmark:
    """A place with coordinates, as a map or a hotspot's name uses it."""

    id: int
    name: str
    kind: str
    latitude: float
    longitude: float
    admin1: str
    admin2: str
    sector_id: int | None
    name_fr: str = ""


@dataclass(frozen=True)
class HotspotName:
    """A hotspot named by its nearest place: the place, its admin-2 area, how far and which way
    (None when within a kilometre), and, only when needed to tell two apart, the coordinates."""

    place: str
    admin2: str
    km: float | None
    bearing: str
    detail: str = ""
    #: The place's French name where the record gives one (not part of what tells two apart).
    place_fr: str = field(default="", compare=False)


def _collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **members, "features": features}


def _point(longitude: float, latitude: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [longitude, latitude]}


def _readable(tx: Transaction, principal: Principal, cls: type[Any], mission_id: int) -> list[Any]:
    found = [r for r in records.list_records(tx, cls, {"mission_id": mission_id}) if isinstance(r, cls)]
    return found if not principal.limited else [r for r in found if allowed(tx, principal, Action.READ, r)]


def landmarks(tx: Transaction, principal: Principal, mission_id: int) -> list[Landmark]:
    """The places of the mission that ``principal`` may read and that have coordinates: their
    columns only, scoped in the query (a gazetteer may hold thousands of places)."""
    areas = {a.id: a.name for a in records.list_records(tx, AdminArea, {"mission_id": mission_id})}  # type: ignore[attr-defined]
    table = TABLES[Location]
    stmt, ask_each = scoped_select(Location, principal)
    if not ask_each:
        wanted = ("id", "name", "kind", "latitude", "longitude", "admin1_id", "admin2_id", "sector_id", "name_fr")
        rows = tx.session.execute(
            stmt.with_only_columns(*(table.c[c] for c in wanted))
            .where(table.c.mission_id == mission_id, table.c.latitude.is_not(None), table.c.longitude.is_not(None))
            .order_by(table.c.id)
        )
        return [
            Landmark(i, name, kind.value, lat, lon, areas.get(a1, ""), areas.get(a2, ""), sector, name_fr or "")
            for i, name, kind, lat, lon, a1, a2, sector, name_fr in rows
        ]
    return [
        Landmark(
            p.id or 0,
            p.name,
            p.kind.value,
            p.latitude,
            p.longitude,
            areas.get(p.admin1_id, ""),
            areas.get(p.admin2_id, ""),
            p.sector_id,
            p.name_fr,
        )
        for p in _readable(tx, principal, Location, mission_id)
        if p.latitude is not None and p.longitude is not None
    ]


def _rank(place: Landmark, boundaries: Boundaries | None) -> int:
    """1: the seat of its region (its name is the region's, in any spelling), 2: the seat of its
    admin-2 area or a base, 3: any other place."""
    if boundaries is not None and place.admin1:
        region = boundaries.canonical_admin1(place.admin1)
        if region is not None and boundaries.canonical_admin1(place.name) == region:
            return 1
    if place.admin2 and place.admin2.casefold() == place.name.casefold():
        return 2
    return 2 if place.kind in BASE_KINDS else 3


def places(db: Database, principal: Principal, *, mission: str | None = None) -> dict[str, Any]:
    """A point per place with coordinates: its name, kind, admin areas, ``rank`` and ``label_zoom``
    (the zoom from which the map writes its name)."""
    with db.transaction(principal.name) as tx:
        found = find_mission(tx, mission)
        shown = landmarks(tx, principal, found.id or 0)
    shipped = Boundaries.load(found.country_iso3)
    features = []
    for place in sorted(shown, key=lambda p: (p.name, p.id)):
        rank = _rank(place, shipped)
        features.append({
            "type": "Feature",
            "id": place.id,
            "properties": {"name": place.name, "name_fr": place.name_fr, "kind": place.kind, "admin1": place.admin1,
                           "admin2": place.admin2, "rank": rank, "label_zoom": _LABEL_ZOOM[rank]},
            "geometry": _point(place.longitude, place.latitude),
        })  # fmt: skip
    return _collection(features)


def bases(db: Database, principal: Principal, *, mission: str | None = None) -> dict[str, Any]:
    """A point per base or camp: the places units are based at, and places of a camp, operating
    base or airfield kind; with the units based there that ``principal`` may read."""
    with db.transaction(principal.name) as tx:
        mission_id = find_mission(tx, mission).id or 0
        shown = {p.id: p for p in landmarks(tx, principal, mission_id)}
        based: dict[int, list[str]] = defaultdict(list)
        for unit in _readable(tx, principal, Unit, mission_id):
            if unit.base_id is not None:
                based[unit.base_id].append(unit.name)
    features = []
    for place in sorted(shown.values(), key=lambda p: (p.name, p.id)):
        units = sorted(based.get(place.id, []))
        if not units and place.kind not in BASE_KINDS:
            continue
        features.append({
            "type": "Feature",
            "id": place.id,
            "properties": {"name": place.name, "kind": place.kind, "units": units, "unit_count": len(units)},
            "geometry": _point(place.longitude, place.latitude),
        })  # fmt: skip
    return _collection(features)


def sectors(db: Database, principal: Principal, *, mission: str | None = None) -> dict[str, Any]:
    """Each sector ``principal`` may read, outlined as the union of the regions its places lie in
    (a region goes to the sector with most places in it); a sector with no placed place has no
    outline and is listed in ``without_outline``."""
    with db.transaction(principal.name) as tx:
        found = find_mission(tx, mission)
        mission_id = found.id or 0
        # Every place of the mission decides the regions (only outlines the principal may read go out).
        everywhere: list[tuple[int, float, float]] = [
            (p.sector_id, float(p.latitude or 0), float(p.longitude or 0))
            for p in records.list_records(tx, Location, {"mission_id": mission_id})
            if isinstance(p, Location) and p.sector_id is not None and None not in (p.latitude, p.longitude)
        ]
        # Sectors' names are reference data every account reads, but a sector account's map
        # outlines its own sector only.
        shown = sorted(
            (
                s
                for s in _readable(tx, principal, Sector, mission_id)
                if not principal.scoped or s.id in principal.sectors
            ),
            key=lambda s: s.name,
        )
        names = {s.id: s.name for s in records.list_records(tx, Sector, {"mission_id": mission_id})}  # type: ignore[attr-defined]
    shipped = Boundaries.load(found.country_iso3)
    if shipped is None:
        return _collection([], without_outline=[s.name for s in shown])
    regions = shipped.admin1_at_many((lat, lon) for _, lat, lon in everywhere)
    votes: dict[str, Counter[int]] = defaultdict(Counter)
    for (sector_id, _, _), region in zip(everywhere, regions, strict=True):
        if region is not None:
            votes[region][sector_id] += 1
    owner = {region: min(counts, key=lambda s: (-counts[s], names.get(s, ""), s)) for region, counts in votes.items()}
    outlines = dict(shipped.outlines())
    features, without = [], []
    for sector in shown:
        held = sorted(r for r, s in owner.items() if s == sector.id)
        if not held:
            without.append(sector.name)
            continue
        union = shapely.union_all([outlines[r] for r in held])
        features.append({
            "type": "Feature",
            "id": sector.id,
            "properties": {"name": sector.name, "name_fr": sector.name_fr, "regions": held,
                           "places": sum(1 for s, _, _ in everywhere if s == sector.id)},
            "geometry": json.loads(shapely.to_geojson(union)),
        })  # fmt: skip
    return _collection(features, without_outline=without)


def _bearing(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> str:
    north = to_lat - from_lat
    east = (to_lon - from_lon) * math.cos(math.radians((from_lat + to_lat) / 2))
    degrees = math.degrees(math.atan2(east, north)) % 360
    return _COMPASS[round(degrees / 45) % 8]


def _nearest(lat: float, lon: float, near: Sequence[Landmark]) -> list[Landmark]:
    """The places of ``near`` at the shortest distance from (``lat``, ``lon``), and any within a
    metre of it: the candidates the exact comparison chooses among (a map has thousands of
    places; the distances to all of them are worked out at once, with the haversine's formula)."""
    if len(near) < 64:
        return list(near)
    lats = np.radians(np.fromiter((p.latitude for p in near), float, len(near)))
    lons = np.fromiter((p.longitude for p in near), float, len(near))
    phi = math.radians(lat)
    h = np.sin((lats - phi) / 2) ** 2 + math.cos(phi) * np.cos(lats) * np.sin(np.radians(lons - lon) / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return [near[int(i)] for i in np.flatnonzero(km <= km.min() + 0.001)]


def hotspot_names(points: Sequence[tuple[float, float]], near: Sequence[Landmark]) -> list[HotspotName]:
    """A name for each (latitude, longitude): the nearest place, its admin-2 area, the distance in
    km and the compass direction from it; no two names alike (the distance to a tenth of a
    kilometre, then the coordinates, are added where two would be). Coordinates alone when the
    map has no place."""
    if not near:
        return [HotspotName("", "", None, "", f"{lat:.3f}, {lon:.3f}") for lat, lon in points]
    named: list[HotspotName] = []
    exact: list[float] = []
    for lat, lon in points:
        place = min(
            _nearest(lat, lon, near), key=lambda p: (distance_km(lat, lon, p.latitude, p.longitude), p.name, p.id)
        )
        km = distance_km(place.latitude, place.longitude, lat, lon)
        exact.append(km)
        if km < 1:
            named.append(HotspotName(place.name, place.admin2, None, "", place_fr=place.name_fr))
        else:
            bearing = _bearing(place.latitude, place.longitude, lat, lon)
            named.append(HotspotName(place.name, place.admin2, float(round(km)), bearing, place_fr=place.name_fr))
    for step in ("tenths", "coordinates"):
        seen = Counter(named)
        if all(count == 1 for count in seen.values()):
            break
        for i, name in enumerate(named):
            if seen[name] == 1:
                continue
            lat, lon = points[i]
            if step == "tenths" and name.km is not None:
                named[i] = replace(name, km=round(exact[i], 1))
            elif step == "coordinates":
                named[i] = replace(name, detail=f"{lat:.3f}, {lon:.3f}")
    return named


def name_points(
    db: Database, principal: Principal, points: Sequence[tuple[float, float]], *, mission: str | None = None
) -> list[HotspotName]:
    """``hotspot_names`` of ``points`` among the places ``principal`` may read."""
    with db.transaction(principal.name) as tx:
        near = landmarks(tx, principal, find_mission(tx, mission).id or 0)
    return hotspot_names(points, near)
