"""Reading the incident rollups: what ``incident_groups_query`` and ``coordinate_counts`` give for
whole cells (days, ISO weeks or months), from a few thousand rows instead of the incidents."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, case, cast, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from bluehelmet.domain.places import Location, Sector
from bluehelmet.storage.aggregates import label_of
from bluehelmet.storage.rollups import DAY_ROLLUP, MEASURES, PLACE_ROLLUP, PLACED_SECTOR, Rollup
from bluehelmet.storage.tables import TABLES

__all__ = ["counted_outside", "rollup_answer_query", "rollup_groups_query", "rollup_points"]

_L = TABLES[Location]
_S = TABLES[Sector]
#: The length of a finer cell's text that makes a coarser period: a day's 2021-04-02 is 2021-04.
_PREFIX = {"year": 4, "month": 7, "day": 10}


def _period(rollup: Rollup, period: str) -> ColumnElement[Any]:
    cell = rollup.table.c[rollup.grain]
    if period == rollup.grain:
        return cell
    if period == "week" or _PREFIX[period] > _PREFIX.get(rollup.grain, 0):
        raise ValueError(f"{rollup.name} cannot be grouped by {period}")
    return func.substr(cell, 1, _PREFIX[period])


def _facet(rollup: Rollup, name: str) -> ColumnElement[Any]:
    """A facet's value in a rollup row; the sector is the incident's own, else its location's."""
    if name == "sector":
        return _S.c.name
    return rollup.table.c[name]


def _source(rollup: Rollup, *, location: bool, sector: bool) -> Any:
    """The rollup, joined (as the incidents are) to the location an incident names and to its
    sector when asked; no location (or sector) is stored as 0, which no record has as its id."""
    r = rollup.table.c
    source: Any = rollup.table
    if sector and PLACED_SECTOR in r:  # the rollup keeps the sector the incident is placed in
        return source.outerjoin(_S, _S.c.id == r[PLACED_SECTOR])
    if location or sector:
        source = source.outerjoin(_L, _L.c.id == r.location_id)
    if sector:
        source = source.outerjoin(_S, _S.c.id == func.coalesce(func.nullif(r.sector_id, 0), _L.c.sector_id))
    return source


def _restricted(
    stmt: Select[Any],
    rollup: Rollup,
    mission_id: int,
    cell_from: str | None,
    cell_to: str | None,
    where: Mapping[str, Any] | None,
) -> Select[Any]:
    stmt = stmt.where(rollup.table.c.mission_id == mission_id)
    if cell_from is not None:
        stmt = stmt.where(rollup.table.c[rollup.grain] >= cell_from)
    if cell_to is not None:
        stmt = stmt.where(rollup.table.c[rollup.grain] <= cell_to)
    for name, value in (where or {}).items():
        values = value if isinstance(value, list | tuple | set) else [value]
        stmt = stmt.where(_facet(rollup, name).in_([str(v) for v in values]))
    return stmt


def rollup_groups_query(
    session: Session,
    rollup: Rollup,
    mission_id: int,
    keys: Sequence[str],
    *,
    period: str | None = None,
    cell_from: str | None = None,
    cell_to: str | None = None,
    where: Mapping[str, Any] | None = None,
) -> Select[Any]:
    """What ``incident_groups_query`` gives for the whole cells ``cell_from``..``cell_to`` of
    ``rollup`` (inclusive, None for no bound), columns named alike, missing text as '': ``keys``
    and ``where`` among its facets (``where`` with plain, non-empty text values), ``period``
    its grain or a coarser period its cells make up."""
    t = rollup.table.c
    group_cols: list[ColumnElement[Any]] = [_facet(rollup, k).label(k) for k in keys]
    if period is not None:
        group_cols.append(_period(rollup, period).label(period))
    sums = [func.coalesce(func.sum(t[name]), 0).label(name) for name in MEASURES]
    sector = "sector" in keys or "sector" in (where or {})
    stmt = select(*group_cols, *sums).select_from(_source(rollup, location=False, sector=sector))
    stmt = _restricted(stmt, rollup, mission_id, cell_from, cell_to, where)
    return stmt.group_by(*group_cols) if group_cols else stmt


