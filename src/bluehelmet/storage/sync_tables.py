"""The tables of sync between the mission's server and its sector nodes, and their SQL.

- ``sync_node`` (server): the nodes an admin issued, each bound to one sector, its token kept
  only as a SHA-256 digest, revocable.
- ``sync_peer`` (node): the one server this database is a node of, its token and the cursors.
- ``sync_change`` (both): the change log. Every audited change to a record becomes one row with
  a global change id (a UUID), the record's global id, the change it was based on, and the
  record after it with its references given as global ids. Its ``id`` orders the log (the
  cursor a node pulls from); ``audit_id`` is the local audit entry it is or was applied as.
- ``sync_conflict`` (both): a change that arrived based on a state that is no longer current,
  kept whole until a person resolves it.

Kept apart from the records (no import, export or generic API reaches them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bluehelmet.domain.audit import AuditEntry
from bluehelmet.domain.records import Record
from bluehelmet.storage import audit_runs, audit_store
from bluehelmet.storage.audit_codec import Form
from bluehelmet.storage.tables import TABLES, audit_block_table, audit_table, metadata
from bluehelmet.storage.types import UTCDateTime, is_global_id

__all__ = [
    "by_uid",
    "changes_after",
    "conflict_rows",
    "created_elsewhere",
    "find_change",
    "find_conflict",
    "find_node",
    "find_peer",
    "force_version",
    "head_of",
    "insert_change",
    "insert_conflict",
    "insert_node",
    "insert_peer",
    "last_change_id",
    "node_rows",
    "open_conflicts_of",
    "serialise_log",
    "set_conflicts",
    "set_node",
    "set_peer",
    "sync_change",
    "sync_conflict",
    "sync_node",
    "sync_peer",
    "uid_of",
    "uncaptured_audit",
]

sync_node = Table(
    "sync_node",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("sector_id", Integer, ForeignKey("sector.id"), nullable=False),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("last_seen_at", UTCDateTime(), nullable=True),
)

sync_peer = Table(
    "sync_peer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("node", String(100), nullable=False),
    Column("server_url", String(), nullable=False),
    Column("token", String(), nullable=False),
    Column("sector_uid", String(36), nullable=False),
    Column("pull_cursor", Integer, nullable=False, default=0),
    Column("push_cursor", Integer, nullable=False, default=0),
    Column("joined_at", UTCDateTime(), nullable=False),
    Column("synced_at", UTCDateTime(), nullable=True),
)

sync_change = Table(
    "sync_change",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("change_uid", String(36), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("record_uid", String(36), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("base_change", String(36), nullable=True),
    Column("merges", JSON(), nullable=True),
    Column("after", JSON(), nullable=False),
    Column("actor", String(), nullable=False),
    Column("node", String(100), nullable=False, index=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("audit_id", Integer, nullable=True, unique=True),
)

sync_conflict = Table(
    "sync_conflict",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("change_uid", String(36), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("record_uid", String(36), nullable=False, index=True),
    Column("node", String(100), nullable=False),
    Column("reason", String(), nullable=False),
    Column("incoming", JSON(), nullable=False),
    Column("mine", JSON(), nullable=True),
    Column("detected_at", UTCDateTime(), nullable=False),
    Column("resolution", String(16), nullable=True),
    Column("resolved_by", String(), nullable=True),
    Column("resolved_at", UTCDateTime(), nullable=True),
    Column("resolved_change", String(36), nullable=True),
)

_INSERT_CHANGE = insert(sync_change)
_HEAD = (
    select(sync_change.c.change_uid)
    .where(sync_change.c.record_uid == bindparam("record_uid"))
    .order_by(sync_change.c.id.desc())
    .limit(1)
)

#: The advisory lock every writer of the change log takes on PostgreSQL, so that log rows commit
#: in the order of their ids and a reader never passes a row that commits later.
_LOG_LOCK = 0x626C75_73796E63


def serialise_log(session: Session) -> None:
    """Make this transaction the only writer of the change log until it ends (PostgreSQL; on
    SQLite the first write takes the one write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_LOG_LOCK)))


def insert_node(session: Session, values: dict[str, Any]) -> int:
    return int(session.execute(insert(sync_node).values(**values).returning(sync_node.c.id)).scalar_one())


def set_node(session: Session, node_id: int, values: dict[str, Any]) -> None:
    session.execute(update(sync_node).where(sync_node.c.id == node_id).values(**values))


def find_node(session: Session, *, name: str | None = None, digest: str | None = None) -> dict[str, Any] | None:
    stmt = select(sync_node)
    stmt = stmt.where(sync_node.c.name == name) if name is not None else stmt.where(sync_node.c.token_digest == digest)
    row = session.execute(stmt).mappings().first()
    return dict(row) if row else None


def node_rows(session: Session) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(select(sync_node).order_by(sync_node.c.name)).mappings()]


def find_peer(session: Session) -> dict[str, Any] | None:
    row = session.execute(select(sync_peer).order_by(sync_peer.c.id)).mappings().first()
    return dict(row) if row else None


def insert_peer(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(sync_peer).values(**values))


