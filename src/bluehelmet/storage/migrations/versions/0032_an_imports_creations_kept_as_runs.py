"""An import's creations kept as runs (issue 29): one stored entry a batch instead of one a row.

The creations of one batch of an import share who made them and when, and their values are in
the batch's block already (0025); yet each kept a row of its own in ``audit_entry`` (148 of the
1,140 MB at a million incidents on PostgreSQL). A block now keeps the range of its records' ids
and the run of entry ids their creations were given (``first_entry_id`` .. ``last_entry_id``,
in the records' order); only the last record's creation is stored, as form 4 (``RUN``), and
the others are given back from the block with the same ids (``storage/audit_runs.py``).

The upgrade converts every block whose entries can be kept so without changing a byte of
meaning: its entries' ids follow each other in the order of their records' ids, they share one
actor and one time, and they are exactly the block's records. Any other block keeps its entries
as they are (form 3, still read). The downgrade writes each run's entries back, with their ids.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 23:20:00
"""

import hashlib
from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

from bluehelmet.storage.audit_codec import decode_block

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the audit history is append-only"
BLOCK, RUN = 3, 4
COLUMNS = ("first_record_id", "last_record_id", "first_entry_id", "last_entry_id")
INDEX = "ix_audit_block_entity_first_record_id_last_record_id"


def _triggers(on: bool) -> None:
    """Lift (or put back) the append-only triggers of the entries and blocks, for this alone."""
    if op.get_bind().dialect.name == "sqlite":
        for table in ("audit_entry", "audit_block"):
            for verb in ("UPDATE", "DELETE"):
                if on:
                    op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                               f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")  # fmt: skip
                else:
                    op.execute(f"DROP TRIGGER {table}_no_{verb.lower()}")
        return
    state = "ENABLE" if on else "DISABLE"
    op.execute(f"ALTER TABLE audit_entry {state} TRIGGER audit_entry_append_only")
    op.execute(f"ALTER TABLE audit_block {state} TRIGGER audit_block_append_only")


class _Run(NamedTuple):
    """A block's entries (form 3) as the upgrade checks them: how many, the first and last entry
    and record ids, whether the entries' ids follow each other in the records' order, and a
    digest of the records' ids (compared with the block's own)."""

    block_id: int
    size: int
    first_entry: int
    last_entry: int
    first_record: int
    last_record: int
    following: bool
    records: str


def _digest(ids: Iterable[int]) -> str:
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()


def _runs(bind: sa.Connection) -> list[_Run]:
    """Each block's entries, summed up in one pass (a million entries are not held at once)."""
    rows = bind.execute(sa.text(
        "SELECT id, block_id, record_id FROM audit_entry WHERE form = 3 AND block_id IS NOT NULL "
        "ORDER BY block_id, record_id"
    ).execution_options(stream_results=True, yield_per=10_000))  # fmt: skip
    found = []
    for block_id, group in groupby(rows, key=lambda row: int(row.block_id)):
        entries = [(int(row.id), int(row.record_id)) for row in group]
        ids = [entry for entry, _ in entries]
        found.append(_Run(block_id, len(entries), ids[0], ids[-1], entries[0][1], entries[-1][1],
                          ids == list(range(ids[0], ids[0] + len(ids))), _digest(r for _, r in entries)))  # fmt: skip
    return found


def _shared(bind: sa.Connection) -> set[int]:
    """The blocks whose entries share one actor, one time, one action and one version."""
    rows = bind.execute(sa.text(
        "SELECT block_id FROM audit_entry WHERE form = 3 AND block_id IS NOT NULL GROUP BY block_id "
        "HAVING count(DISTINCT actor) = 1 AND count(DISTINCT at) = 1 AND count(DISTINCT action) = 1 "
        "AND count(DISTINCT version) = 1"
    ))  # fmt: skip
    return {int(block_id) for (block_id,) in rows}


def _block_ids(bind: sa.Connection, block_id: int) -> list[int]:
    data = bind.execute(sa.text("SELECT data FROM audit_block WHERE id = :b"), {"b": block_id}).scalar_one()
    return sorted(decode_block(bytes(data)))


def upgrade() -> None:
    with op.batch_alter_table("audit_block", recreate="never") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
    op.create_index(INDEX, "audit_block", ["entity", "first_record_id", "last_record_id"])
    bind = op.get_bind()
    _triggers(False)
    shared = _shared(bind)
    for run in _runs(bind):
        if run.size < 2 or not run.following or run.block_id not in shared:
            continue
        if _digest(_block_ids(bind, run.block_id)) != run.records:
            continue  # the block's records are not exactly its entries' records: kept as they are
        bind.execute(
            sa.text("UPDATE audit_block SET first_record_id = :fr, last_record_id = :lr, first_entry_id = :fe, "
                    "last_entry_id = :le WHERE id = :b"),
            {"fr": run.first_record, "lr": run.last_record, "fe": run.first_entry, "le": run.last_entry,
             "b": run.block_id},
        )  # fmt: skip
        bounds = {"fe": run.first_entry, "le": run.last_entry}
        bind.execute(sa.text("DELETE FROM audit_entry WHERE id >= :fe AND id < :le"), bounds)
        bind.execute(sa.text("UPDATE audit_entry SET form = 4 WHERE id = :le"), bounds)
    _triggers(True)


def downgrade() -> None:
    bind = op.get_bind()
    _triggers(False)
    runs = bind.execute(sa.text(
        "SELECT id, first_entry_id, last_entry_id FROM audit_block WHERE last_entry_id IS NOT NULL ORDER BY id"
    )).all()  # fmt: skip
    for block_id, first_entry, last_entry in runs:
        ids = _block_ids(bind, block_id)
        values = [{"id": first_entry + rank, "record_id": record_id, "carrier": last_entry}
                  for rank, record_id in enumerate(ids[:-1])]  # fmt: skip
        if values:
            bind.execute(
                sa.text("INSERT INTO audit_entry (id, entity, record_id, action, version, actor, at, form, block_id) "
                        "SELECT CAST(:id AS INTEGER), entity, CAST(:record_id AS INTEGER), action, version, actor, at, 3, block_id "
                        "FROM audit_entry WHERE id = :carrier"),
                values,
            )  # fmt: skip
        bind.execute(sa.text("UPDATE audit_entry SET form = 3 WHERE id = :le"), {"le": last_entry})
    _triggers(True)
    op.drop_index(INDEX, table_name="audit_block")
    with op.batch_alter_table("audit_block", recreate="never") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
