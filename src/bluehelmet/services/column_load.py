"""Loading a large file of new records in columns, all or nothing, with set-based writes.

A reader (a door: ``imports/acled_columns.py``) converts a file a batch of rows at a time in
columns and sorts its rows in two: those it has proved the row-by-row path would write as new
records, unchanged, with no problem and no warning (``ColumnBatch.values``), and all the others
(``ColumnBatch.slow``), which go through that path itself (``loading.load_batched``), so that
their problems, warnings and updates are the row path's own, word for word.

The proved rows of a batch are written together: the records by the driver in bulk
(``storage/bulk.py``: ``executemany`` on SQLite, ``COPY`` on PostgreSQL), their audit entries
as one compressed block of creations and one ``INSERT ... SELECT`` over the rows just written,
and the rollups by one ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT`` a rollup over the
same rows. Everything is in the load's one transaction: a problem anywhere rolls all of it back.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import String, func, select, type_coerce

from bluehelmet.domain.records import Record, new_uid
from bluehelmet.services import records
from bluehelmet.services.batching import BatchContext
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.load_report import LoadReport
from bluehelmet.services.loading import (
    Converter,
    Resolver,
    find_mission,
    finish_load,
    load_batched,
    planner_statistics,
)
from bluehelmet.storage import bulk, repository
from bluehelmet.storage.audit_codec import STAMPS
from bluehelmet.storage.audit_store import append_block_of_columns
from bluehelmet.storage.bulk import Same
from bluehelmet.storage.tables import TABLES
from bluehelmet.storage.types import StrEnumType

__all__ = ["ColumnBatch", "ColumnContext", "ColumnReader", "load_columns"]

#: A file of more than one batch into a table of fewer rows than this has its secondary indexes
#: built once after the rows are in, rather than kept row by row (SQLite).
_SMALL_TABLE = 200_000


@dataclass
class ColumnBatch:
    """One batch of a file: the rows proved new and clean, as columns of field values (dates as
    dates, choices as their text), with their row numbers; the other rows for the row path, in
    file order; and the last row number the batch reached (for progress)."""

    numbers: list[int]
    values: dict[str, list[Any]]
    slow: list[tuple[int, Mapping[str, Any]]] = field(default_factory=list)
    last_number: int = 0
    #: Rows proved to be stored already exactly as the row path would leave them (no write).
    unchanged: int = 0


@dataclass
class ColumnContext:
    """What a reader may ask while it converts: the load's resolver (names, the mission), the
    rules' context (records of other kinds), today, and which natural keys are stored."""

    tx: Transaction
    cls: type[Record]
    resolver: Resolver
    rules: BatchContext

    @property
    def today(self) -> date:
        return self.rules.today

    def stored(self, column: str, values: Sequence[str]) -> set[str]:
        """The ``values`` of ``column`` that a record of the kind in this mission already has
        (deleted ones included: the row path would update or refuse them)."""
        table = TABLES[self.cls]
        wanted = sorted(set(values))
        if not wanted:
            return set()
        stmt = select(table.c[column]).where(bulk.among(self.tx.session, table.c[column], wanted))
        if self.resolver.mission_id is not None and "mission_id" in table.c:
            stmt = stmt.where(table.c.mission_id == self.resolver.mission_id)
        return {str(v) for v in self.tx.session.scalars(stmt).all()}

    def unchanged(self, key: str, rows: Mapping[str, list[Any]], kept_when_none: frozenset[str]) -> list[bool]:
        """For each row (fields by name, ``key`` among them, choices as their text), whether the
        live record of the mission with that key holds exactly those values already; a field in
        ``kept_when_none`` whose value is None is not compared (the row path would leave it as
        stored). On SQLite the database compares them (``bulk.stored_alike``: no stored row
        read back); on PostgreSQL the stored rows are read, choices as their stored text, and
        each compared whole first, field by field only when it differs and has such a None."""
        table, names = TABLES[self.cls], list(rows)
        if self.tx.session.get_bind().dialect.name == "sqlite":  # compared by the database itself
            scope = []
            if self.resolver.mission_id is not None and "mission_id" in table.c:
                scope.append(table.c.mission_id == self.resolver.mission_id)
            return bulk.stored_alike(self.tx.session, table, key, rows, kept_when_none, scope)
        keys, at = rows[key], names.index(key)
        read = [
            type_coerce(table.c[n], String()) if isinstance(table.c[n].type, StrEnumType) else table.c[n] for n in names
        ]
        stored: dict[Any, tuple[Any, ...]] = {}
        wanted = sorted(set(keys))
        stmt = select(*read).where(bulk.among(self.tx.session, table.c[key], wanted), table.c.deleted_at.is_(None))
        if self.resolver.mission_id is not None and "mission_id" in table.c:
            stmt = stmt.where(table.c.mission_id == self.resolver.mission_id)
        if wanted:
            stored.update((row[at], tuple(row)) for row in self.tx.session.execute(stmt).all())
        kept = [j for j, n in enumerate(names) if n in kept_when_none]
        same = []
        for value, given in zip(keys, zip(*rows.values(), strict=True), strict=True):
            row = stored.get(value)
            if row is None or row == given:
                same.append(row is not None)
                continue
            loose = [j for j in kept if given[j] is None]
            same.append(bool(loose) and all(j in loose or row[j] == given[j] for j in range(len(names))))
        return same


