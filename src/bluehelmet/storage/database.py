"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    DDL,
    Column,
    Index,
    Insert,
    Integer,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    insert,
    null,
)
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = [
    "analyse",
    "analyse_keys_on",
    "analyse_on",
    "begun",
    "constant",
    "driver_rows",
    "execute_many",
    "insert_many",
    "make_engine",
    "make_sessionmaker",
    "one_constant",
]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets readers work while one writer writes
    # and survives a crash mid-transaction; busy_timeout makes writers queue instead of failing.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``: ``sqlite:///file.db`` or ``postgresql+psycopg://...``."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # Records stay readable after commit, so a service can return what it wrote.
    return sessionmaker(engine, expire_on_commit=False)


def begun(session: Session) -> None:
    """Make sure the session's transaction is open in the database itself, so that a savepoint
    taken next is a part of it. Python's sqlite3 driver (in its default mode) sends BEGIN only
    before the first INSERT, UPDATE or DELETE: a SAVEPOINT sent before any would open a
    transaction of its own, and its RELEASE would commit it, whatever the session does after."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN")


def analyse(engine: Engine, tables: Iterable[Table]) -> None:
    """Bring PostgreSQL's planner statistics of ``tables`` up to date (after a large load the
    autovacuum daemon may take minutes to, and until then a query can choose a plan made for an
    empty table: sorting a million rows for each batch of an export, say). On SQLite nothing is
    done: without ANALYZE it plans from its indexes alone, which is what bluehelmet's SQLite
    queries are laid out for."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        analyse_on(connection, tables)


def analyse_on(connection: Connection, tables: Iterable[Table]) -> None:
    """``analyse`` on an open connection, inside its transaction: PostgreSQL counts the rows
    the transaction itself wrote, so that the rest of a long load is planned for the table it
    is making (looking a batch's natural keys up in a table planned as empty scans every row
    written so far, for every batch). Nothing on SQLite."""
    if connection.dialect.name != "postgresql":
        return
    statement = DDL("ANALYZE %(fullname)s")  # type: ignore[no-untyped-call]  # the quoted name put in
    for table in tables:
        connection.execute(statement.against(table))


def analyse_keys_on(connection: Connection, table: Table) -> None:
    """``analyse_on`` for the columns a load looks rows up by (the primary key and those of
    every unique constraint and index), inside the caller's transaction: the planner gets the
    table's size and those columns' statistics, without the minutes ``ANALYZE`` of every column
    and of the expression indexes (the full-text one) costs a million rows. Nothing on SQLite."""
    if connection.dialect.name != "postgresql":
        return
    keys = [*table.primary_key.columns]
    for unique in [*table.constraints, *table.indexes]:
        if isinstance(unique, UniqueConstraint) or (isinstance(unique, Index) and unique.unique):
            keys += [c for c in unique.columns if isinstance(c, Column)]
    names = ", ".join(dict.fromkeys(connection.dialect.identifier_preparer.quote(c.name) for c in keys))
    # SQLAlchemy's DDL template: the table's quoted name and its columns' quoted names go in, no input
    statement = DDL("ANALYZE %(fullname)s (%(columns)s)", context={"columns": names})  # type: ignore[no-untyped-call]
    connection.execute(statement.against(table))


def execute_many(
    session: Session, stmt: Executable, names: tuple[str, ...], rows: Sequence[Sequence[Any]], *, inline: bool = False
) -> None:
    """Run ``stmt`` once per row, each row the values of the parameters ``names`` in that order.

    For many rows of plain values (text, integers: no type of SQLAlchemy's converts them on
    the way in). The statement is compiled once per database and its rows handed to the
    driver's ``executemany`` as they are; given as dictionaries to ``Session.execute``, each
    row's parameters are processed one by one, which cost more than the writing (the rollups
    write some five rows an incident).

    With ``inline``, ``stmt`` names its own parameters (``bindparam`` s, not required) and its
    ``literal_execute`` parameters are written into the SQL as constants, by SQLAlchemy's
    renderer of their type: a value the same in every row is then not bound once a row."""
    sql, order = _driver_statement(session.get_bind().dialect, stmt, names, inline)
    if order is None:  # the driver takes named parameters (PostgreSQL's psycopg)
        params: Sequence[Any] = [dict(zip(names, row, strict=True)) for row in rows]
    elif order == names:
        params = rows
    else:
        at = [names.index(name) for name in order]
        params = [tuple(row[i] for i in at) for row in rows]
    session.connection().exec_driver_sql(sql, params)


