"""Converting a history between full images and the shorter forms (migration 0025, both ways).

Each record's entries are read in order, each entry encoded as ``audit_store`` would have
written it (creations of one kind in blocks of up to a thousand), and rewritten in place: the
append-only triggers are lifted for the conversion alone by the migration that calls this.
Every encoding is decoded again before it is kept (``audit_codec``), so no image changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)

from bluehelmet.domain.audit import AuditAction
from bluehelmet.storage import audit_codec
from bluehelmet.storage.audit_codec import Form, Image
from bluehelmet.storage.audit_runs import Blocks
from bluehelmet.storage.audit_store import decode_rows
from bluehelmet.storage.tables import audit_block_table
from bluehelmet.storage.types import StrEnumType, UTCDateTime

__all__ = ["compact", "expand"]

# The entries' columns as revision 0025 has them (not today's table: a later migration may add some).
audit_table = Table(
    "audit_entry",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("entity", String(64)),
    Column("record_id", Integer),
    Column("action", StrEnumType(AuditAction)),
    Column("version", Integer),
    Column("actor", String()),
    Column("at", UTCDateTime()),
    Column("before", JSON(none_as_null=True)),
    Column("after", JSON(none_as_null=True)),
    Column("form", Integer),
    Column("block_id", Integer),
)
_RECORDS = 2000  # records read at a time
_BLOCK = 1000  # creations a block holds at most


def _chunks(connection: Connection) -> list[tuple[str, int, int]]:
    """(kind, first record id, last record id) ranges covering the whole history."""
    t = audit_table.c
    ranges = []
    spans = connection.execute(select(t.entity, func.min(t.record_id), func.max(t.record_id)).group_by(t.entity))
    for entity, low, high in spans:
        for start in range(int(low), int(high) + 1, _RECORDS):
            ranges.append((str(entity), start, start + _RECORDS - 1))
    return ranges


def _rows(connection: Connection, entity: str, low: int, high: int) -> Sequence[Any]:
    t = audit_table.c
    stmt = (
        select(audit_table)
        .where(t.entity == entity, t.record_id >= low, t.record_id <= high)
        .order_by(t.record_id, t.id)
    )
    return connection.execute(stmt).all()


def _rewrite(connection: Connection, changes: list[dict[str, Any]]) -> None:
    if changes:
        stmt = update(audit_table).where(audit_table.c.id == bindparam("entry_id"))
        stmt = stmt.values(form=bindparam("new_form"), block_id=bindparam("new_block"),
                           before=bindparam("new_before"), after=bindparam("new_after"))  # fmt: skip
        connection.execute(stmt, changes)


def _change(entry_id: int, form: Form, before: Any, after: Any, block: int | None = None) -> dict[str, Any]:
    return {"entry_id": entry_id, "new_form": int(form), "new_block": block, "new_before": before, "new_after": after}


def compact(connection: Connection, progress: Callable[[int], None] | None = None) -> int:
    """Store every full-image entry in its shortest exact form; the number of entries rewritten."""
    done = 0
    for entity, low, high in _chunks(connection):
        changes: list[dict[str, Any]] = []
        creations: dict[int, tuple[int, list[Any]]] = {}  # record id -> (entry id, values)
        keys: tuple[str, ...] | None = None
        previous: Image | None = None
        record: int | None = None
        for row in _rows(connection, entity, low, high):
            if row.record_id != record:
                record, previous = row.record_id, None
            after, form = row.after, Form(row.form)
            if form != Form.FULL:  # already short: only follow the record's images
                previous = None
                continue
            if row.before is None and after is not None and row.action == "create":
                values = audit_codec.encode_creation(row.record_id, row.version, row.actor, row.at, after)
                if values is not None and (keys is None or tuple(values) == keys):
                    keys = tuple(values)
                    creations[row.record_id] = (row.id, list(values.values()))
                elif values is not None:
                    changes.append(_change(row.id, Form.CREATE, None, values))
            elif row.before is not None and after is not None and previous is not None:
                found = audit_codec.encode_change(row.version, row.actor, row.at, previous, row.before, after)
                if found is not None:
                    changes.append(_change(row.id, Form.CHANGE, *found))
            previous = after
            if len(creations) >= _BLOCK:
                changes += _block(connection, entity, keys or (), creations)
                creations, keys = {}, None
        changes += _block(connection, entity, keys or (), creations)
        _rewrite(connection, changes)
        done += len(changes)
        if progress is not None:
            progress(done)
    return done


def _block(
    connection: Connection, entity: str, keys: tuple[str, ...], creations: dict[int, tuple[int, list[Any]]]
) -> list[dict[str, Any]]:
    if not creations:
        return []
    if len(creations) == 1:
        ((entry_id, values),) = creations.values()
        return [_change(entry_id, Form.CREATE, None, dict(zip(keys, values, strict=True)))]
    try:
        data = audit_codec.encode_block(keys, {record_id: values for record_id, (_, values) in creations.items()})
    except ValueError:  # a value JSON cannot hold: each one alone
        return [_change(e, Form.CREATE, None, dict(zip(keys, v, strict=True))) for e, v in creations.values()]
    stmt = insert(audit_block_table).values(entity=entity, data=data).returning(audit_block_table.c.id)
    block_id = int(connection.execute(stmt).scalar_one())
    return [_change(entry_id, Form.BLOCK, None, None, block_id) for entry_id, _ in creations.values()]


def expand(connection: Connection) -> int:
    """Store every entry with its full images again (the downgrade); the entries rewritten."""
    done = 0
    blocks = Blocks(connection)
    for entity, low, high in _chunks(connection):
        rows = _rows(connection, entity, low, high)
        changes = [
            _change(entry.id or 0, Form.FULL, entry.before, entry.after)
            for row, entry in zip(rows, decode_rows(rows, blocks), strict=True)
            if row.form != Form.FULL
        ]
        _rewrite(connection, changes)
        done += len(changes)
    return done
