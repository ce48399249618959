"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import DDL, Table, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["analyse", "analyse_on", "make_engine", "make_sessionmaker"]


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
