"""Appending to the audit history and reading it back with every image whole.

Entries are stored in the shortest form that gives their images back exactly
(``audit_codec``); whoever reads them here sees full before and after images, as written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, insert, literal, select
from sqlalchemy.orm import Session

from bluehelmet.domain.audit import AuditAction, AuditEntry
from bluehelmet.domain.records import JSONValue
from bluehelmet.storage import audit_codec, audit_runs
from bluehelmet.storage.audit_codec import Form, Image
from bluehelmet.storage.audit_runs import Blocks, Stored, blocks_of
from bluehelmet.storage.tables import audit_block_table, audit_table

__all__ = [
    "append",
    "append_block_of_columns",
    "append_block_of_rows",
    "append_creations",
    "decode_rows",
    "every_entry",
    "history",
]


def _insert(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(audit_table), list(rows))


def _row(entry: AuditEntry, form: Form, before: Any, after: Any, block_id: int | None = None) -> dict[str, Any]:
    return {"entity": entry.entity, "record_id": entry.record_id, "action": entry.action, "version": entry.version,
            "actor": entry.actor, "at": entry.at, "before": before, "after": after, "form": int(form),
            "block_id": block_id}  # fmt: skip


def _encoded(session: Session, entry: AuditEntry) -> dict[str, Any]:
    if entry.before is None and entry.after is not None and entry.action == AuditAction.CREATE:
        values = audit_codec.encode_creation(entry.record_id, entry.version, entry.actor, entry.at, entry.after)
        if values is not None:
            return _row(entry, Form.CREATE, None, values)
    elif entry.before is not None and entry.after is not None:
        earlier = history(session, entry.entity, entry.record_id)
        previous = earlier[-1].after if earlier else None
        if previous is not None:
            change = audit_codec.encode_change(
                entry.version, entry.actor, entry.at, previous, entry.before, entry.after
            )
            if change is not None:
                return _row(entry, Form.CHANGE, *change)
    return _row(entry, Form.FULL, entry.before, entry.after)


#: Built once: a statement made for each entry cost more than running it (every write appends one).
_APPEND = insert(audit_table).returning(audit_table.c.id)


def append(session: Session, entry: AuditEntry) -> None:
    """Append one entry, in the shortest form that gives its images back whole; ``entry.id`` is
    set to the id it was given (the sync log names the audit entry a change was applied as)."""
    entry.id = int(session.execute(_APPEND, _encoded(session, entry)).scalar_one())


def append_creations(session: Session, entity: str, actor: str, created: Iterable[tuple[int, datetime, Image]]) -> None:
    """Append the creations of one batch (record id, when, after-image; version 1 each): those
    whose images share their keys go into one compressed block, any other is appended alone."""
    entries = [AuditEntry(entity=entity, record_id=record_id, action=AuditAction.CREATE, version=1, actor=actor,
                          at=at, after=image) for record_id, at, image in created]  # fmt: skip
    values = {e.record_id: audit_codec.encode_creation(e.record_id, 1, actor, e.at, e.after or {}) for e in entries}
    shapes: dict[tuple[str, ...], int] = {}
    for found in values.values():
        if found is not None:
            shape = tuple(found)
            shapes[shape] = shapes.get(shape, 0) + 1
    keys = max(shapes, key=lambda shape: shapes[shape]) if shapes else ()
    fits = {i: list(v.values()) for i, v in values.items() if v is not None and tuple(v) == keys}
    block_id = None
    moments = {e.at for e in entries if e.record_id in fits}
    if len(fits) > 1:
        try:
            data = audit_codec.encode_block(keys, fits)
        except ValueError:  # a value JSON cannot hold (NaN): each entry alone, as written
            fits = {}
        else:
            if len(moments) == 1 and _run(session, entity, actor, moments.pop(), list(fits), data):
                _insert(session, [_encoded(session, e) for e in entries if e.record_id not in fits])
                return
            block_id = _block(session, entity, data)
    else:
        fits = {}
    rows = [_row(e, Form.BLOCK, None, None, block_id) if e.record_id in fits else _encoded(session, e) for e in entries]
    _insert(session, rows)


def _block(session: Session, entity: str, data: bytes, **run: int) -> int:
    stmt = insert(audit_block_table).values(entity=entity, data=data, **run).returning(audit_block_table.c.id)
    return int(session.execute(stmt).scalar_one())


def _run(session: Session, entity: str, actor: str, at: datetime, ids: Sequence[int], data: bytes) -> bool:
    """Keep the creations of ``ids`` (their values in the block ``data``) as one run, if the
    entries' sequence gives it ids that follow each other; False: nothing written."""
    first = audit_runs.reserve(session, len(ids))
    if first is None:
        return False
    last = first + len(ids) - 1
    block_id = _block(session, entity, data, first_record_id=min(ids), last_record_id=max(ids), first_entry_id=first,
                      last_entry_id=last)  # fmt: skip
    carrier = AuditEntry(id=last, entity=entity, record_id=max(ids), action=AuditAction.CREATE, version=1,
                         actor=actor, at=at)  # fmt: skip
    session.execute(insert(audit_table).values(id=last, **_row(carrier, Form.RUN, None, None, block_id)))
    return True


