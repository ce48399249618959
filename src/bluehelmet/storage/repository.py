"""Reading and appending records: the only SQL the services use."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, Select, bindparam, func, insert, select, text, tuple_
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from bluehelmet.domain.audit import AuditEntry
from bluehelmet.domain.records import JSONValue, Record
from bluehelmet.storage import audit_store
from bluehelmet.storage.tables import TABLES, unsaved

__all__ = [
    "append_audit",
    "append_creations",
    "count_records",
    "existing_keys",
    "find",
    "find_read",
    "get",
    "history",
    "insert_new",
    "list_referrers",
    "live_values",
    "read",
    "referrers",
    "reserve_ids",
    "select_records",
    "stream_records",
]


def existing_keys(
    session: Session, cls: type[Record], columns: Sequence[str], keys: Iterable[tuple[Any, ...]], *, chunk: int = 500
) -> set[tuple[Any, ...]]:
    """Which of ``keys`` (values of ``columns``, in that order) records of ``cls`` already hold,
    deleted ones included: one query per ``chunk`` keys, for a natural key of a whole batch."""
    table = TABLES[cls]
    wanted = list(dict.fromkeys(keys))
    found: set[tuple[Any, ...]] = set()
    selected = [table.c[name] for name in columns]
    for start in range(0, len(wanted), chunk):
        part = wanted[start : start + chunk]
        stmt = select(*selected).where(tuple_(*selected).in_(part))
        found.update(tuple(row) for row in session.execute(stmt))
    return found


def get(session: Session, cls: type[Record], record_id: int) -> Record | None:
    return session.get(cls, record_id)


def read(session: Session, cls: type[Record], record_id: int) -> Record | None:
    """A record to read, not to change: the session's own if it holds it (as ``get`` gives it),
    else built from its row as stored, outside the session. A rule's look-up of each record a
    new one refers to: the mapping's loading cost about a quarter of an API creation."""
    held = _held(session, cls, record_id)
    if held is not None:
        return held
    stmt = _matching(cls, _columns(cls), (("id", False),), False)
    row = session.execute(stmt, {"id": record_id}).mappings().first()
    return None if row is None else unsaved(cls, dict(row))


def _columns(cls: type[Record]) -> tuple[str, ...]:
    """Every column of ``cls``'s table: a record's whole row, selected without the mapping."""
    return tuple(column.name for column in TABLES[cls].columns)


def _held(session: Session, cls: type[Record], record_id: int) -> Record | None:
    found: Record | None = session.identity_map.get(identity_key(cls, record_id))
    return found


_INSERT: dict[tuple[type[Record], bool], Insert] = {}


def insert_new(session: Session, record: Record) -> None:
    """Insert a new record (not yet in any session) at version 1 by one statement built once,
    and keep it in ``session`` as stored, its id set: a later change of it is written as an
    update, as after a flush. What the session still holds unwritten is flushed first, in its
    order. The mapping's flush of one new record cost about a quarter of an API creation."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    cls = type(record)
    record.version = 1
    given = record.id is not None
    key = (cls, given)
    if key not in _INSERT:
        table = TABLES[cls]
        _INSERT[key] = insert(table).returning(table.c.id)
    own = record.__dict__
    values = {c.name: own.get(c.name) for c in TABLES[cls].columns if given or c.name != "id"}
    record.id = int(session.execute(_INSERT[key], values).scalar_one())
    make_transient_to_detached(record)
    session.add(record)


_STATEMENTS: dict[tuple[type[Record], tuple[str, ...], tuple[tuple[str, bool], ...], bool], Select[Any]] = {}


def _matching(
    cls: type[Record], columns: tuple[str, ...], names: tuple[tuple[str, bool], ...], live: bool
) -> Select[Any]:
    """The SELECT of ``columns`` (none: the records) of ``cls`` whose columns equal parameters of
    their names (or, flagged, are NULL), built once for each shape: a creation looks its natural
    key up and the alert rules' windows with the same statements every time, and building one
    costs more than running it."""
    key = (cls, columns, names, live)
    if key not in _STATEMENTS:
        table = TABLES[cls]
        chosen: Any = [table.c[name] for name in columns] if columns else [cls]
        equal = [table.c[k].is_(None) if null else table.c[k] == bindparam(k) for k, null in names]
        stmt = select(*chosen).where(*equal)
        _STATEMENTS[key] = stmt.where(table.c.deleted_at.is_(None)) if live else stmt
    return _STATEMENTS[key]


def _shape(values: Mapping[str, Any]) -> tuple[tuple[tuple[str, bool], ...], dict[str, Any]]:
    return tuple((k, v is None) for k, v in values.items()), {k: v for k, v in values.items() if v is not None}


def find(session: Session, cls: type[Record], values: Mapping[str, Any]) -> list[Record]:
    """Records of ``cls``, deleted included, whose columns equal ``values``."""
    names, params = _shape(values)
    with session.no_autoflush:
        return list(session.scalars(_matching(cls, (), names, False), params))


def find_read(session: Session, cls: type[Record], values: Mapping[str, Any]) -> list[Record]:
    """What ``find`` gives, to read and not to change (as ``read``): the session's own records
    where it holds them, the others built from their rows. A creation's natural-key check."""
    names, params = _shape(values)
    with session.no_autoflush:
        rows = session.execute(_matching(cls, _columns(cls), names, False), params).mappings().all()
    return [_held(session, cls, row["id"]) or unsaved(cls, dict(row)) for row in rows]


