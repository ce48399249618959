"""The incident rollups: events and tolls per mission, time cell and a few incident columns.

Rollups are derived data, kept so that analyses over years read thousands of rows instead of a
million. Each counts what ``incident_groups`` counts (live, not rejected incidents) and is kept
current by the services, which add each change's delta before the transaction commits;
``rebuild_incident_rollup`` recomputes them for data written behind their back.

- ``incident_day``: the day and the sector, for groupings by dates (any of day, week, month,
  year) and sector;
- ``incident_month`` and ``incident_week``: the month, or the ISO week, with the incident's
  types, category, regions, target and sector;
- ``incident_place_month``: the month with the place as the incident names it (its location
  name, location, own sector and own coordinates), for groupings by location or sector and for
  hexagon counts. What an incident takes from its location (the sector, the coordinates) is
  looked up when the rollup is read, so a change to a location needs no change to the rollup;
- ``incident_perpetrator_month``: the month with the perpetrator and the sector;
- ``incident_region_day`` and ``incident_perpetrator_day``, ``incident_region_week`` and
  ``incident_perpetrator_week``: the day, or the ISO week, with the regions (admin1, admin2) or
  the perpetrator, and the sector, for groupings of a day or a week with those, which the month
  and week rollups cannot answer (or only from many more rows) and which would otherwise sort
  a million incidents;
- ``incident_location_month``: the month with the location name alone, for groupings by
  location and by location and month or year, from as many rows as such an answer has;
- ``incident_type_day``: the day with the incident's types, category and target (no region,
  no sector), for a day with any of those, which would otherwise read every incident;
- ``incident_perpetrator_type_month``: the month with the perpetrator, the incident's types,
  category and target, for "who does what" (a perpetrator with a type or a target), which
  would otherwise walk a million entries of the perpetrator index;
- ``incident_location_facets``, ``incident_location_perpetrator`` and
  ``incident_perpetrator_regions``: no time cell (every incident of the mission, whenever),
  the location name with the types, category, target, regions and sector, or with the
  perpetrator and sector; or the perpetrator with the regions and sector. They answer a
  grouping over the mission's whole record, and one over a period with a bound as that record
  less the incidents outside the period, when those are fewer than the ones inside
  (``services/stats.py``).

The sector a rollup keeps is the one the incident is placed in: its own, else its location's.
When a location changes sector, the counts of the incidents that take their sector from it move
with it (``moved_location``), in the same transaction.

Missing text is stored as '' and a missing reference or coordinate as 0 (key columns cannot be
NULL); ``located`` says which coordinates the incident has (1 latitude, 2 longitude, 3 both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache, partial
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from bluehelmet.domain.incidents import TOLL_FIELDS, Incident, ReviewStatus
from bluehelmet.domain.places import Location
from bluehelmet.storage.aggregates import TALLIED, period_text, tallied_sums
from bluehelmet.storage.tables import TABLES, metadata

__all__ = [
    "ALL_TIME",
    "DAY_ROLLUP",
    "MEASURES",
    "PLACED_SECTOR",
    "PLACE_ROLLUP",
    "ROLLUPS",
    "ROLLUP_KEYS",
    "Contribution",
    "Deltas",
    "Rollup",
    "RollupKey",
    "add_delta",
    "cell_of",
    "cell_text",
    "contribution",
    "fresh_rollup_rows",
    "incident_month",
    "location_sector",
    "moved_location",
    "rebuild_incident_rollup",
    "rollup_named",
    "rollup_rows",
]

#: The incident columns the monthly and weekly rollups keep, besides the mission and the cell.
ROLLUP_KEYS = ("event_type", "sub_event_type", "category", "admin1", "admin2", "target")
MEASURES = ("events", *TALLIED)

_I = TABLES[Incident]
_L = TABLES[Location]
_REJECTED = ReviewStatus.REJECTED.value


def _text(value: object) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class _Key:
    """A key column of a rollup: its type, its value for an incident, and the same in SQL."""

    name: str
    type: TypeEngine[Any]
    #: Its value, from a reader of the incident's fields and the sector the incident is placed in.
    of_record: Callable[[Callable[[str], Any], int], object]
    of_row: Callable[[], ColumnElement[Any]]


@cache  # one key object per column, whichever rollups keep it
def _text_key(name: str, attribute: str | None = None) -> _Key:
    attr = attribute or name
    return _Key(
        name,
        String(),
        lambda get, _: _text(get(attr)),
        lambda: func.coalesce(type_coerce(_I.c[attr], String()), ""),
    )


def _id_key(name: str) -> _Key:
    return _Key(name, Integer(), lambda get, _: get(name) or 0, lambda: func.coalesce(_I.c[name], 0))


def _placed_sector() -> ColumnElement[Any]:
    """In SQL, the id of the sector an incident is placed in: its own, else its location's, else 0."""
    of_location = select(_L.c.sector_id).where(_L.c.id == _I.c.location_id).scalar_subquery()
    return func.coalesce(_I.c.sector_id, of_location, 0)