#: The date keys, whose labels are made from a rollup's cell.
_DATES = ("day", "week", "month", "year")


def rollup_answer_query(
    session: Session,
    rollup: Rollup,
    mission_id: int,
    keys: Sequence[str],
    *,
    cell_from: str | None = None,
    cell_to: str | None = None,
    where: Mapping[str, Any] | None = None,
) -> Select[Any]:
    """The answer of a grouping that whole cells of ``rollup`` alone make up (no edge days): rows
    of (*the labels of ``keys``, events, *tolls), grouped once and sorted as ``folded`` sorts
    them. A key that is not a date is grouped and sorted by its stored text ('' for missing:
    the least text, as a missing label is the first), so that a rollup whose key columns lead
    with the keys asked, in their order, is read in its own order, without a sort."""
    t = rollup.table.c
    labels, groups = [], []
    for key in keys:
        stored = t[rollup.grain] if key in _DATES else _facet(rollup, key)
        label = label_of(session, key, rollup.grain, stored)
        labels.append(label.label(key))
        groups.append(label if key in _DATES else stored)
    # Asked for exactly the rollup's key columns, each of its rows is a group: nothing to add up.
    exact = set(keys) == set(rollup.key_columns[1:])
    if exact:
        totals = [cast(t[name], BigInteger).label(name) for name in MEASURES]
    else:
        totals = [cast(func.coalesce(func.sum(t[name]), 0), BigInteger).label(name) for name in MEASURES]
    sector = "sector" in keys or "sector" in (where or {})
    stmt = select(*labels, *totals).select_from(_source(rollup, location=False, sector=sector))
    stmt = _restricted(stmt, rollup, mission_id, cell_from, cell_to, where)
    if not groups:
        return stmt
    if not exact:
        stmt = stmt.group_by(*groups)
    if session.get_bind().dialect.name == "postgresql":  # ordered as Python orders text, missing first
        return stmt.order_by(*(g.collate("C").asc().nulls_first() for g in groups))
    return stmt.order_by(*groups)  # SQLite: by code point, NULL first


def rollup_points(
    session: Session,
    mission_id: int,
    *,
    month_from: str | None = None,
    month_to: str | None = None,
    where: Mapping[str, Any] | None = None,
) -> Iterator[tuple[float | None, float | None, int]]:
    """What ``coordinate_counts`` gives for whole months (YYYY-MM, inclusive, None for no bound):
    ``(latitude, longitude, incidents)`` for each distinct point, from the place rollup, with
    the coordinates of the location an incident names when it has none of its own. ``where``
    on location and sector only."""
    r = PLACE_ROLLUP.table.c
    latitude = case((r.located.in_([1, 3]), r.latitude), else_=_L.c.latitude)
    longitude = case((r.located.in_([2, 3]), r.longitude), else_=_L.c.longitude)
    stmt = select(latitude, longitude, func.sum(r.events)).select_from(
        _source(PLACE_ROLLUP, location=True, sector="sector" in (where or {}))
    )
    stmt = _restricted(stmt, PLACE_ROLLUP, mission_id, month_from, month_to, where).group_by(latitude, longitude)
    for point in session.execute(stmt):
        yield point[0], point[1], int(point[2])


def counted_outside(session: Session, mission_id: int, date_from: date | None, date_to: date | None) -> tuple[int, int]:
    """The mission's incidents (as the analysis counts them) outside the period, and in all, read
    from the rollup by day (a few thousand rows): which of the two sides of a period is smaller."""
    t = DAY_ROLLUP.table.c
    outside = or_(
        false(),
        *([t.day < date_from.isoformat()] if date_from is not None else []),
        *([t.day > date_to.isoformat()] if date_to is not None else []),
    )
    stmt = select(
        func.coalesce(func.sum(case((outside, t.events), else_=0)), 0), func.coalesce(func.sum(t.events), 0)
    ).where(t.mission_id == mission_id)
    counted, total = session.execute(stmt).one()
    return int(counted), int(total)