def select_records(
    session: Session,
    cls: type[Record],
    filters: Mapping[str, Any] | None = None,
    *,
    include_deleted: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[Record]:
    """Records of ``cls`` in id order, live only unless ``include_deleted``."""
    table = TABLES[cls]
    stmt = select(cls).where(*(table.c[k] == v for k, v in (filters or {}).items()))
    if not include_deleted:
        stmt = stmt.where(table.c.deleted_at.is_(None))
    stmt = stmt.order_by(table.c.id).offset(offset).limit(limit)
    return session.scalars(stmt).all()


def stream_records(
    session: Session,
    cls: type[Record],
    filters: Mapping[str, Any],
    *,
    date_field: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    batch: int = 1000,
) -> Iterator[Record]:
    """Live records of ``cls`` in id order, fetched ``batch`` at a time (for exports).

    Each batch is its own query, continuing after the last id seen (no cursor stays open while
    the caller works), and its records are let go once the next batch is asked for, so memory
    stays flat whatever the size of the table."""
    table = TABLES[cls]
    base = select(cls).where(table.c.deleted_at.is_(None), *(table.c[k] == v for k, v in filters.items()))
    if date_field is not None and date_from is not None:
        base = base.where(table.c[date_field] >= date_from)
    if date_field is not None and date_to is not None:
        base = base.where(table.c[date_field] <= date_to)
    last: int | None = None
    while True:
        stmt = base if last is None else base.where(table.c.id > last)
        chunk = list(session.scalars(stmt.order_by(table.c.id).limit(batch)))
        yield from chunk
        if len(chunk) < batch:
            return
        last = chunk[-1].id
        for record in chunk:
            session.expunge(record)  # what was written out need not stay loaded


def count_records(session: Session, cls: type[Record], *, include_deleted: bool = False) -> int:
    table = TABLES[cls]
    stmt = select(func.count()).select_from(table)
    if not include_deleted:
        stmt = stmt.where(table.c.deleted_at.is_(None))
    return int(session.scalar(stmt) or 0)


def live_values(
    session: Session, cls: type[Record], columns: Sequence[str], filters: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The values of ``columns`` of the live records of ``cls`` whose columns equal ``filters``
    (plain rows: no record is built, for a check that needs a few columns of many records)."""
    names, params = _shape(filters)
    return [tuple(row) for row in session.execute(_matching(cls, tuple(columns), names, True), params)]


def referrers(session: Session, cls: type[Record], column: str, record_id: int) -> list[int]:
    """Ids of live records of ``cls`` whose ``column`` refers to ``record_id``."""
    table = TABLES[cls]
    stmt = select(table.c.id).where(table.c[column] == record_id, table.c.deleted_at.is_(None)).order_by(table.c.id)
    return list(session.scalars(stmt))


def list_referrers(session: Session, cls: type[Record], column: str, record_id: int) -> list[int]:
    """Ids of live records of ``cls`` whose JSON list ``column`` contains ``record_id``.

    Read and filtered here rather than with each backend's JSON operators: these lists live on
    operations, activities and programmes, a few thousand rows even for a large mission.
    """
    table = TABLES[cls]
    stmt = select(table.c.id, table.c[column]).where(table.c.deleted_at.is_(None)).order_by(table.c.id)
    return [row_id for row_id, ids in session.execute(stmt) if ids and record_id in ids]


def append_audit(session: Session, entry: AuditEntry) -> None:
    """Append ``entry`` to the history (stored in its shortest exact form: ``audit_store``)."""
    audit_store.append(session, entry)


def append_creations(
    session: Session, entity: str, actor: str, created: Iterable[tuple[int, datetime, dict[str, JSONValue]]]
) -> None:
    """Append the creation entries of one batch of an import (record id, when, after-image)."""
    audit_store.append_creations(session, entity, actor, created)


def history(session: Session, entity: str, record_id: int) -> list[AuditEntry]:
    """Every change to one record, oldest first, each with its full before and after images."""
    return audit_store.history(session, entity, record_id)


def reserve_ids(session: Session, cls: type[Record], count: int) -> list[int]:
    """``count`` new ids for records of ``cls`` that a bulk INSERT will write with their ids
    (no RETURNING needed). PostgreSQL takes them from the table's sequence. SQLite takes the
    ones after the largest id: a writer there holds the database's one write lock from its
    first write to its commit, and a transaction whose snapshot another writer has overtaken
    is refused its first write, so no one else can take the same ids."""
    if count <= 0:
        return []
    table = TABLES[cls]
    if session.get_bind().dialect.name == "postgresql":
        stmt = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
        return [int(i) for i in session.execute(stmt, {"table": table.name, "count": count}).scalars().all()]
    largest = int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
    return list(range(largest + 1, largest + count + 1))