#: The sector an incident is placed in (its own, else its location's; 0 for none), by id.
PLACED_SECTOR = "placed_sector_id"


def _located(get: Callable[[str], Any], _: int) -> int:
    return (get("latitude") is not None) + 2 * (get("longitude") is not None)


_PLACE_KEYS = (
    _text_key("location", "location_name"),
    _id_key("location_id"),
    _id_key("sector_id"),
    _Key(
        "located",
        Integer(),
        _located,
        lambda: case((_I.c.latitude.is_(None), 0), else_=1) + case((_I.c.longitude.is_(None), 0), else_=2),
    ),
    _Key("latitude", Float(), lambda get, _: get("latitude") or 0.0, lambda: func.coalesce(_I.c.latitude, 0.0)),
    _Key("longitude", Float(), lambda get, _: get("longitude") or 0.0, lambda: func.coalesce(_I.c.longitude, 0.0)),
)


@dataclass(frozen=True)
class Rollup:
    """One rollup table: its time ``grain`` (day, week or month: the name of its cell column),
    its key columns, and the analysis' keys and filters it can answer (``facets``)."""

    table: Table
    grain: str
    keys: tuple[_Key, ...]
    facets: frozenset[str]

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def cells(self) -> tuple[str, ...]:
        """The name of its time cell column, if it has one (an all-time rollup has none)."""
        return () if self.grain == ALL_TIME else (self.grain,)

    @property
    def key_columns(self) -> tuple[str, ...]:
        return ("mission_id", *self.cells, *(k.name for k in self.keys))


#: The grain of a rollup without a time cell: each row counts the mission's incidents of all time.
ALL_TIME = "all"


def _rollup(name: str, grain: str, keys: tuple[_Key, ...], facets: frozenset[str]) -> Rollup:
    length = {"day": 10, "week": 8, "month": 7}
    cells = [] if grain == ALL_TIME else [Column(grain, String(length[grain]), nullable=False)]
    table = Table(
        name,
        metadata,
        Column("mission_id", Integer, ForeignKey("mission.id"), nullable=False),
        *cells,
        *[Column(k.name, k.type, nullable=False) for k in keys],
        *[Column(name, Integer, nullable=False) for name in MEASURES],
        PrimaryKeyConstraint("mission_id", *(c.name for c in cells), *(k.name for k in keys)),
        # On SQLite the rows are kept in the primary key's b-tree itself (migration 0030): with
        # a rowid, the keys were stored twice, in the table and in the key's index, nearly
        # doubling every rollup, and a read in key order visited both.
        sqlite_with_rowid=False,
    )
    return Rollup(table, grain, keys, facets)


