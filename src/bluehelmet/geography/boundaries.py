"""Admin-1 regions of a host country: which region a coordinate falls in, and what a region is called.

The boundaries ship with the package (``data/admin1.geojson``, Natural Earth, public domain), so
point-in-region checks work offline and with no database. Coordinates are always given as
(latitude, longitude) in decimal degrees (WGS 84), the order the field writes them in; shapely's
(x, y) order stays inside this module.

The shipped map of Mali is Natural Earth's nine-unit frame, from before the regions of Ménaka
(carved out of Gao) and Taoudénit (carved out of Tombouctou) were set up in 2016. Each of those
"later regions" is recorded under the shipped region that contains its seat town, and
``canonical_admin1`` resolves it there: "Ménaka" -> "Gao", "Taoudénit" -> "Timbuktu". The record
keeps the name it gave; the canonical name is only what to compare and map with.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import shapely
from shapely import STRtree

from bluehelmet.geography.names import normalise

__all__ = ["SHIPPED_COUNTRIES", "Boundaries", "LaterRegion", "Region"]

SHIPPED_COUNTRIES: Mapping[str, str] = {"MLI": "admin1.geojson"}
"""The countries whose admin-1 boundaries ship with bluehelmet (ISO 3166-1 alpha-3 -> file)."""

_KM_PER_DEGREE = 111.32  # one degree of latitude (and of longitude at the equator), in km

# Words that records wrap around a region's name ("Région de Mopti", "Gao Region", "District de
# Bamako"), in normalised form. They are tried only after the name as given fails to match.
_PREFIXES = ("region de ", "region du ", "region d ", "region ", "district de ", "district du ", "district ")
_SUFFIXES = (" region", " district")


@dataclass(frozen=True, kw_only=True)
class LaterRegion:
    """A region created after the shipped map was drawn, and the town that locates it.

    It has no polygon of its own: it resolves to the shipped region that contains its seat.
    """

    name: str
    alt_names: tuple[str, ...] = ()
    seat: str = ""


@dataclass(frozen=True, kw_only=True)
class Region:
    """One admin-1 unit of the shipped map, with every name a record may give it."""

    name: str
    iso_3166_2: str = ""
    alt_names: tuple[str, ...] = ()
    later_regions: tuple[LaterRegion, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every accepted name: own name first, then code, other names and the later regions'."""
        later = [spelling for region in self.later_regions for spelling in (region.name, *region.alt_names)]
        return (self.name, self.iso_3166_2, *self.alt_names, *later)


def _strip_region_words(key: str) -> str:
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key.removeprefix(prefix)
            break
    for suffix in _SUFFIXES:
        key = key.removesuffix(suffix)
    return key