def append_block_of_rows(
    session: Session,
    table: Table,
    entity: str,
    actor: str,
    at: datetime,
    ids: Sequence[int],
    keys: Sequence[str],
    rows: Sequence[Sequence[JSONValue]],
) -> None:
    """Append the creations of rows just written to ``table`` with ``ids`` (version 1, by
    ``actor`` at ``at``): their values (``keys`` in the images' order, stamps left out, as JSON
    values) as one block kept as a run (``audit_runs``); when the entries' sequence cannot give
    the run its ids, one entry a row written by the database from the rows themselves
    (``INSERT ... SELECT``), as :func:`append_creations` stores a batch whose images share their keys."""
    if ids:
        data = audit_codec.encode_block(keys, dict(zip(ids, rows, strict=True)))
        _append_written(session, table, entity, actor, at, ids, data)


def append_block_of_columns(
    session: Session,
    table: Table,
    entity: str,
    actor: str,
    at: datetime,
    ids: Sequence[int],
    keys: Sequence[str],
    columns: Sequence[Sequence[JSONValue]],
) -> None:
    """:func:`append_block_of_rows` with the values given by column (``columns[k][i]`` the
    value of ``keys[k]`` for ``ids[i]``): the same block, the same entries."""
    if ids:
        _append_written(session, table, entity, actor, at, ids, audit_codec.encode_columns(keys, ids, columns))


def _append_written(
    session: Session, table: Table, entity: str, actor: str, at: datetime, ids: Sequence[int], data: bytes
) -> None:
    """The creations of the rows of ``table`` just written with ``ids``, their block ``data``."""
    if _run(session, entity, actor, at, ids, data):
        return
    block_id = _block(session, entity, data)
    constants = [
        literal(entity, audit_table.c.entity.type).label("entity"),
        table.c.id.label("record_id"),
        literal(AuditAction.CREATE, audit_table.c.action.type).label("action"),
        literal(1, audit_table.c.version.type).label("version"),
        literal(actor, audit_table.c.actor.type).label("actor"),
        literal(at, audit_table.c.at.type).label("at"),
        literal(int(Form.BLOCK), audit_table.c.form.type).label("form"),
        literal(block_id, audit_table.c.block_id.type).label("block_id"),
    ]
    written = select(*constants).where(_among(table.c.id, ids)).order_by(table.c.id)
    names = ["entity", "record_id", "action", "version", "actor", "at", "form", "block_id"]
    session.execute(insert(audit_table).from_select(names, written))


def _among(column: Any, ids: Sequence[int]) -> Any:
    """``column`` is one of ``ids``: a range when they follow each other (as reserved)."""
    first, last = min(ids), max(ids)
    if last - first + 1 == len(ids):
        return column.between(first, last)
    return column.in_(list(ids))


def decode_rows(rows: Iterable[Row[Any] | Stored], blocks: Blocks) -> Iterator[AuditEntry]:
    """Entries with their full images from stored rows in (record, id) order."""
    previous: Image | None = None
    record: tuple[str, int] | None = None
    for row in rows:
        if (row.entity, row.record_id) != record:
            record, previous = (row.entity, row.record_id), None
        block_row = blocks.row(int(row.block_id or 0), row.record_id) if row.form in (Form.BLOCK, Form.RUN) else None
        before, after = audit_codec.decode(row.form, row.version, row.actor, row.at, row.record_id,
                                           (row.before, row.after), previous, block_row)  # fmt: skip
        previous = after
        yield AuditEntry(id=row.id, entity=row.entity, record_id=row.record_id, action=row.action, version=row.version,
                         actor=row.actor, at=row.at, before=before, after=after)  # fmt: skip


def history(session: Session, entity: str, record_id: int) -> list[AuditEntry]:
    """Every entry of one record, oldest first, with full images (its creation's among a run's
    entries when an import kept it so)."""
    stmt = select(audit_table).where(audit_table.c.entity == entity, audit_table.c.record_id == record_id)
    rows: list[Row[Any] | Stored] = [*session.execute(stmt), *audit_runs.covering(session, entity, record_id)]
    return list(decode_rows(sorted(rows, key=lambda row: row.id), blocks_of(session)))


def every_entry(session: Session) -> Iterator[AuditEntry]:
    """Every entry of the history with full images, record by record (for checks and tests:
    the whole history is sorted in memory)."""
    rows: list[Row[Any] | Stored] = list(session.execute(select(audit_table)))
    rows += itertools.chain.from_iterable(audit_runs.runs(session))
    rows.sort(key=lambda row: (row.entity, row.record_id, row.id))
    yield from decode_rows(rows, blocks_of(session))
