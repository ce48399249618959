"""Plain rows for exports: a table's columns read with SQLAlchemy Core, no ORM record per row.

An export of a million incidents spends most of its time building records it only reads once;
these queries give tuples of column values instead, streamed, in id order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from bluehelmet.domain.records import Record
from bluehelmet.storage.database import driver_rows
from bluehelmet.storage.tables import TABLES

__all__ = ["labels_starting", "live_rows", "stream_rows"]


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
    order by id walks the primary key without sorting."""
    table = TABLES[cls]
    stmt = select(*(type_coerce(table.c[f], String()) for f in fields)).where(
        table.c.deleted_at.is_(None), *(table.c[k] == v for k, v in filters.items())
    )
    if date_field is not None:
        # The bounds as the driver takes them: on SQLite a date is compared as its ISO text.
        sqlite = session.get_bind().dialect.name == "sqlite"
        column: Any = type_coerce(table.c[date_field], String()) if sqlite else table.c[date_field]
        for bound, within in ((date_from, column.__ge__), (date_to, column.__le__)):
            if bound is not None:
                stmt = stmt.where(within(bound.isoformat() if sqlite else bound))
    return driver_rows(session, stmt.order_by(table.c.id), batch)


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
