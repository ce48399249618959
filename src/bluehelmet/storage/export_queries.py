"""Plain rows for exports: a table's columns read with SQLAlchemy Core, no ORM record per row.

An export of a million incidents spends most of its time building records it only reads once;
these queries give tuples of column values instead, streamed, in id order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, String, bindparam, func, select, text, type_coerce
from sqlalchemy.orm import Session

from bluehelmet.domain.records import Record
from bluehelmet.storage.database import driver_rows
from bluehelmet.storage.tables import TABLES, audit_table

__all__ = ["join_view", "labels_starting", "live_rows", "part_bounds", "shared_view", "stream_rows"]


def stream_rows(
    session: Session,
    cls: type[Record],
    fields: Sequence[str],
    filters: Mapping[str, Any],
    *,
    date_field: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    batch: int = 10_000,
    ids: tuple[int | None, int | None] = (None, None),
) -> Iterator[Sequence[Any]]:
    """The ``fields`` of the live records of ``cls`` matching ``filters``, in id order, within
    the dates, as tuples of the values as the database driver gives them, ``batch`` rows in
    memory at a time.

    Not converted to the fields' Python types (that costs more than reading the row): an
    enumeration is its value, and on SQLite a date is its ISO text, a time ``HH:MM:SS.ffffff``,
    a boolean 0 or 1 and a list its JSON text (PostgreSQL's driver gives dates, times and
    booleans as Python values; a list may come as JSON text or as a list). One query whose
    rows are fetched as they are read (a server-side cursor on PostgreSQL; SQLite's cursor
    steps through the table by itself), so a million rows hold a batch in memory, and the
    order by id walks the primary key without sorting. ``ids`` bounds the ids read: from the
    first (included) to the second (excluded), None for no bound (a part of a parallel export)."""
    table = TABLES[cls]
    stmt = _live(session, cls, select(*(type_coerce(table.c[f], String()) for f in fields)), filters, date_field,
                 date_from, date_to)  # fmt: skip
    first, end = ids
    if first is not None:
        stmt = stmt.where(table.c.id >= first)
    if end is not None:
        stmt = stmt.where(table.c.id < end)
    return driver_rows(session, stmt.order_by(table.c.id), batch)


def part_bounds(
    session: Session,
    cls: type[Record],
    filters: Mapping[str, Any],
    parts: int,
    *,
    date_field: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    head: int = 0,
) -> tuple[int, list[int]]:
    """How many records :func:`stream_rows` would read with these filters, and the first id
    of each part but the first when they are cut into ``parts``: the first ``head`` records
    more than an equal share, the others (nearly) equal counts of the rest."""
    table = TABLES[cls]
    count = int(session.execute(_live(session, cls, select(func.count()), filters, date_field, date_from,
                                      date_to)).scalar_one())  # fmt: skip
    bounds = []
    ordered = _live(session, cls, select(table.c.id), filters, date_field, date_from, date_to).order_by(table.c.id)
    first = min(count, count // parts + max(head, 0))
    for part in range(1, parts):
        offset = first + (count - first) * (part - 1) // (parts - 1)
        found = session.execute(ordered.offset(offset).limit(1)).scalar_one_or_none()
        if found is not None:
            bounds.append(int(found))
    return count, bounds


def _live(
    session: Session,
    cls: type[Record],
    stmt: Select[*tuple[Any, ...]],
    filters: Mapping[str, Any],
    date_field: str | None,
    date_from: date | None,
    date_to: date | None,
) -> Select[*tuple[Any, ...]]:
    """``stmt`` over the live records of ``cls`` matching ``filters``, within the dates."""
    table = TABLES[cls]
    stmt = stmt.select_from(table).where(table.c.deleted_at.is_(None), *(table.c[k] == v for k, v in filters.items()))
    if date_field is not None:
        # The bounds as the driver takes them: on SQLite a date is compared as its ISO text.
        sqlite = session.get_bind().dialect.name == "sqlite"
        column: Any = type_coerce(table.c[date_field], String()) if sqlite else table.c[date_field]
        for bound, within in ((date_from, column.__ge__), (date_to, column.__le__)):
            if bound is not None:
                stmt = stmt.where(within(bound.isoformat() if sqlite else bound))
    return stmt


def shared_view(session: Session) -> str:
    """Make the session's transaction a view other connections can share, before it reads
    anything, and name it. On PostgreSQL the transaction becomes REPEATABLE READ and exports
    its snapshot (valid while it stays open): the name is the snapshot's. SQLite cannot share
    a snapshot: the name is the last audit entry the transaction sees (every change of a
    record adds one), and two transactions that name the same one see the same records."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        return str(session.execute(text("SELECT pg_export_snapshot()")).scalar_one())
    return _last_change(session)


def join_view(session: Session, view: str) -> str:
    """Make the session's transaction, before it reads anything, see what the transaction
    that named ``view`` sees (PostgreSQL), and name what it sees (as ``shared_view`` does):
    the caller compares the names."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        if not _SNAPSHOT.fullmatch(view):
            raise ValueError(f"{view!r} is not the name of a PostgreSQL snapshot")
        # SET takes no parameters: SQLAlchemy writes the name in as a quoted literal.
        name = bindparam("view", view, type_=String(), literal_execute=True)
        session.execute(text("SET TRANSACTION SNAPSHOT :view").bindparams(name))
        return view
    return _last_change(session)


#: How PostgreSQL names an exported snapshot: hexadecimal numbers joined by dashes.
_SNAPSHOT = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


def _last_change(session: Session) -> str:
    return str(session.execute(select(func.max(audit_table.c.id))).scalar_one())


def live_rows(
    session: Session, cls: type[Record], fields: Sequence[str], filters: Mapping[str, Any]
) -> list[Sequence[Any]]:
    """The id and ``fields`` of every live record of ``cls`` matching ``filters``, in id order."""
    table = TABLES[cls]
    stmt = select(table.c.id, *(table.c[f] for f in fields))
    stmt = stmt.where(table.c.deleted_at.is_(None), *(table.c[k] == v for k, v in filters.items()))
    return list(session.execute(stmt.order_by(table.c.id)))


def labels_starting(session: Session, cls: type[Record], field: str, prefix: str) -> list[tuple[int, str]]:
    """The id and text ``field`` of the records of ``cls`` (deleted included) whose ``field``
    starts with ``prefix``."""
    table = TABLES[cls]
    column = table.c[field]
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = select(table.c.id, column).where(column.like(pattern, escape="\\")).order_by(table.c.id)
    return [(int(row_id), str(text)) for row_id, text in session.execute(stmt)]