_PLACED = _Key(PLACED_SECTOR, Integer(), lambda _, sector: sector, _placed_sector)
_TYPED = (*(_text_key(name) for name in ROLLUP_KEYS), _PLACED)
_TYPED_FACETS = frozenset({*ROLLUP_KEYS, "sector"})
DAY_ROLLUP = _rollup("incident_day", "day", (_PLACED,), frozenset({"sector"}))
MONTH_ROLLUP = _rollup("incident_month", "month", _TYPED, _TYPED_FACETS)
WEEK_ROLLUP = _rollup("incident_week", "week", _TYPED, _TYPED_FACETS)
PLACE_ROLLUP = _rollup("incident_place_month", "month", _PLACE_KEYS, frozenset({"location", "sector"}))
_REGION = (_text_key("admin1"), _text_key("admin2"), _PLACED)
_REGION_FACETS = frozenset({"admin1", "admin2", "sector"})
_PERPETRATOR = (_text_key("perpetrator"), _PLACED)
_PERPETRATOR_FACETS = frozenset({"perpetrator", "sector"})
PERPETRATOR_ROLLUP = _rollup("incident_perpetrator_month", "month", _PERPETRATOR, _PERPETRATOR_FACETS)
REGION_DAY_ROLLUP = _rollup("incident_region_day", "day", _REGION, _REGION_FACETS)
REGION_WEEK_ROLLUP = _rollup("incident_region_week", "week", _REGION, _REGION_FACETS)
PERPETRATOR_DAY_ROLLUP = _rollup("incident_perpetrator_day", "day", _PERPETRATOR, _PERPETRATOR_FACETS)
PERPETRATOR_WEEK_ROLLUP = _rollup("incident_perpetrator_week", "week", _PERPETRATOR, _PERPETRATOR_FACETS)
LOCATION_ROLLUP = _rollup(
    "incident_location_month", "month", (_text_key("location", "location_name"),), frozenset({"location"})
)
_TYPES = ("event_type", "sub_event_type", "category", "target")
TYPE_DAY_ROLLUP = _rollup("incident_type_day", "day", tuple(_text_key(n) for n in _TYPES), frozenset(_TYPES))
PERPETRATOR_TYPE_ROLLUP = _rollup(
    "incident_perpetrator_type_month",
    "month",
    (_text_key("perpetrator"), *(_text_key(n) for n in _TYPES)),
    frozenset({"perpetrator", *_TYPES}),
)
_LOCATION = _text_key("location", "location_name")
LOCATION_FACETS_ROLLUP = _rollup(
    "incident_location_facets",
    ALL_TIME,
    (_LOCATION, *(_text_key(n) for n in (*_TYPES, "admin1", "admin2")), _PLACED),
    frozenset({"location", *_TYPES, "admin1", "admin2", "sector"}),
)
LOCATION_PERPETRATOR_ROLLUP = _rollup(
    "incident_location_perpetrator",
    ALL_TIME,
    (_LOCATION, _text_key("perpetrator"), _PLACED),
    frozenset({"location", "perpetrator", "sector"}),
)
PERPETRATOR_REGION_ROLLUP = _rollup(
    "incident_perpetrator_regions", ALL_TIME, (_text_key("perpetrator"), *_REGION), _REGION_FACETS | {"perpetrator"}
)
#: Every rollup, the smallest first: a query is answered by the first that can.
ROLLUPS = (
    DAY_ROLLUP,
    PERPETRATOR_ROLLUP,
    PERPETRATOR_WEEK_ROLLUP,
    REGION_WEEK_ROLLUP,
    MONTH_ROLLUP,
    PERPETRATOR_TYPE_ROLLUP,
    REGION_DAY_ROLLUP,
    PERPETRATOR_DAY_ROLLUP,
    LOCATION_ROLLUP,
    WEEK_ROLLUP,
    TYPE_DAY_ROLLUP,  # after the week rollup, which gives a week with a type from its own cells
    PERPETRATOR_REGION_ROLLUP,  # all time: a bounded period is the whole record less what is outside it
    LOCATION_PERPETRATOR_ROLLUP,
    LOCATION_FACETS_ROLLUP,
    PLACE_ROLLUP,
)
_BY_NAME = {r.name: r for r in ROLLUPS}


def _derivations() -> tuple[tuple[str, Callable[[Callable[[str], Any], int], object]], ...]:
    """Each key column of any rollup once, with how its value is worked out (one key name
    means one value whichever rollup keeps it)."""
    found: dict[str, _Key] = {}
    for key in (k for r in ROLLUPS for k in r.keys):
        if found.setdefault(key.name, key).of_record is not key.of_record:
            raise AssertionError(f"the rollup key {key.name} is worked out in two ways")
    return tuple((name, key.of_record) for name, key in found.items())


