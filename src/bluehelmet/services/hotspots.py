"""Where incidents concentrate: counts in H3 hexagons and near-repeat clusters of IEDs.

The database sends the points, grouped by coordinate (many incidents are reported at the same
place): whole months from the place rollup, which keeps each place's incidents per month, the
rest from the incidents. The cells and the clusters are computed in ``bluehelmet.analytics.hotspots``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from bluehelmet.analytics.hotspots import (
    DEFAULT_NEAR_REPEAT_DAYS,
    DEFAULT_NEAR_REPEAT_KM,
    DEFAULT_RESOLUTION,
    Clustering,
    HexagonCounts,
    hexagon_counts,
    near_repeat_clusters,
)
from bluehelmet.domain.incidents import IncidentCategory, ReviewStatus
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.loading import find_mission
from bluehelmet.services.stats import IncidentFilter, plain_filter, split_period
from bluehelmet.storage.hotspot_queries import coordinate_counts, incident_points
from bluehelmet.storage.rollup_queries import rollup_points
from bluehelmet.storage.rollups import PLACE_ROLLUP

__all__ = ["IED_CATEGORIES", "Hotspots", "hexagons", "hotspots", "ied_clusters"]

#: The incidents the near-repeat analysis clusters (as the IED summary counts them).
IED_CATEGORIES = (IncidentCategory.IED_DETONATED.value, IncidentCategory.IED_NEUTRALISED.value)


@dataclass(frozen=True)
class Hotspots:
    """Both views of the same period: every matching incident in hexagons, and the IED clusters."""

    hexagons: HexagonCounts
    clusters: Clustering


def _points(tx: Transaction, mission_id: int, flt: IncidentFilter) -> Iterable[tuple[float | None, float | None, int]]:
    """Incidents counted by point: whole months from the place rollup when it holds the filter's
    columns, the odd days at the edges (or everything, when it cannot serve) from the incidents.
    Of verified incidents only: those of every status less the drafts' points (counted
    negatively); of drafts only: read from the incidents."""
    left_out = flt.left_out
    if ReviewStatus.VERIFIED in left_out:
        return coordinate_counts(
            tx.session, mission_id, date_from=flt.date_from, date_to=flt.date_to, where=flt.where,
            statuses=flt.statuses,
        )  # fmt: skip
    every = _every_status_points(tx, mission_id, flt)
    if not left_out:
        return every
    drafts = coordinate_counts(
        tx.session, mission_id, date_from=flt.date_from, date_to=flt.date_to, where=flt.where, statuses=left_out
    )
    return itertools.chain(every, ((latitude, longitude, -n) for latitude, longitude, n in list(drafts)))


def _every_status_points(
    tx: Transaction, mission_id: int, flt: IncidentFilter
) -> Iterable[tuple[float | None, float | None, int]]:
    split = None
    if set(flt.where or {}) <= PLACE_ROLLUP.facets and plain_filter(flt):
        split = split_period(flt, PLACE_ROLLUP.grain)
    if split is None:
        return coordinate_counts(tx.session, mission_id, date_from=flt.date_from, date_to=flt.date_to, where=flt.where)
    tx.write_rollup()
    whole = rollup_points(tx.session, mission_id, month_from=split.cell_from, month_to=split.cell_to, where=flt.where)
    edges = [
        coordinate_counts(tx.session, mission_id, date_from=start, date_to=end, where=flt.where)
        for start, end in split.edges
    ]
    return itertools.chain(whole, *edges)


def _hexagons(tx: Transaction, mission_id: int, flt: IncidentFilter, resolution: int) -> HexagonCounts:
    return hexagon_counts(_points(tx, mission_id, flt), resolution)


def _clusters(tx: Transaction, mission_id: int, flt: IncidentFilter, km: float, days: int, min_size: int) -> Clustering:
    where = {**(flt.where or {}), "category": list(IED_CATEGORIES)}
    points = incident_points(
        tx.session, mission_id, date_from=flt.date_from, date_to=flt.date_to, where=where, statuses=flt.statuses
    )
    return near_repeat_clusters(points, km, days, min_size=min_size)


def hexagons(
    db: Database,
    flt: IncidentFilter,
    resolution: int = DEFAULT_RESOLUTION,
    *,
    mission: str | None = None,
    actor: str = "stats",
) -> HexagonCounts:
    """Matching incidents counted in the H3 cells of ``resolution``; an incident without its own
    coordinates counts at those of the location it names."""
    with db.transaction(actor) as tx:
        return _hexagons(tx, find_mission(tx, mission).id or 0, flt, resolution)


def ied_clusters(
    db: Database,
    flt: IncidentFilter,
    near_repeat_km: float = DEFAULT_NEAR_REPEAT_KM,
    near_repeat_days: int = DEFAULT_NEAR_REPEAT_DAYS,
    *,
    min_size: int = 2,
    mission: str | None = None,
    actor: str = "stats",
) -> Clustering:
    """IEDs (detonated or neutralised) of the period linked by near repeats into clusters; any
    ``category`` in the filter is replaced by the IED categories."""
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id or 0
        return _clusters(tx, mission_id, flt, near_repeat_km, near_repeat_days, min_size)


def hotspots(
    db: Database,
    flt: IncidentFilter,
    resolution: int = DEFAULT_RESOLUTION,
    near_repeat_km: float = DEFAULT_NEAR_REPEAT_KM,
    near_repeat_days: int = DEFAULT_NEAR_REPEAT_DAYS,
    *,
    min_size: int = 2,
    mission: str | None = None,
    actor: str = "stats",
) -> Hotspots:
    """Hexagon counts and IED clusters read in one transaction (so they describe the same data)."""
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id or 0
        return Hotspots(
            _hexagons(tx, mission_id, flt, resolution),
            _clusters(tx, mission_id, flt, near_repeat_km, near_repeat_days, min_size),
        )