class Boundaries:
    """The admin-1 regions of one country, indexed for fast point-in-region look-ups.

    Contract: ``admin1_at`` and ``admin1_at_many`` agree point by point. A point inside a
    region's polygon (or on its edge) gets that region; a point on an edge shared by two regions
    gets the first in file order, so the answer never depends on how it was asked. A point outside
    every polygon but within ``tolerance_km`` of the country gets the nearest region: Natural
    Earth's 1:10m lines can be off by several hundred metres, and border towns such as Labézanga
    (1.6 km from the Niger border) must not fall out of the country. ``contains`` is true exactly
    when ``admin1_at`` is not None.
    """

    def __init__(
        self, country_iso3: str, regions: Sequence[Region], geometries: Sequence[Any], *, tolerance_km: float = 1.0
    ) -> None:
        if len(regions) != len(geometries) or not regions:
            raise ValueError("need one geometry per region, and at least one region")
        self.country_iso3 = country_iso3
        self.tolerance_km = tolerance_km
        self._regions = tuple(regions)
        self._names = [r.name for r in self._regions]
        self._geometries = list(geometries)
        for geometry in self._geometries:
            shapely.prepare(geometry)  # prepared polygons answer repeated point tests ~10x faster
        self._tree = STRtree(self._geometries)
        self._bounds = [tuple(g.bounds) for g in self._geometries]
        country = shapely.union_all(self._geometries)
        # The tolerance in degrees, taken at the country's latitude farthest from the equator,
        # where a degree of longitude is shortest: so it is at least tolerance_km in every direction.
        _, min_lat, _, max_lat = country.bounds
        widest = math.cos(math.radians(max(abs(min_lat), abs(max_lat))))
        self._tolerance_deg = tolerance_km / (_KM_PER_DEGREE * widest)
        # The country grown by the tolerance: the one polygon a point outside every region is
        # tested against. Its arcs are inscribed polygons, so a point inside it is within the
        # tolerance of some region (and _nearest, searching twice as far, always finds one).
        self._near = shapely.buffer(country, self._tolerance_deg, quad_segs=8)
        shapely.prepare(self._near)
        self._spellings: dict[str, str] = {}
        for region in self._regions:
            for spelling in region.spellings:
                # The first region to claim a spelling keeps it; a region's own name comes first.
                self._spellings.setdefault(normalise(spelling), region.name)

    @classmethod
    def from_geojson(cls, country_iso3: str, collection: Mapping[str, Any], *, tolerance_km: float = 1.0) -> Boundaries:
        """Build from a FeatureCollection shaped like the shipped ``admin1.geojson``.

        Each feature needs ``properties.name``; ``iso_3166_2``, ``alt_names`` (list of str) and
        ``later_regions`` (list of objects with ``name`` and ``alt_names``) are optional.
        """
        regions, geometries = [], []
        for feature in collection["features"]:
            props = feature["properties"]
            later = tuple(
                LaterRegion(name=r["name"], alt_names=tuple(r.get("alt_names", [])), seat=r.get("seat", ""))
                for r in props.get("later_regions", [])
            )
            regions.append(
                Region(
                    name=props["name"],
                    iso_3166_2=props.get("iso_3166_2", ""),
                    alt_names=tuple(props.get("alt_names", [])),
                    later_regions=later,
                )
            )
            geometries.append(shapely.from_geojson(json.dumps(feature["geometry"])))
        return cls(country_iso3, regions, geometries, tolerance_km=tolerance_km)

    @staticmethod
    def load(country_iso3: str) -> Boundaries | None:
        """The shipped boundaries of a country (ISO 3166-1 alpha-3, any case), or None if we ship none.

        Loaded once per process and shared: a Boundaries is never modified after it is built.
        """
        return _load_shipped(country_iso3.strip().upper())

    def regions(self) -> tuple[Region, ...]:
        """The regions, in file order."""
        return self._regions

    def admin1_names(self) -> list[str]:
        """The names of the shipped regions, sorted: the only values ``canonical_admin1`` returns."""
        return sorted(self._names)

    def outlines(self) -> list[tuple[str, Any]]:
        """Each region's name and its shapely (multi)polygon in (longitude, latitude), in file order:
        what a map draws."""
        return list(zip(self._names, self._geometries, strict=True))

    def later_regions(self) -> dict[str, str]:
        """Each region created after the shipped map was drawn -> the shipped region it resolves to."""
        return {later.name: region.name for region in self._regions for later in region.later_regions}

    def canonical_admin1(self, name: str) -> str | None:
        """The shipped region's name for any spelling of a region, or None if none is known.

        Accepts the shipped name, Natural Earth's other names (``Tombouctou`` for ``Timbuktu``),
        the ISO 3166-2 code, the spellings of ``variants.yaml``, wrapping words ("Région de
        Mopti", "Gao Region"), any case and accents, and the later regions ("Ménaka" -> "Gao").
        """
        key = normalise(name)
        if not key:
            return None
        return self._spellings.get(key) or self._spellings.get(_strip_region_words(key))

    def admin1_at(self, latitude: float, longitude: float) -> str | None:
        """The region at a coordinate, or None outside the country (beyond the tolerance)."""
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            return None
        x, y = longitude, latitude
        for i, (min_x, min_y, max_x, max_y) in enumerate(self._bounds):
            # A comparison of floats rejects most regions before shapely is called at all.
            if min_x <= x <= max_x and min_y <= y <= max_y and shapely.intersects_xy(self._geometries[i], x, y):
                return self._names[i]
        if not shapely.intersects_xy(self._near, x, y):
            return None
        return self._names[self._nearest([shapely.Point(x, y)])[0]]

    def admin1_at_many(self, points: Iterable[tuple[float, float]]) -> list[str | None]:
        """``admin1_at`` for many (latitude, longitude) pairs at once, in the same order.

        Tests each region against all remaining points in one vectorised shapely call, so the
        Python work is a few list passes whatever the number of points: use it for imports.
        """
        pairs = list(points)
        found: list[int | None] = [None] * len(pairs)
        remaining = [i for i, (lat, lon) in enumerate(pairs) if math.isfinite(lat) and math.isfinite(lon)]
        # Regions in file order, each claiming the points still unclaimed: the lowest index wins
        # on shared edges, as in admin1_at.
        for region, geometry in enumerate(self._geometries):
            if not remaining:
                break
            inside = self._intersects(geometry, [pairs[i] for i in remaining])
            for i, hit in zip(remaining, inside, strict=True):
                if hit:
                    found[i] = region
            remaining = [i for i, hit in zip(remaining, inside, strict=True) if not hit]
        if remaining:
            near = self._intersects(self._near, [pairs[i] for i in remaining])
            remaining = [i for i, hit in zip(remaining, near, strict=True) if hit]
        if remaining:
            nearest = self._nearest(shapely.points([pairs[i][1] for i in remaining], [pairs[i][0] for i in remaining]))
            for i, region in zip(remaining, nearest, strict=True):
                found[i] = region
        return [None if i is None else self._names[i] for i in found]

    def contains(self, latitude: float, longitude: float) -> bool:
        """Whether a coordinate is in the country, allowing ``tolerance_km`` beyond its edge."""
        return self.admin1_at(latitude, longitude) is not None

    @staticmethod
    def _intersects(geometry: Any, pairs: Sequence[tuple[float, float]]) -> list[bool]:
        if not pairs:
            return []
        result: list[bool] = shapely.intersects_xy(geometry, [p[1] for p in pairs], [p[0] for p in pairs]).tolist()
        return result

    def _nearest(self, points: Sequence[Any]) -> list[int]:
        """The nearest region of each point (all known to be near the country); lowest index on ties."""
        hits, regions = self._tree.query_nearest(points, max_distance=2 * self._tolerance_deg)
        nearest: dict[int, int] = {}
        for point, region in zip(hits.tolist(), regions.tolist(), strict=True):
            nearest[point] = min(region, nearest.get(point, region))
        return [nearest[i] for i in range(len(points))]


@cache
def _load_shipped(country_iso3: str) -> Boundaries | None:
    filename = SHIPPED_COUNTRIES.get(country_iso3)
    if filename is None:
        return None
    text = (resources.files("bluehelmet.geography") / "data" / filename).read_text(encoding="utf-8")
    return Boundaries.from_geojson(country_iso3, json.loads(text))
