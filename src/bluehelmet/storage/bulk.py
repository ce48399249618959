"""Writing many new rows at once: the driver's ``executemany`` on SQLite (one transaction),
``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3), the fastest way in for each."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache, partial
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.schema import DropIndex, Index
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from bluehelmet.domain.incidents import TOLL_FIELDS, Incident, ReviewStatus
from bluehelmet.domain.places import Location
from bluehelmet.storage.aggregates import tallied_sums
from bluehelmet.storage.database import begun, constant, execute_many, one_constant
from bluehelmet.storage.rollup_writes import add_grouped
from bluehelmet.storage.rollups import MEASURES, PLACED_SECTOR, ROLLUP_KEYS, ROLLUPS, cell_of, cell_text
from bluehelmet.storage.search import INCIDENT_FIELDS
from bluehelmet.storage.tables import TABLES
from bluehelmet.storage.types import GlobalId, StrEnumType

__all__ = [
    "Columns",
    "Same",
    "among",
    "count_columns_in_rollups",
    "count_in_rollups",
    "indexes_suspended",
    "stored_alike",
    "write_rows",
]


@dataclass(frozen=True)
class Same:
    """A column with one value for every row."""

    value: Any


#: Columns by name: a list of one value a row, or the one value of every row.
Columns = Mapping[str, "list[Any] | Same"]


def among(session: Session, column: ColumnElement[Any], values: Sequence[str]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (text), the values sent as one parameter: an array on
    PostgreSQL, a JSON list read by ``json_each`` on SQLite. An ``IN`` of thousands of bound
    values cost more to build and to send than to answer (each value a parameter of its own)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("among", list(values), type_=postgresql.ARRAY(String)))
    listed = func.json_each(bindparam("among", json.dumps(list(values)), type_=String)).table_valued("value")
    return column.in_(select(listed.c.value))


def stored_alike(
    session: Session,
    table: Table,
    key: str,
    rows: Mapping[str, list[Any]],
    kept_when_none: frozenset[str],
    scope: Sequence[ColumnElement[bool]] = (),
) -> list[bool]:
    """For each row (values by column, ``key`` among them), whether a live row of ``table``
    with that key (and ``scope``) holds those very values as stored; a column in
    ``kept_when_none`` whose value is None is not compared. SQLite only.

    The rows are converted for the driver as ``write_rows`` converts them, staged by one
    ``executemany`` in a temporary table of the same column types (so SQLite keeps each value
    as the table keeps it), and compared by the database (``IS``: NULL is NULL), which returns
    only the places of the rows found alike, as one JSON array: no stored row is read back."""
    count = len(rows[key])
    if not count:
        return []
    dialect = session.get_bind().dialect
    staged = _compared_table(table, tuple(rows))
    connection = session.connection()
    staged.drop(connection, checkfirst=True)
    staged.create(connection)
    constants = {n: value for n in rows if (value := _constant(dialect, table.c[n].type, rows[n]))}
    bound = tuple(n for n in rows if n not in constants)
    converted = [range(count), *(_driver_column(dialect, table.c[n].type, rows[n], count) for n in bound)]
    staging = _inserting(staged, ("at", *bound), constants)  # the one value of a column written as a constant
    execute_many(session, staging, ("at", *bound), list(zip(*converted, strict=True)), inline=True)
    alike = [
        or_(staged.c[n].is_(None), table.c[n].is_not_distinct_from(staged.c[n]))
        if n in kept_when_none
        else table.c[n].is_not_distinct_from(staged.c[n])
        for n in rows
        if n != key
    ]
    stmt = (
        select(func.json_group_array(staged.c.at))  # one text, not a result row a place (SQLAlchemy's)
        .join(table, table.c[key] == staged.c[key])
        .where(*scope, table.c.deleted_at.is_(None), *alike)
    )
    found = set(json.loads(session.scalar(stmt) or "[]"))
    staged.drop(connection)
    return [i in found for i in range(count)]


@cache
def _compared_table(table: Table, names: tuple[str, ...]) -> Table:
    """The temporary table ``stored_alike`` stages rows in: ``names`` of ``table``'s types,
    and each row's place in the batch."""
    return Table(
        f"bulk_compared_{table.name}",
        MetaData(),
        Column("at", Integer),
        *[Column(n, table.c[n].type) for n in names],
        prefixes=["TEMPORARY"],
    )