#: A file read in columns: given the context, its batches in file order.
ColumnReader = Callable[[ColumnContext], Iterator[ColumnBatch]]


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run or a refused load."""


def load_columns(
    db: Database,
    actor: str,
    kind: str | type[Record],
    reader: ColumnReader,
    *,
    mission: str | None = None,
    source: str = "",
    dry_run: bool = False,
    convert: Converter,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load a file read in columns as records of ``kind``, all or nothing; ``convert`` is the
    row path's converter for the rows the reader leaves to it. The report is the one
    ``loading.load`` gives for the same file."""
    cls = records.kind_of(kind)
    report = LoadReport(source=source, kind=cls.__name__, dry_run=dry_run)
    mission_id: int | None = None
    try:
        with db.transaction(actor) as tx:
            mission_id = find_mission(tx, mission).id if "mission_id" in cls.__dataclass_fields__ else None
            resolver = Resolver(tx, mission_id, report)
            context = ColumnContext(tx, cls, resolver, BatchContext(tx, cls))
            writer = _Writer(tx, cls, mission_id)
            statistics = planner_statistics(tx, cls)  # one schedule for the load (was: ANALYZE every batch)
            small = (tx.session.scalar(select(func.count()).select_from(TABLES[cls])) or 0) < _SMALL_TABLE
            with ExitStack() as suspended:
                for number, batch in enumerate(reader(context)):
                    if number >= 1 and small and batch.numbers:  # a large file into a small table
                        suspended.enter_context(bulk.indexes_suspended(tx.session, TABLES[cls], suspend=True))
                        small = False  # suspended once (nothing to rebuild for a file of nothing new)
                    writer.write(batch, report)
                    report.rows += batch.unchanged
                    report.unchanged += batch.unchanged
                    if batch.slow:
                        load_batched(tx, cls, batch.slow, report, resolver, convert, None, statistics)
                    if progress is not None and batch.last_number:
                        progress(batch.last_number)
            if not report.written:
                raise _RollBack
    except _RollBack:
        pass
    finish_load(db, actor, cls, mission_id, report)
    return report


def _default(f: dataclasses.Field[Any]) -> Same | Callable[[], Any] | None:
    """A field's default for every row, or the factory that makes one a row (a uid), or None."""
    if f.default is not dataclasses.MISSING:
        return Same(f.default)
    if f.default_factory is not dataclasses.MISSING:
        factory = f.default_factory
        return Same(factory()) if factory() == factory() else factory
    return None  # required: the reader gives it (or the mission, for mission_id)


def _json(value: Any) -> Any:
    """A field value as the audit's images hold it (snapshot's JSON values)."""
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Writer:
    """Writes the proved rows of each batch: records, audit, rollups."""

    def __init__(self, tx: Transaction, cls: type[Record], mission_id: int | None) -> None:
        self.tx, self.cls, self.mission_id = tx, cls, mission_id
        self.table = TABLES[cls]
        self.fields = [f.name for f in dataclasses.fields(cls)]
        if tuple(self.fields[: len(STAMPS)]) != STAMPS:
            raise AssertionError("the audit's block rows expect the stamps first")
        self.defaults = {f.name: _default(f) for f in dataclasses.fields(cls)}
        if "mission_id" in self.fields:
            self.defaults["mission_id"] = Same(mission_id)

    def write(self, batch: ColumnBatch, report: LoadReport) -> None:
        count = len(batch.numbers)
        report.rows += count  # the row path counts the slow rows itself
        if not count:
            return
        session, now, actor = self.tx.session, self.tx.now(), self.tx.actor
        ids = repository.reserve_ids(session, self.cls, count)
        stamped: dict[str, list[Any] | Same] = {
            "id": ids, "version": Same(1), "created_at": Same(now), "created_by": Same(actor),
            "updated_at": Same(now), "updated_by": Same(actor), "deleted_at": Same(None), "deleted_by": Same(None),
        }  # fmt: skip
        columns: dict[str, list[Any] | Same] = {}
        for name in self.fields:
            given = stamped.get(name) or batch.values.get(name) or self.defaults.get(name)
            if given is None:
                raise ValueError(f"the reader gave no {name} column")
            if isinstance(given, list | Same):
                columns[name] = given
            else:
                columns[name] = _new_uids(count) if given is new_uid else [given() for _ in range(count)]
        bulk.write_rows(session, self.table, {c.name: columns[c.name] for c in self.table.columns}, count)
        keys = [name for name in self.fields if name not in STAMPS]
        audit_columns = [_listed(_audit_column(columns[k], count), count) for k in keys]
        append_block_of_columns(session, self.table, self.cls.__name__, actor, now, ids, keys, audit_columns)
        bulk.count_columns_in_rollups(session, columns, count)
        report.created += count


#: Where each of a uid's 32 hex digits goes in its 36 characters (the dashes between).
_UID_DIGITS = [i for i in range(36) if i not in (8, 13, 18, 23)]
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _new_uids(count: int) -> list[str]:
    """``count`` uids as ``new_uid`` makes them one at a time (random, version 4, RFC 4122
    variant: ``str(uuid.uuid4())``), made together from one read of the system's randomness."""
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.empty((count, 32), dtype=np.uint8)
    digits[:, 0::2], digits[:, 1::2] = _HEX[raw >> 4], _HEX[raw & 0x0F]
    text = np.full((count, 36), ord("-"), dtype=np.uint8)
    text[:, _UID_DIGITS] = digits
    uids: list[str] = text.view("S36").ravel().astype("U36").tolist()
    return uids


def _audit_column(column: list[Any] | Same, count: int) -> list[Any] | Same:
    if isinstance(column, Same):
        return Same(_json(column.value))
    if any(isinstance(v, date) for v in column[:1]):  # a few thousand days: each written once
        known: dict[Any, Any] = {}
        return [known[v] if v in known else known.setdefault(v, _json(v)) for v in column]
    return column


def _listed(column: list[Any] | Same, count: int) -> list[Any]:
    """A column as a list of one value a row (one value for every row repeated)."""
    return [column.value] * count if isinstance(column, Same) else column
