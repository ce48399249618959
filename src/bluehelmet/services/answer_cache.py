"""Answers kept per state of the data: an analysis over all years asked again and again (the
map's hexagons, a table of months by type) is computed once for each state of the database
and read from memory until the next write.

The state is read from the database in a statement of its own, before and after the answer is
computed; the answer is kept only when the two agree, so it is never kept under a state it does
not belong to:

- PostgreSQL: the current snapshot (``pg_current_snapshot()``: the transactions committed, in
  progress and to come). Two equal snapshots see the same committed data; any write anywhere
  in the cluster begins a new one, so a kept answer is read again after every write.
- SQLite (one writer at a time): the last entry of the audit history and of its import blocks.
  Every change made through the services is audited in the same transaction, and entries are
  never removed, so the pair grows with every committed change. A write made behind the
  services' back (raw SQL) is not seen until the process restarts, as the rollups do not see
  it until ``bluehelmet rollup rebuild``.

The key also holds the database's address and the question (the filter, already narrowed to
the asker's scope, and the analysis' own arguments): a sector account never reads an answer
computed for another scope.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bluehelmet.services import stats
from bluehelmet.services.database import Database
from bluehelmet.storage.tables import audit_block_table, audit_table

__all__ = ["KEPT", "clear", "data_state", "incident_table", "kept"]

T = TypeVar("T")

#: How many answers are kept at most (the least recently read go first).
KEPT = 64
_ANSWERS: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_LOCK = Lock()


def data_state(session: Session) -> Hashable:
    """A value that changes with every committed write (see the module's notes)."""
    if session.get_bind().dialect.name == "postgresql":
        return str(session.scalar(text("SELECT pg_current_snapshot()::text")))
    entry = session.scalar(select(func.max(audit_table.c.id)))
    block = session.scalar(select(func.max(audit_block_table.c.id)))
    return (entry or 0, block or 0)


def _state(db: Database, actor: str) -> Hashable:
    with db.transaction(actor) as tx:
        return data_state(tx.session)


def kept(db: Database, actor: str, question: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """The answer to ``question`` in the database's current state: the one kept for that state,
    else ``compute()`` (kept if no write committed while it ran). A kept answer is shared:
    callers read it, never change it."""
    before = _state(db, actor)
    key = (db.settings.database_url, question, before)
    with _LOCK:
        if key in _ANSWERS:
            _ANSWERS.move_to_end(key)
            answer: T = _ANSWERS[key]
            return answer
    answer = compute()
    if _state(db, actor) == before:
        with _LOCK:
            _ANSWERS[key] = answer
            while len(_ANSWERS) > KEPT:
                _ANSWERS.popitem(last=False)
    return answer


def clear() -> None:
    """Forget every kept answer."""
    with _LOCK:
        _ANSWERS.clear()


def incident_table(
    db: Database, actor: str, keys: list[str], flt: stats.IncidentFilter, mission: str | None
) -> tuple[list[dict[str, Any]], int]:
    """``stats.incident_table`` and ``stats.pending_review_count`` of ``flt`` (already narrowed
    to the asker's scope), kept per state of the data."""

    def compute() -> tuple[list[dict[str, Any]], int]:
        rows = stats.incident_table(db, keys, flt, mission=mission, actor=actor)
        return rows, stats.pending_review_count(db, flt, mission=mission, actor=actor)

    return kept(db, actor, ("stats.incident_table", tuple(keys), repr(flt), mission), compute)