def write_rows(session: Session, table: Table, columns: Columns, count: int) -> None:
    """INSERT ``count`` rows given as ``columns`` (Python values, ``id`` among them) into
    ``table``. Each column is converted for the driver once (a value for every row once, a
    choice given as its text not at all). On SQLite the incidents' full-text index is filled
    by one statement over the rows written rather than by its trigger once a row."""
    if not count:
        return
    dialect = session.get_bind().dialect
    names = tuple(columns)
    if dialect.name == "postgresql":
        converted = [_driver_column(dialect, table.c[name].type, columns[name], count) for name in names]
        _copy(session, table, names, list(zip(*converted, strict=True)))
        return
    constants = {name: value for name in names if (value := _constant(dialect, table.c[name].type, columns[name]))}
    bound = tuple(name for name in names if name not in constants)
    converted = [_driver_column(dialect, table.c[name].type, columns[name], count) for name in bound]
    rows = list(zip(*converted, strict=True))
    trigger = _search_trigger(session) if table.name == "incident" else None
    connection = session.connection()
    if trigger is not None:
        connection.exec_driver_sql(_DROP_SEARCH_TRIGGER)
    execute_many(session, _inserting(table, bound, constants), bound, rows, inline=True)
    if trigger is not None:
        ids = columns["id"]
        assert isinstance(ids, list)
        if max(ids) - min(ids) + 1 != len(ids):
            raise ValueError("the rows' ids do not follow each other")
        body = " || ' ' || ".join(f"coalesce({name}, '')" for name in INCIDENT_FIELDS)
        filled = f"INSERT INTO incident_search(rowid, body) SELECT id, {body} FROM incident WHERE id BETWEEN ? AND ?"  # noqa: S608
        connection.exec_driver_sql(filled, (min(ids), max(ids)))
        connection.exec_driver_sql(trigger)


def _driver_column(dialect: Dialect, kind: TypeEngine[Any], column: list[Any] | Same, count: int) -> Iterable[Any]:
    """A column's values as the driver takes them (COPY's on PostgreSQL)."""
    convert = _converter(dialect, kind)
    if convert is not None and not isinstance(column, Same) and _one_value(column):
        column = Same(column[0])  # converted once (a list of no units in every row, say)
    if isinstance(column, Same):
        return repeat(column.value if convert is None else convert(column.value), count)
    if convert is None or isinstance(kind, StrEnumType):  # a choice's text is what is stored
        return column
    if dialect.name == "sqlite" and _taken_as_is(kind, column):
        return column
    if isinstance(column[0], date):  # a few thousand days: each converted once
        known: dict[Any, Any] = {}
        return [known[v] if v in known else known.setdefault(v, convert(v)) for v in column]
    return [convert(value) for value in column]


def _constant(dialect: Dialect, kind: TypeEngine[Any], column: list[Any] | Same) -> tuple[Any] | None:
    """The one value of a column the same in every row, as the driver takes it, in a tuple,
    when it is written into the statement as a constant (``database.one_constant``)."""
    if not isinstance(column, Same) and not _one_value(column):
        return None
    convert = _converter(dialect, kind)
    value = column.value if isinstance(column, Same) else column[0]
    return one_constant([value if convert is None else convert(value)])


def _inserting(table: Table, bound: tuple[str, ...], constants: Mapping[str, tuple[Any]]) -> Any:
    """INSERT into ``table``: ``bound`` a parameter each (named as the column), ``constants``
    written into the statement (``execute_many(..., inline=True)``)."""
    values: dict[str, Any] = {name: bindparam(name, required=False) for name in bound}
    values.update((name, constant(name, value)) for name, (value,) in constants.items())
    return insert(table).values(values)


