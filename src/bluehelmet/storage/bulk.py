"""Writing many new rows at once: the driver's ``executemany`` on SQLite (one transaction),
``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3), the fastest way in for each."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from bluehelmet.storage.database import insert_many
from bluehelmet.storage.rollups import MEASURES, ROLLUPS, fresh_rollup_rows

__all__ = ["count_in_rollups", "write_rows"]


def write_rows(session: Session, table: Table, names: tuple[str, ...], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT ``rows`` (Python values of the columns ``names``, in that order) into ``table``."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        insert_many(session, table, names, rows)
        return
    convert = _copy_converters(dialect, table, names)
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    columns = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    target = dialect.identifier_preparer.format_table(table)
    with raw.cursor() as cursor, cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        if not convert:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            values = list(row)
            for i, processor in convert:
                values[i] = processor(values[i])
            copy.write_row(values)


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


@lru_cache(maxsize=16)
def _copy_converters(
    dialect: Dialect, table: Table, names: tuple[str, ...]
) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """What turns a Python value into one COPY's text format takes: JSON as its text, and each
    type decorator's own conversion (a choice to its text, a moment to UTC without zone)."""
    found: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(names):
        kind = table.c[name].type
        if isinstance(kind, JSON):
            found.append((i, _json_text))
        elif isinstance(kind, TypeDecorator):
            found.append((i, partial(_decorated, kind, dialect)))
    return tuple(found)


def _decorated(kind: TypeDecorator[Any], dialect: Dialect, value: Any) -> Any:
    return kind.process_bind_param(value, dialect)


def count_in_rollups(session: Session, id_column: ColumnElement[Any], ids: Sequence[int]) -> None:
    """Count incidents just written (ids ``ids``, not yet counted) into every rollup, one
    ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE`` a rollup, computed by the
    database from the rows themselves as a recount computes them."""
    if not ids:
        return
    first, last = min(ids), max(ids)
    among = id_column.between(first, last) if last - first + 1 == len(ids) else id_column.in_(list(ids))
    dialect = session.get_bind().dialect.name
    for rollup in ROLLUPS:
        fresh = fresh_rollup_rows(session, rollup).where(among)
        stmt = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(rollup.table)
        adding = {name: rollup.table.c[name] + stmt.excluded[name] for name in MEASURES}
        upsert = stmt.from_select([*rollup.key_columns, *MEASURES], fresh).on_conflict_do_update(
            index_elements=list(rollup.key_columns), set_=adding
        )
        session.execute(upsert)