#: An integer past this is bound, not written as a constant (SQLite reads a literal past 2**63 as a real).
_LARGE = 2**62


def one_constant(column: Sequence[Any]) -> tuple[Any] | None:
    """The one value of every row of ``column`` (driver values), in a tuple, when it can be
    written into a statement as a constant (:func:`constant`): NULL, a whole number, a text
    without NUL; None otherwise (values that differ, or a real, which SQLite may read back one
    unit off in its last place)."""
    if not column or column.count(column[0]) != len(column) or len(set(map(type, column))) != 1:  # loops in C
        return None
    value = column[0]
    if type(value) is int:
        return (value,) if -_LARGE < value < _LARGE else None
    return (value,) if value is None or (type(value) is str and "\x00" not in value) else None


def constant(name: str, value: Any) -> Any:
    """``value`` (see :func:`one_constant`) as a parameter written into the statement by
    SQLAlchemy's renderer of its type when it runs by ``execute_many(..., inline=True)``."""
    if value is None:
        return null()
    return bindparam(f"constant_{name}", value, Integer() if type(value) is int else String(), literal_execute=True)


@lru_cache(maxsize=64)
def _driver_statement(
    dialect: Dialect, stmt: Executable, names: tuple[str, ...], inline: bool = False
) -> tuple[str, tuple[str, ...] | None]:
    """``stmt`` as the driver's SQL, and the order of its positional parameters (None: named)."""
    if inline:
        compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})  # type: ignore[attr-defined]
    else:
        compiled = stmt.compile(dialect=dialect, column_keys=list(names))  # type: ignore[attr-defined]
    if not compiled.positional:
        return compiled.string, None
    return compiled.string, tuple(compiled.positiontup or ())


def insert_many(session: Session, table: Table, names: tuple[str, ...], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT ``rows`` into ``table``, each row the Python values of the columns ``names`` in
    that order (dates, enumerations, lists for a JSON column...), converted for the driver by
    each column's own type, as ``Session.execute`` would, with the converters looked up once
    per column instead of once per value, then handed to :func:`execute_many`."""
    dialect = session.get_bind().dialect
    stmt, convert = _inserting(dialect, table, names)
    if not convert:
        execute_many(session, stmt, names, rows if isinstance(rows, Sequence) else list(rows))
        return
    converted = []
    for row in rows:
        values = list(row)
        for i, processor in convert:
            values[i] = processor(values[i])
        converted.append(tuple(values))
    execute_many(session, stmt, names, converted)


@lru_cache(maxsize=64)
def _inserting(dialect: Dialect, table: Table, names: tuple[str, ...]) -> tuple[Insert, tuple[tuple[int, Any], ...]]:
    """The INSERT of ``names`` into ``table`` (one object, so its compiled form is kept) and
    the converter of each column whose type has one for ``dialect``, by position."""
    convert = []
    for i, name in enumerate(names):
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            convert.append((i, processor))
    return insert(table), tuple(convert)


_cursor_names = itertools.count(1)


def driver_rows(session: Session, stmt: ClauseElement, batch: int) -> Iterator[tuple[Any, ...]]:
    """The rows of ``stmt`` as the driver's own tuples, ``batch`` rows in memory at a time.

    For a long read of plain columns whose parameters are plain values (integers, text; on
    PostgreSQL dates too): no row object is built per row, which for an export of a million
    rows of forty columns is a fifth of its time. On PostgreSQL the rows come through a
    server-side cursor, as ``yield_per`` would read them; SQLite's cursor steps through the
    table by itself. Inside the session's transaction."""
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect)
    if not isinstance(compiled, SQLCompiler) or "POSTCOMPILE" in compiled.string:
        raise ValueError("driver_rows takes a SELECT with no expanding parameter (IN a list)")
    values = compiled.construct_params() or {}
    params: Any = tuple(values[n] for n in compiled.positiontup or ()) if compiled.positional else values
    raw = connection.connection.dbapi_connection
    assert raw is not None  # an open connection
    if connection.dialect.name == "postgresql":
        cursor = raw.cursor(name=f"bluehelmet_rows_{next(_cursor_names)}")
        cursor.itersize = batch  # type: ignore[attr-defined]
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(compiled.string, params)
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()
