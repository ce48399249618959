"""Hotspots: incidents counted in H3 hexagons, and IEDs clustered in space and time.

Two IEDs are *near repeats* when they happened within ``near_repeat_km`` of each other and at
most ``near_repeat_days`` apart (the classic window is 1 km and 2 days, both inclusive). A
cluster is a connected component of that relation: a chain of near repeats can stretch further
than one window, as a campaign along a road does.

Clustering sweeps the incidents in date order and compares each one only with the incidents of
the last ``near_repeat_days`` days that lie in its own or a neighbouring cell of a grid whose
cells are at least ``near_repeat_km`` wide, so the work grows with the number of incidents and
the local density, not with the square of the number of incidents.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import h3
from h3.api import basic_int

from bluehelmet.domain.distance import EARTH_RADIUS_KM, distance_km
from bluehelmet.domain.errors import BluehelmetError

__all__ = [
    "DEFAULT_NEAR_REPEAT_DAYS",
    "DEFAULT_NEAR_REPEAT_KM",
    "DEFAULT_RESOLUTION",
    "Clustering",
    "Hexagon",
    "HexagonCounts",
    "IedCluster",
    "hexagon_counts",
    "near_repeat_clusters",
]

#: About 5 km² a cell (edge about 1.4 km): a town quarter, a stretch of road.
DEFAULT_RESOLUTION = 7
DEFAULT_NEAR_REPEAT_KM = 1.0
DEFAULT_NEAR_REPEAT_DAYS = 2


@dataclass(frozen=True)
class Hexagon:
    """One H3 cell: its index, how many incidents fell in it, and its centre."""

    cell: str
    count: int
    latitude: float
    longitude: float


@dataclass(frozen=True)
class HexagonCounts:
    """Incidents per H3 cell, most first (then by cell index); ``points`` is their total."""

    resolution: int
    hexagons: list[Hexagon]
    points: int
    without_coordinates: int


def hexagon_counts(facts: Iterable[tuple[float | None, float | None, int]], resolution: int) -> HexagonCounts:
    """Count ``(latitude, longitude, weight)`` facts in the H3 cells of ``resolution`` (0-15).

    A fact stands for ``weight`` incidents at one point (1 for a single incident, or the number
    of incidents reported at the same coordinates). Facts without coordinates are counted in
    ``without_coordinates`` and placed in no cell.
    """
    if not 0 <= resolution <= 15:
        raise BluehelmetError(f"H3 resolution {resolution} is not between 0 and 15")
    counts: Counter[int] = Counter()
    missing = 0
    to_cell = basic_int.latlng_to_cell  # the integer API is about twice as fast as the string one
    for latitude, longitude, weight in facts:
        if latitude is None or longitude is None:
            missing += weight
            continue
        counts[to_cell(latitude, longitude, resolution)] += weight
    hexagons = []
    for cell, count in counts.items():
        if count:
            centre = basic_int.cell_to_latlng(cell)
            hexagons.append(Hexagon(h3.int_to_str(cell), count, centre[0], centre[1]))
    hexagons.sort(key=lambda h: (-h.count, h.cell))
    return HexagonCounts(resolution, hexagons, sum(counts.values()), missing)


@dataclass(frozen=True)
class IedCluster:
    """Incidents linked by near repeats: their ids (ascending), first and last day, centroid."""

    size: int
    members: tuple[int, ...]
    first: date
    last: date
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Clustering:
    """The clusters of at least ``min_size`` incidents, largest first (then earliest)."""

    near_repeat_km: float
    near_repeat_days: int
    min_size: int
    incidents: int
    without_coordinates: int
    #: How many incidents belong to a reported cluster.
    clustered: int
    clusters: list[IedCluster]


class _Components:
    """Union-find over 0..n-1, by size with path halving."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a == b:
            return
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]


def _grid(km: float, latitudes: list[float]) -> tuple[float, int]:
    """Cell height in degrees of latitude, and the number of cells around a parallel, so that
    two points ``km`` apart or less are always in the same or neighbouring cells."""
    # Along a meridian, a distance d spans at most d / R radians of latitude.
    height = math.degrees(km / EARTH_RADIUS_KM) * (1 + 1e-9)  # a hair wider: rounding never splits a pair
    # Across meridians the haversine gives sin(dlon/2) <= sin(d/2R) / cos(lat), and cos(lat) is
    # smallest at the latitude farthest from the equator in the data.
    widest = max((abs(lat) for lat in latitudes), default=0.0)
    cosine = math.cos(math.radians(min(widest, 90.0)))
    ratio = math.sin(km / (2 * EARTH_RADIUS_KM)) / cosine if cosine > 0 else math.inf
    if ratio >= 1:
        return height, 1
    width = math.degrees(2 * math.asin(ratio)) * (1 + 1e-9)
    # Cells that divide the circle evenly, so the wrap at 180 degrees keeps every cell wide enough.
    return height, max(1, math.floor(360 / width))