def _taken_as_is(kind: TypeEngine[Any], column: list[Any]) -> bool:
    """Whether SQLite's driver stores ``column`` as its converter would: flags all booleans
    (stored as 1 and 0 either way) or global ids all text (SQLite keeps their text). A type
    of the values is looked at once, not a converter called a row."""
    kinds = set(map(type, column)) - {type(None)}
    if isinstance(kind, Boolean):
        return kinds <= {bool}
    return isinstance(kind, GlobalId) and kinds <= {str}


def _one_value(column: list[Any]) -> bool:
    """Whether every value of ``column`` is the first one (of its type too: 1 is not True)."""
    if not column:
        return False
    return column.count(column[0]) == len(column) and len(set(map(type, column))) == 1  # both loops in C


def _converter(dialect: Dialect, kind: TypeEngine[Any]) -> Callable[[Any], Any] | None:
    if dialect.name != "postgresql":
        processor: Callable[[Any], Any] | None = kind.dialect_impl(dialect).bind_processor(dialect)
        return processor
    if isinstance(kind, JSON):
        return _json_text
    if isinstance(kind, TypeDecorator):
        return partial(_decorated, kind, dialect)
    return None


def _copy(session: Session, table: Table, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    dialect = session.get_bind().dialect
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    columns = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    target = dialect.identifier_preparer.format_table(table)
    with raw.cursor() as cursor, cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row(row)


_SEARCH_TRIGGER = "incident_search_insert"
_DROP_SEARCH_TRIGGER = "DROP TRIGGER incident_search_insert"


def _search_trigger(session: Session) -> str | None:
    """The SQL of the trigger that adds an incident to the full-text index (None: none here)."""
    found = session.connection().exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (_SEARCH_TRIGGER,)
    )
    row = found.first()
    return None if row is None else str(row[0])


@contextmanager
def indexes_suspended(session: Session, table: Table, suspend: bool) -> Iterator[None]:
    """With ``suspend`` on SQLite, the table's secondary indexes (not those that keep a key
    unique, but the one of its global ids: random, each a jump to another page of a tree the
    size of the table) dropped while the block writes, and built again from the rows after it:
    sorting a million rows once is far cheaper than a million insertions into a dozen indexes.
    A global id written twice meanwhile fails the unique index's building, and the load with
    it: the ids are still proved unique before anything is committed. All in the
    caller's transaction: a load that fails or is killed gives them back as they were; readers
    keep reading the last committed state meanwhile (WAL). Not on PostgreSQL: ``DROP INDEX``
    there locks the table, every mission's incidents, against readers until the load commits
    (minutes at a million rows), for 5-8% of the load's time (docs/performance.md)."""
    if not suspend or session.get_bind().dialect.name != "sqlite":
        yield
        return
    begun(session)  # else a DROP INDEX sent before any write would be committed at once, alone
    connection = session.connection()
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table.name,),
    ).all()
    kept = [
        (str(name), str(sql))
        for name, sql in found
        if not str(sql).upper().startswith("CREATE UNIQUE") or _indexed(connection, str(name)) == [_GLOBAL_ID]
    ]
    for name, _ in kept:
        connection.execute(DropIndex(Index(name)))
    yield
    for _, sql in kept:
        connection.exec_driver_sql(sql)


_GLOBAL_ID = "uid"