def set_peer(session: Session, values: dict[str, Any]) -> None:
    session.execute(update(sync_peer).values(**values))


def uncaptured_audit(session: Session, limit: int, kinds: Sequence[str]) -> list[AuditEntry]:
    """Audit entries of ``kinds`` not yet in the change log, oldest first (at most ``limit``)."""
    captured = select(sync_change.c.audit_id).where(sync_change.c.audit_id == audit_table.c.id)
    c = audit_table.c
    stmt = select(c.id, c.entity, c.record_id, c.form)
    stmt = stmt.where(c.entity.in_(kinds), ~captured.exists()).order_by(c.id).limit(limit)
    wanted: list[Any] = []
    for row in session.execute(stmt).all():
        if row.form == Form.RUN:  # the entries a run stands for, logged with it (their ids come before its own)
            for run in audit_runs.runs(session, [audit_block_table.c.last_entry_id == row.id]):
                wanted += run
        wanted.append(row)
    # An entry is stored in its shortest form (audit_store): its images are read whole from its
    # record's history, one history per record of the batch.
    whole: dict[int, AuditEntry] = {}
    for entity, record_id in dict.fromkeys((row.entity, row.record_id) for row in wanted):
        whole.update((e.id, e) for e in audit_store.history(session, entity, record_id) if e.id is not None)
    return [whole[row.id] for row in wanted]


def insert_change(session: Session, values: dict[str, Any]) -> None:
    session.execute(_INSERT_CHANGE, values)  # one statement, compiled once: a capture writes thousands


def find_change(session: Session, change_uid: str) -> dict[str, Any] | None:
    row = session.execute(select(sync_change).where(sync_change.c.change_uid == change_uid)).mappings().first()
    return dict(row) if row else None


def head_of(session: Session, record_uid: str) -> str | None:
    """The change that made the record as it stands here (the last applied), or None."""
    return session.execute(_HEAD, {"record_uid": record_uid}).scalar()


def created_elsewhere(session: Session, kind: str, record_uids: Sequence[str], here: str) -> set[str]:
    """Of ``record_uids``, those whose creation was logged from another node than ``here``."""
    if not record_uids:
        return set()
    c = sync_change.c
    stmt = select(c.record_uid).where(
        c.kind == kind, c.action == "create", c.record_uid.in_(list(record_uids)), c.node != here
    )
    return {str(uid) for uid in session.scalars(stmt)}


def last_change_id(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(sync_change.c.id), 0))).scalar_one())


def changes_after(
    session: Session, cursor: int, limit: int, *, node: str | None = None, not_node: str | None = None
) -> list[dict[str, Any]]:
    """Rows of the log after ``cursor`` in order: from ``node`` only, or from all but ``not_node``."""
    c = sync_change.c
    stmt = select(sync_change).where(c.id > cursor)
    if node is not None:
        stmt = stmt.where(c.node == node)
    if not_node is not None:
        stmt = stmt.where(c.node != not_node)
    return [dict(r) for r in session.execute(stmt.order_by(c.id).limit(limit)).mappings()]


def insert_conflict(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(sync_conflict).values(**values))


def find_conflict(session: Session, change_uid: str) -> dict[str, Any] | None:
    row = session.execute(select(sync_conflict).where(sync_conflict.c.change_uid == change_uid)).mappings().first()
    return dict(row) if row else None


def open_conflicts_of(session: Session, record_uid: str) -> list[dict[str, Any]]:
    c = sync_conflict.c
    stmt = select(sync_conflict).where(c.record_uid == record_uid, c.resolved_at.is_(None)).order_by(c.id)
    return [dict(r) for r in session.execute(stmt).mappings()]


def conflict_rows(session: Session, *, open_only: bool = True) -> list[dict[str, Any]]:
    c = sync_conflict.c
    stmt = select(sync_conflict).order_by(c.id)
    if open_only:
        stmt = stmt.where(c.resolved_at.is_(None))
    return [dict(r) for r in session.execute(stmt).mappings()]


def set_conflicts(session: Session, ids: Sequence[int], values: dict[str, Any], at: datetime) -> None:
    session.execute(update(sync_conflict).where(sync_conflict.c.id.in_(ids)).values(**values, resolved_at=at))


def by_uid(session: Session, cls: type[Record], uid: str) -> Record | None:
    """The record of ``cls`` with the global id ``uid`` (deleted included), or None (for text
    that is no global id too: PostgreSQL's uuid column could not even compare it)."""
    if not is_global_id(uid):
        return None
    with session.no_autoflush:
        return session.scalars(select(cls).where(TABLES[cls].c.uid == uid)).first()


def uid_of(session: Session, cls: type[Record], record_id: int) -> str | None:
    table = TABLES[cls]
    return session.execute(select(table.c.uid).where(table.c.id == record_id)).scalar()


def force_version(session: Session, record: Record, version: int) -> None:
    """Set a just-inserted record's version as the change that made it says (a record arriving
    whole at a later version is inserted, and an insert always starts at 1)."""
    table = TABLES[type(record)]
    session.execute(update(table).where(table.c.id == record.id).values(version=version))
    set_committed_value(record, "version", version)