def _centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The mean of unit vectors, so a cluster astride the antimeridian is not put at longitude 0."""
    x = y = z = 0.0
    for lat, lon in points:
        phi, lam = math.radians(lat), math.radians(lon)
        x += math.cos(phi) * math.cos(lam)
        y += math.cos(phi) * math.sin(lam)
        z += math.sin(phi)
    n = len(points)
    x, y, z = x / n, y / n, z / n
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def near_repeat_clusters(
    incidents: Iterable[tuple[int, date, float | None, float | None]],
    near_repeat_km: float = DEFAULT_NEAR_REPEAT_KM,
    near_repeat_days: int = DEFAULT_NEAR_REPEAT_DAYS,
    *,
    min_size: int = 2,
) -> Clustering:
    """Cluster ``(id, date, latitude, longitude)`` incidents by near repeats.

    Two incidents are linked when ``distance_km`` between them is at most ``near_repeat_km`` and
    their dates are at most ``near_repeat_days`` apart; clusters are the connected components,
    reported when they have at least ``min_size`` members (1 reports every incident). The result
    does not depend on the order of the input. Ids must be distinct.
    """
    if not near_repeat_km > 0:
        raise BluehelmetError("the near-repeat distance must be more than 0 km")
    if near_repeat_days < 0:
        raise BluehelmetError("the near-repeat window cannot be negative")
    located: list[tuple[int, int, float, float]] = []
    missing = 0
    for ident, day, latitude, longitude in incidents:
        if latitude is None or longitude is None:
            missing += 1
        else:
            located.append((day.toordinal(), ident, latitude, longitude))
    if len({ident for _, ident, _, _ in located}) != len(located):
        raise BluehelmetError("an incident is listed twice")
    located.sort()
    components = _link(located, near_repeat_km, near_repeat_days)
    members: dict[int, list[int]] = {}
    parent, size, find = components.parent, components.size, components.find
    for i in range(len(located)):
        if parent[i] == i and size[i] < min_size:
            continue  # a root too small to report (most incidents are alone): no need to look further
        members.setdefault(find(i), []).append(i)
    clusters = []
    for indexes in members.values():
        if len(indexes) < min_size:
            continue
        lat, lon = _centroid([(located[i][2], located[i][3]) for i in indexes])
        clusters.append(
            IedCluster(
                len(indexes),
                tuple(sorted(located[i][1] for i in indexes)),
                date.fromordinal(located[indexes[0]][0]),  # indexes ascend, and so do the dates
                date.fromordinal(located[indexes[-1]][0]),
                lat,
                lon,
            )
        )
    clusters.sort(key=lambda c: (-c.size, c.first, c.members[0]))
    clustered = sum(c.size for c in clusters)
    return Clustering(near_repeat_km, near_repeat_days, min_size, len(located), missing, clustered, clusters)


def _link(located: list[tuple[int, int, float, float]], km: float, days: int) -> _Components:
    """Join every pair of near repeats among ``located`` (sorted by day) into components."""
    components = _Components(len(located))
    height, columns = _grid(km, [p[2] for p in located])
    width = 360 / columns
    # A cell is one integer, row * columns + column: cheaper to hash than a pair.
    rows = [math.floor((lat + 90) / height) for _, _, lat, _ in located]
    cols = [math.floor((lon + 180) / width) % columns for _, _, _, lon in located]
    cells = [row * columns + column for row, column in zip(rows, cols, strict=True)]
    active: dict[int, deque[int]] = {}  # the incidents of the window, by cell, oldest first
    oldest = 0
    parent, find, union = components.parent, components.find, components.union
    for i, (day, _, lat, lon) in enumerate(located):
        while located[oldest][0] < day - days:
            bucket = active[cells[oldest]]
            bucket.popleft()  # added in date order, so the oldest of the window is leftmost
            if not bucket:
                del active[cells[oldest]]
            oldest += 1
        column = cols[i]
        around = ((column - 1) % columns, column, (column + 1) % columns) if columns >= 3 else range(columns)
        for row in (rows[i] - 1, rows[i], rows[i] + 1):
            base = row * columns
            for c in around:
                for j in active.get(base + c, ()):
                    # Already joined through another link: the distance need not be computed.
                    if parent[j] == parent[i] or find(i) == find(j):
                        continue
                    other = located[j]
                    # Two points ``km`` apart differ by less than ``height`` in latitude.
                    if abs(other[2] - lat) <= height and distance_km(lat, lon, other[2], other[3]) <= km:
                        union(i, j)
        own = active.get(cells[i])
        if own is None:
            active[cells[i]] = deque((i,))
        else:
            own.append(i)
    return components
