"""Finding recent entries of the audit history by who, what kind and when, newest first.

Reads only the entries' plain columns (id, entity, record id, actor, time), and the runs an
import's creations are kept as (``audit_runs``: their entries share their stored entry's
columns): how an entry's before and after are stored is ``repository.history``'s business,
which gives them back whole."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from bluehelmet.storage import audit_runs
from bluehelmet.storage.tables import audit_block_table, audit_table

__all__ = ["Kept", "recent_entries"]

Found = tuple[int, str, int]


@dataclass(frozen=True)
class Kept:
    """Only the entries of these records of one kind (``ids``: a query of their ids); the other
    kinds' entries are not touched (such as the incidents of the sectors a page asks for)."""

    entity: str
    ids: Select[Any]


def recent_entries(
    session: Session,
    *,
    entities: Collection[str] | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 200,
    kept: Kept | None = None,
) -> list[Found]:
    """(entry id, entity, record id) of the newest entries matching, newest first; ``until``
    and ``before_id`` exclusive."""
    c = audit_table.c
    matching: list[ColumnElement[bool]] = []
    if entities is not None:
        matching.append(c.entity.in_(list(entities)))
    if actor:
        matching.append(c.actor == actor)
    if since is not None:
        matching.append(c.at >= since)
    if until is not None:
        matching.append(c.at < until)
    stmt = select(c.id, c.entity, c.record_id).where(*matching).order_by(c.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(c.id < before_id)
    if kept is not None:
        stmt = stmt.where(or_(c.entity != kept.entity, c.record_id.in_(kept.ids)))
    found = [(int(i), str(e), int(r)) for i, e, r in session.execute(stmt)]
    return _with_runs(session, found, matching, before_id, limit, kept)


def _with_runs(
    session: Session,
    found: list[Found],
    matching: list[ColumnElement[bool]],
    before_id: int | None,
    limit: int,
    kept: Kept | None,
) -> list[Found]:
    """``found`` with the entries of runs among them, newest first: runs read newest first until
    the next one could not reach the page, and of each only its newest entries that could."""
    b = audit_block_table.c
    bounds = [b.first_entry_id < before_id] if before_id is not None else []
    for run in audit_runs.carriers(session, [*matching, *bounds], newest_first=True):
        if len(found) >= limit and run.last_entry_id - 1 < found[limit - 1][0]:
            break  # its newest entry given back is older than the page's oldest: so are the next runs'
        found = sorted(found + _newest(session, run, before_id, limit, kept), reverse=True)[:limit]
    return found


def _newest(session: Session, run: Any, before_id: int | None, limit: int, kept: Kept | None) -> list[Found]:
    """At most ``limit`` of the newest entries ``run`` gives back, before ``before_id``."""
    ids = audit_runs.record_ids(audit_runs.blocks_of(session), run)[:-1]
    first = run.first_entry_id
    top = len(ids) if before_id is None else max(0, min(len(ids), before_id - first))
    inside = _kept(session, kept, ids) if kept is not None and run.entity == kept.entity and ids else None
    found: list[Found] = []
    for rank in range(top - 1, -1, -1):
        if inside is None or ids[rank] in inside:
            found.append((first + rank, run.entity, ids[rank]))
            if len(found) == limit:
                break
    return found


def _kept(session: Session, kept: Kept, ids: Sequence[int]) -> set[int]:
    """Of a run's records (``ids``, in order), those ``kept`` keeps."""
    query = kept.ids.subquery()
    column = next(iter(query.c))
    return set(session.scalars(select(column).where(column.between(ids[0], ids[-1]))))