def _picker(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    if len(names) == 1:
        return lambda derived, name=names[0]: (derived[name],)  # type: ignore[misc]
    return itemgetter(*names)  # a tuple for two names or more


#: What ``contribution`` needs: each key column's value worked out once per incident, then
#: per rollup its name, grain and the pick of its keys from those values.
_DERIVED = _derivations()
_CONTRIBUTED = tuple((r.name, r.grain if r.cells else None, _picker(tuple(k.name for k in r.keys))) for r in ROLLUPS)
#: The fields ``contribution`` reads: read from the record's own dictionary when all are there.
_READ = frozenset({"latitude", "longitude", "location_name", "location_id", "sector_id", *ROLLUP_KEYS,
                   "perpetrator", *TOLL_FIELDS, "event_date", "mission_id"})  # fmt: skip
_GRAINS = tuple(dict.fromkeys(r.grain for r in ROLLUPS if r.cells))
incident_month = MONTH_ROLLUP.table

#: (rollup name, mission_id, cell, *its key columns), missing text as '' and ids as 0.
RollupKey = tuple[Any, ...]
#: Pending changes: per key, the events and each tallied sum to add (negative to remove).
Deltas = dict[RollupKey, list[int]]
#: What one incident counts: per rollup, its key, and one event and its tallied values.
Contribution = tuple[tuple[RollupKey, tuple[int, ...]], ...]


def cell_of(grain: str, day: date) -> str:
    """The label of the rollup cell (of ``grain``: day, week or month) that holds ``day``:
    2021-04-02, 2021-W13 (the ISO week) or 2021-04."""
    if grain == "day":
        return day.isoformat()
    if grain == "month":
        return f"{day.year:04d}-{day.month:02d}"
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def contribution(record: object, sector_of: Callable[[int], int | None]) -> Contribution | None:
    """What ``record`` counts in the rollups: its key in each and its measures if it is a live,
    not rejected incident, else None. ``sector_of`` gives a location's sector id (or None)."""
    if not isinstance(record, Incident) or record.deleted_at is not None or record.review_status == _REJECTED:
        return None
    own = record.__dict__
    get: Callable[[str], Any] = own.__getitem__ if own.keys() >= _READ else partial(getattr, record)
    tolls = [get(name) for name in TOLL_FIELDS]  # each: its value (None counts as not recorded)
    measures = (1, *[n for toll in tolls for n in ((0, 1) if toll is None else (toll, 0))])
    location_id = get("location_id")
    sector = get("sector_id") or (sector_of(location_id) if location_id else None) or 0
    day = get("event_date")
    cells = {grain: cell_of(grain, day) for grain in _GRAINS}
    mission_id = get("mission_id")
    derived = {name: derive(get, sector) for name, derive in _DERIVED}
    return tuple(
        ((name, mission_id, cells[grain], *pick(derived)) if grain else (name, mission_id, *pick(derived)), measures)
        for name, grain, pick in _CONTRIBUTED
    )


def location_sector(session: Session, location_id: int) -> int | None:
    """The sector of a location, as incidents placed through it take it. On PostgreSQL the row
    is locked for share until the commit, so that a concurrent change of its sector waits for
    (and then moves) what this transaction counts under it."""
    stmt = _SECTOR_SHARED if session.get_bind().dialect.name == "postgresql" else _SECTOR
    return session.execute(stmt, {"location_id": location_id}).scalar_one_or_none()


# Built once: each incident written asks it, and building it cost more than running it.
_SECTOR = select(_L.c.sector_id).where(_L.c.id == bindparam("location_id"))
_SECTOR_SHARED = _SECTOR.with_for_update(read=True)


def moved_location(session: Session, deltas: Deltas, location_id: int, old: int | None, new: int | None) -> None:
    """Add to ``deltas`` what moving a location from sector ``old`` to ``new`` changes in the
    rollups that keep the sector an incident is placed in: the counts of its incidents without a
    sector of their own go from the one to the other. Read from the incidents as stored now."""
    if (old or 0) == (new or 0):
        return
    for rollup in (r for r in ROLLUPS if PLACED_SECTOR in (k.name for k in r.keys)):
        fresh = fresh_rollup_rows(session, rollup).where(_I.c.location_id == location_id, _I.c.sector_id.is_(None))
        width = len(rollup.key_columns)
        at = rollup.key_columns.index(PLACED_SECTOR)
        for row in session.execute(fresh):
            key, measures = list(row[:width]), [int(v) for v in row[width:]]
            for sector, sign in ((old or 0, -1), (new or 0, 1)):
                key[at] = sector
                add_delta(deltas, (((rollup.name, *key), tuple(measures)),), sign)


def add_delta(deltas: Deltas, counted: Contribution | None, sign: int) -> None:
    """Add (``sign`` 1) or take out (-1) a contribution to the pending deltas."""
    for key, measures in counted or ():
        row = deltas.get(key)
        if row is None:
            row = deltas[key] = [0] * len(MEASURES)
        for i, value in enumerate(measures):
            row[i] += sign * value


def cell_text(session: Session, grain: str) -> ColumnElement[Any]:
    """The event date as the text of a rollup's cell: YYYY-MM-DD, YYYY-Www (ISO week) or YYYY-MM."""
    if grain != "week":
        return period_text(session, grain)
    if session.get_bind().dialect.name == "sqlite":  # no %V in SQLite 3.40: the ISO week is the week of its Thursday
        thursday = func.date(_I.c.event_date, "-3 days", "weekday 4")
        week = (func.cast(func.strftime("%j", thursday), Integer) + 6) / 7
        return func.printf("%s-W%02d", func.strftime("%Y", thursday), week)
    return func.to_char(_I.c.event_date, 'IYYY-"W"IW')


def fresh_rollup_rows(session: Session, rollup: Rollup, mission_id: int | None = None) -> Select[Any]:
    """A rollup's rows computed afresh from the incidents (columns named as the table's)."""
    keys = [
        _I.c.mission_id.label("mission_id"),
        *[cell_text(session, cell).label(cell) for cell in rollup.cells],
        *[k.of_row().label(k.name) for k in rollup.keys],
    ]
    measures = [func.count().label("events"), *tallied_sums(_I.c)]
    stmt = select(*keys, *measures).where(_I.c.deleted_at.is_(None), _I.c.review_status != _REJECTED)
    if mission_id is not None:
        stmt = stmt.where(_I.c.mission_id == mission_id)
    return stmt.group_by(*keys)


def rebuild_incident_rollup(session: Session, mission_id: int | None = None) -> int:
    """Recompute every rollup (of one mission, or all) from the incidents; the number of rows written."""
    written = 0
    for rollup in ROLLUPS:
        table = rollup.table
        mine = [] if mission_id is None else [table.c.mission_id == mission_id]
        session.execute(delete(table).where(*mine))
        fresh = fresh_rollup_rows(session, rollup, mission_id)
        session.execute(insert(table).from_select([*rollup.key_columns, *MEASURES], fresh))
        written += int(session.scalar(select(func.count()).select_from(table).where(*mine)) or 0)
    return written


def rollup_rows(session: Session, *, fresh: bool = False) -> dict[RollupKey, tuple[int, ...]]:
    """Every row of every rollup as stored, or (``fresh``) as the incidents say it should be,
    keyed by the rollup's name and its key columns."""
    rows: dict[RollupKey, tuple[int, ...]] = {}
    for rollup in ROLLUPS:
        columns = [rollup.table.c[name] for name in (*rollup.key_columns, *MEASURES)]
        stmt = fresh_rollup_rows(session, rollup) if fresh else select(*columns)
        width = len(rollup.key_columns)
        for row in session.execute(stmt):
            rows[(rollup.name, *row[:width])] = tuple(int(v) for v in row[width:])
    return rows


def rollup_named(name: str) -> Rollup:
    """The rollup whose table is called ``name``."""
    return _BY_NAME[name]
