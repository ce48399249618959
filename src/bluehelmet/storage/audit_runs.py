"""The creations of an import's batch kept as one run: one stored entry, the others given back.

A batch's creations share who made them and when, and their values are in the batch's block
already (``audit_codec.Form.BLOCK``); stored a row each, they cost more than the rest of the
history together (148 of the 210 MB at a million incidents on PostgreSQL, about 145 bytes an
entry with its keys). A run stores one entry, the creation of the batch's last record (form
``RUN``); the block keeps the run of entry ids its other records' creations were given, reserved
in the entries' own sequence before anything is written and following each other in the order
of the records' ids. Every reader (a record's history, the list of recent changes, the sync's
capture, ``every_entry``) is given those entries, with those ids, as if each had been stored.

Pure reading and id keeping: no images here (``audit_store`` decodes them).
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, Select, func, select
from sqlalchemy.orm import Session

from bluehelmet.storage import audit_codec
from bluehelmet.storage.audit_codec import Form, Image
from bluehelmet.storage.tables import audit_block_table, audit_table

__all__ = ["Blocks", "Stored", "blocks_of", "carriers", "covering", "members", "record_ids", "reserve", "runs"]

_CACHE = "bluehelmet.audit_blocks"
_CACHED_BLOCKS = 16


class Stored(NamedTuple):
    """An entry as stored (a row of ``audit_entry``), or as a run gives it back."""

    id: int
    entity: str
    record_id: int
    action: Any
    version: int
    actor: str
    at: datetime
    before: Any
    after: Any
    form: int
    block_id: int | None


class Blocks:
    """Decoded blocks, the few used last (a record's history reads one; a re-import many in turn)."""

    def __init__(self, session: Session | Connection) -> None:
        self.session = session
        self.cache: OrderedDict[int, tuple[dict[int, Image], list[int]]] = OrderedDict()

    def _decoded(self, block_id: int) -> tuple[dict[int, Image], list[int]]:
        if block_id not in self.cache:
            data = self.session.scalar(select(audit_block_table.c.data).where(audit_block_table.c.id == block_id))
            images = audit_codec.decode_block(data) if data is not None else {}
            self.cache[block_id] = images, sorted(images)
            while len(self.cache) > _CACHED_BLOCKS:
                self.cache.popitem(last=False)
        self.cache.move_to_end(block_id)
        return self.cache[block_id]

    def row(self, block_id: int, record_id: int) -> Image | None:
        return self._decoded(block_id)[0].get(record_id)

    def ids(self, block_id: int) -> list[int]:
        """The block's record ids, in order (a run's entry ids follow them)."""
        return self._decoded(block_id)[1]


def record_ids(blocks: Blocks, run: Any) -> Sequence[int]:
    """A run's record ids in order (``run``: its block's row, or a row with the block's id as
    ``id`` and its range of records and entries): the range itself when it holds as many ids as
    the run has entries (nothing to decode), else read from the block."""
    size = run.last_entry_id - run.first_entry_id + 1
    if run.last_record_id - run.first_record_id + 1 == size:
        return range(run.first_record_id, run.last_record_id + 1)
    return blocks.ids(run.id)


def blocks_of(session: Session) -> Blocks:
    """The session's cache of decoded blocks."""
    found = session.info.get(_CACHE)
    if not isinstance(found, Blocks):
        found = session.info[_CACHE] = Blocks(session)
    return found


def reserve(session: Session, count: int) -> int | None:
    """The first of ``count`` new entry ids that follow each other, for a run; None when the
    sequence gave ids that do not (PostgreSQL, another writer took some meanwhile: the batch's
    entries are then stored one by one, and the ids taken stay unused). SQLite takes the ones
    after the largest: a writer holds the database's one write lock until it commits, and the
    run's own entry, stored at once with the last of them, keeps them the largest."""
    if count <= 0:
        return None
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(audit_table.name, "id")
        stmt = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        ids = [int(i) for i in session.scalars(stmt)]
        return ids[0] if ids == list(range(ids[0], ids[0] + count)) else None
    largest = int(session.execute(select(func.coalesce(func.max(audit_table.c.id), 0))).scalar_one())
    return largest + 1


def _with_carrier(*columns: Any) -> Select[Any]:
    """Blocks kept as runs, each with its stored entry's columns (``columns``)."""
    a, b = audit_table.c, audit_block_table.c
    return select(*columns).select_from(audit_block_table).join(audit_table, a.id == b.last_entry_id)


def _given_back(run: Any, rank: int, record_id: int) -> Stored:
    """The creation of ``record_id``, the ``rank``-th of ``run`` (a row of :func:`carriers`)."""
    return Stored(run.first_entry_id + rank, run.entity, record_id, run.action, run.version, run.actor, run.at,
                  None, None, int(Form.BLOCK), run.id)  # fmt: skip


def members(blocks: Blocks, run: Any) -> Iterator[Stored]:
    """The entries a run (a row of :func:`carriers`) stands for besides its stored one, oldest first."""
    for rank, record_id in enumerate(record_ids(blocks, run)[:-1]):
        yield _given_back(run, rank, record_id)


_RUN = (audit_block_table.c.id, audit_block_table.c.first_record_id, audit_block_table.c.last_record_id,
        audit_block_table.c.first_entry_id, audit_block_table.c.last_entry_id)  # fmt: skip
_CARRIER = (audit_table.c.entity, audit_table.c.action, audit_table.c.version, audit_table.c.actor, audit_table.c.at)


def covering(session: Session, entity: str, record_id: int) -> list[Stored]:
    """The creation of ``record_id`` if a run stands for it (not as its stored entry)."""
    b = audit_block_table.c
    stmt = _with_carrier(*_RUN, *_CARRIER).where(
        b.entity == entity, b.first_record_id <= record_id, b.last_record_id > record_id
    )
    blocks, found = blocks_of(session), []
    for row in session.execute(stmt):
        ids = record_ids(blocks, row)
        rank = bisect.bisect_left(ids, record_id)
        if rank < len(ids) - 1 and ids[rank] == record_id:
            found.append(_given_back(row, rank, record_id))
    return found


def carriers(session: Session, where: Iterable[Any] = (), *, newest_first: bool = False) -> list[Row[Any]]:
    """The runs matching ``where`` (conditions on ``audit_table.c``, the run's stored entry, and
    ``audit_block_table.c``): each block's id, first and last entry ids, and its stored entry's
    entity, action, version, actor and time."""
    b = audit_block_table.c
    stmt = _with_carrier(*_RUN, *_CARRIER).where(b.last_entry_id.is_not(None), *where)
    return list(session.execute(stmt.order_by(b.last_entry_id.desc() if newest_first else b.last_entry_id)))


def runs(session: Session, where: Iterable[Any] = ()) -> Iterator[list[Stored]]:
    """For every run matching ``where`` (as :func:`carriers`), the entries it stands for besides
    its stored one, oldest run first."""
    blocks = blocks_of(session)
    for row in carriers(session, where):
        yield list(members(blocks, row))
