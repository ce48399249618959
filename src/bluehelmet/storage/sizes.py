"""How many bytes each table of the database takes, with its indexes (``about --storage``).

SQLite answers by table and index from its ``dbstat`` table when it is compiled in; without it
only the file's pages are known, and the sizes by table are reported unknown (not zero).
PostgreSQL answers with ``pg_relation_size`` and ``pg_indexes_size`` (their sum with TOAST is
``pg_total_relation_size``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

__all__ = ["DatabaseSize", "TableSize", "database_size"]


@dataclass(frozen=True)
class TableSize:
    """One table: its rows' bytes, its indexes' bytes, and their sum."""

    name: str
    data: int
    indexes: int

    @property
    def total(self) -> int:
        return self.data + self.indexes


@dataclass(frozen=True)
class DatabaseSize:
    """The database's bytes in all, those unused (SQLite's free pages), and by table
    (``tables`` is None when the backend cannot tell: SQLite without dbstat)."""

    backend: str
    total: int
    free: int | None
    tables: list[TableSize] | None
    method: str


def database_size(session: Session) -> DatabaseSize:
    if session.get_bind().dialect.name == "postgresql":
        return _postgresql(session)
    return _sqlite(session)


def _sqlite(session: Session) -> DatabaseSize:
    page = int(session.execute(text("PRAGMA page_size")).scalar_one())
    pages = int(session.execute(text("PRAGMA page_count")).scalar_one())
    free = int(session.execute(text("PRAGMA freelist_count")).scalar_one())
    try:
        rows = session.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all()
    except OperationalError:  # dbstat not compiled in: the file's pages only
        session.rollback()
        return DatabaseSize(
            "sqlite", page * pages, page * free, None, "SQLite page count (no dbstat: no sizes by table)"
        )
    owner = {
        str(name): str(table)
        for name, table in session.execute(text("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"))
    }
    data: dict[str, int] = {}
    indexes: dict[str, int] = {}
    for name, size in rows:
        if name in owner:
            indexes[owner[name]] = indexes.get(owner[name], 0) + int(size)
        else:
            data[str(name)] = data.get(str(name), 0) + int(size)
    tables = [TableSize(n, data.get(n, 0), indexes.get(n, 0)) for n in sorted(set(data) | set(indexes))]
    return DatabaseSize("sqlite", page * pages, page * free, _largest_first(tables), "SQLite dbstat")


def _postgresql(session: Session) -> DatabaseSize:
    stmt = text(
        "SELECT c.relname, pg_total_relation_size(c.oid) - pg_indexes_size(c.oid), pg_indexes_size(c.oid) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = current_schema()"
    )
    tables = [TableSize(str(name), int(d), int(i)) for name, d, i in session.execute(stmt)]
    total = int(session.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    return DatabaseSize("postgresql", total, None, _largest_first(tables), "PostgreSQL pg_total_relation_size")


def _largest_first(tables: list[TableSize]) -> list[TableSize]:
    return sorted(tables, key=lambda t: (-t.total, t.name))
