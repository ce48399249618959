"""Narrow reads of where and when incidents happened, for hexagon counts and near-repeat clusters.

Only the columns the analysis needs travel (an id, a date and two floats a row), streamed in
batches, so a million incidents fit in memory and in the time budget. An incident without its
own coordinates is placed at those of the location it names, when that location has some.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.places import Location, Sector
from bluehelmet.storage.aggregates import counted_incidents
from bluehelmet.storage.tables import TABLES

__all__ = ["coordinate_counts", "incident_points"]

_I = TABLES[Incident]
_L = TABLES[Location]
_S = TABLES[Sector]
_LATITUDE = func.coalesce(_I.c.latitude, _L.c.latitude)
_LONGITUDE = func.coalesce(_I.c.longitude, _L.c.longitude)
_BATCH = 10_000


_Query = Select[*tuple[Any, ...]]


def _restricted(
    stmt: _Query,
    mission_id: int,
    date_from: date | None,
    date_to: date | None,
    where: Mapping[str, Any] | None,
    statuses: frozenset[ReviewStatus] | None = None,
) -> _Query:
    """Live, not rejected incidents of the mission (of ``statuses`` only, when given) in the
    period, matching ``where`` (the filters of ``INCIDENT_COLUMNS``; a list means any of its values)."""
    joined = _I.outerjoin(_L, _L.c.id == _I.c.location_id)
    if "sector" in (where or {}):
        # An incident's sector is its own, else that of the place it names.
        joined = joined.outerjoin(_S, _S.c.id == func.coalesce(_I.c.sector_id, _L.c.sector_id))
    stmt = counted_incidents(stmt.select_from(joined), mission_id, date_from, date_to, where, statuses)
    return stmt


def incident_points(
    session: Session,
    mission_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    where: Mapping[str, Any] | None = None,
    statuses: frozenset[ReviewStatus] | None = None,
) -> Iterator[tuple[int, date, float | None, float | None]]:
    """``(id, event_date, latitude, longitude)`` of each matching incident, streamed."""
    columns = select(_I.c.id, _I.c.event_date, _LATITUDE, _LONGITUDE)
    stmt = _restricted(columns, mission_id, date_from, date_to, where, statuses)
    for ident, day, latitude, longitude in session.execute(stmt.execution_options(yield_per=_BATCH)):
        yield int(ident), day, latitude, longitude


def coordinate_counts(
    session: Session,
    mission_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    where: Mapping[str, Any] | None = None,
    statuses: frozenset[ReviewStatus] | None = None,
) -> Iterator[tuple[float | None, float | None, int]]:
    """``(latitude, longitude, incidents)`` for each distinct point where matching incidents
    happened (None, None for those without coordinates), streamed."""
    counted = select(_LATITUDE, _LONGITUDE, func.count())
    stmt = _restricted(counted, mission_id, date_from, date_to, where, statuses).group_by(_LATITUDE, _LONGITUDE)
    for latitude, longitude, count in session.execute(stmt.execution_options(yield_per=_BATCH)):
        yield latitude, longitude, int(count)