def _indexed(connection: Connection, index: str) -> list[str]:
    """The columns an index of SQLite's orders by, in order."""
    found = connection.exec_driver_sql("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index,))
    return [str(name) for (name,) in found]


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _decorated(kind: TypeDecorator[Any], dialect: Dialect, value: Any) -> Any:
    return kind.process_bind_param(value, dialect)


def count_in_rollups(session: Session, id_column: ColumnElement[Any], ids: Sequence[int]) -> None:
    """Count incidents just written (ids ``ids``, not yet counted) into every rollup: their
    keys worked out once (``_KEYS``: every key and cell the rollups keep, as a recount works
    them out) into a temporary table, then one ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT
    DO UPDATE`` a rollup from it."""
    if not ids:
        return
    first, last = min(ids), max(ids)
    among = id_column.between(first, last) if last - first + 1 == len(ids) else id_column.in_(list(ids))
    dialect = session.get_bind().dialect.name
    keys = _rollup_keys()
    staged = _staging_table()
    if dialect == "postgresql":
        # As the row path does (rollups.location_sector): the places whose sector the batch's
        # incidents take are locked for share until the commit, so that a concurrent change of a
        # place's sector waits for (and then moves) what this batch counts under it.
        placed = select(_INCIDENT.c.location_id).where(among, _INCIDENT.c.sector_id.is_(None))
        session.execute(select(_LOCATION.c.id).where(_LOCATION.c.id.in_(placed)).with_for_update(read=True))
    connection = session.connection()
    staged.create(connection, checkfirst=True)
    connection.execute(delete(staged))
    source = select(
        _INCIDENT.c.mission_id,
        *[cell_text(session, grain).label(grain) for grain in _GRAINS],
        *[key.of_row().label(name) for name, key in keys.items()],
        *[_INCIDENT.c[toll] for toll in TOLL_FIELDS],
    ).where(among, _INCIDENT.c.deleted_at.is_(None), _INCIDENT.c.review_status != ReviewStatus.REJECTED.value)
    connection.execute(insert(staged).from_select([c.name for c in staged.columns], source))
    for upsert in _rollup_upserts(dialect):
        session.execute(upsert)
    connection.execute(delete(staged))


@cache
def _rollup_upserts(dialect: str) -> tuple[Any, ...]:
    """Each rollup's ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE`` from the
    staging table, built once (building them cost more than running them on a batch of 20,000
    rows: their ``excluded`` columns above all). A built statement is immutable."""
    staged, built = _staging_table(), []
    for rollup in ROLLUPS:
        group = [staged.c.mission_id, *[staged.c[g] for g in rollup.cells], *[staged.c[k.name] for k in rollup.keys]]
        fresh = select(*group, func.count().label("events"), *tallied_sums(staged.c)).group_by(*group)
        stmt = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(rollup.table)
        adding = {name: rollup.table.c[name] + stmt.excluded[name] for name in MEASURES}
        upsert = stmt.from_select([*rollup.key_columns, *MEASURES], fresh.where(literal_column("1") == 1))
        built.append(upsert.on_conflict_do_update(index_elements=list(rollup.key_columns), set_=adding))
    return tuple(built)


_INCIDENT = TABLES[Incident]
_LOCATION = TABLES[Location]
_GRAINS = ("day", "week", "month")
_STAGING = MetaData()


@cache
def _rollup_keys() -> dict[str, Any]:
    """Every key column any rollup keeps, once (one name is one value whichever keeps it)."""
    return {key.name: key for rollup in ROLLUPS for key in rollup.keys}


@cache
def _staging_table() -> Table:
    """The temporary table of a batch's incidents as the rollups count them."""
    keys = _rollup_keys()
    return Table(
        "bulk_rollup_rows",
        _STAGING,
        Column("mission_id", Integer),
        *[Column(grain, String) for grain in _GRAINS],
        *[Column(name, key.type) for name, key in keys.items()],
        *[Column(toll, Integer) for toll in TOLL_FIELDS],
        prefixes=["TEMPORARY"],
    )


def count_columns_in_rollups(session: Session, columns: Columns, count: int) -> None:
    """Count incidents just written, given as the ``columns`` written (``write_rows``'s), into
    every rollup: each key worked out as a recount works it out (``_Key.of_row``: missing text
    '', a missing id or coordinate 0, the sector the incident is placed in), the rows grouped by
    pyarrow (hash aggregation over the batch's columns) and only the groups upserted
    (``rollup_writes.add_grouped``: one ``executemany`` a rollup). Grouping in SQLite cost a
    sort of the batch's rows for each of the fifteen rollups. On PostgreSQL the database
    groups the rows (``count_in_rollups``): sending it the groups cost the client more."""
    if session.get_bind().dialect.name != "sqlite":  # see rollup_writes.add_grouped
        ids = columns["id"]
        assert isinstance(ids, list)
        count_in_rollups(session, _INCIDENT.c.id, ids)
        return

    def column(name: str) -> list[Any]:
        given = columns[name]
        return [given.value] * count if isinstance(given, Same) else given

    rejected = ReviewStatus.REJECTED.value  # once: an enum member's value is a descriptor call
    live = [
        deleted is None and status != rejected
        for deleted, status in zip(column("deleted_at"), column("review_status"), strict=True)
    ]
    if not any(live):
        return
    own_sector, location = column("sector_id"), column("location_id")
    sector_of = _location_sectors(session, {p for s, p in zip(own_sector, location, strict=True) if s is None and p})
    days = column("event_date")
    distinct = set(days)
    cells = {grain: {day: cell_of(grain, day) for day in distinct} for grain in _GRAINS}
    latitude, longitude = column("latitude"), column("longitude")
    arrays: dict[str, pa.Array] = {
        "mission_id": pa.array(column("mission_id"), pa.int64()),
        **{grain: pa.array(list(map(cells[grain].__getitem__, days)), pa.string()) for grain in _GRAINS},
        PLACED_SECTOR: pa.array([s or sector_of.get(p or 0) or 0 for s, p in zip(own_sector, location, strict=True)]),
        "located": pa.array([(y is not None) + 2 * (x is not None) for y, x in zip(latitude, longitude, strict=True)]),
        # + 0.0: -0.0 is 0.0, one group as in SQL (two rows of one key would fail an upsert)
        "latitude": pc.add(pc.fill_null(pa.array(latitude, pa.float64()), 0.0), 0.0),
        "longitude": pc.add(pc.fill_null(pa.array(longitude, pa.float64()), 0.0), 0.0),
        "location_id": pc.fill_null(pa.array(location, pa.int64()), 0),
        "sector_id": pc.fill_null(pa.array(own_sector, pa.int64()), 0),
        "events": pa.array([1] * count, pa.int64()),
    }
    for name, of_column in _TEXT_KEYS.items():
        arrays[name] = pc.fill_null(pa.array(column(of_column), pa.string()), "")
    for toll in TOLL_FIELDS:
        values = pa.array(column(toll), pa.int64())
        arrays[toll], arrays[f"{toll}_unknown"] = pc.fill_null(values, 0), pc.cast(pc.is_null(values), pa.int64())
    table = pa.table(arrays).filter(pa.array(live))
    grouped: dict[str, list[list[Any]]] = {}
    for rollup in ROLLUPS:
        keys = list(rollup.key_columns)
        sums = table.group_by(keys, use_threads=False).aggregate([(m, "sum") for m in MEASURES])
        sums = sums.sort_by([(k, "ascending") for k in keys])  # in key order, as every writer locks them
        grouped[rollup.name] = [sums.column(name).to_pylist() for name in (*keys, *(f"{m}_sum" for m in MEASURES))]
    add_grouped(session, grouped)


#: The text keys of the rollups and the incident column each is read from.
_TEXT_KEYS = {"location": "location_name", "perpetrator": "perpetrator", **{n: n for n in ROLLUP_KEYS}}


def _location_sectors(session: Session, places: set[int]) -> dict[int, int]:
    """The sector of each of ``places`` that has one (SQLite: one writer at a time, so no
    place changes sector under the load, which PostgreSQL's ``count_in_rollups`` locks for)."""
    if not places:
        return {}
    stmt = select(_LOCATION.c.id, _LOCATION.c.sector_id).where(_LOCATION.c.id.in_(sorted(places)))
    return {int(i): int(s) for i, s in session.execute(stmt).all() if s is not None}
