"""Finding recent entries of the audit history by who, what kind and when, newest first.

Reads only the entries' plain columns (id, entity, record id, actor, time), and the runs an
import's creations are kept as (``audit_runs``: their entries share their stored entry's
columns): how an entry's before and after are stored is ``repository.history``'s business,
which gives them back whole."""

from __future__ import annotations

from collections.abc import Collection
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
    """``found`` with the entries of runs among them, newest first, runs read newest first until
    the next one could not reach the page."""
    b = audit_block_table.c
    bounds = [b.first_entry_id < before_id] if before_id is not None else []
    for run in audit_runs.runs(session, [*matching, *bounds], newest_first=True):
        if len(found) >= limit and run and run[-1].id < found[limit - 1][0]:
            break
        members = [m for m in run if before_id is None or m.id < before_id]
        if kept is not None and members and members[0].entity == kept.entity:
            members = _kept(session, kept, members)
        found = sorted(found + [(m.id, m.entity, m.record_id) for m in members], reverse=True)[:limit]
    return found


def _kept(session: Session, kept: Kept, members: list[audit_runs.Stored]) -> list[audit_runs.Stored]:
    ids = kept.ids.subquery()
    column = next(iter(ids.c))
    low, high = min(m.record_id for m in members), max(m.record_id for m in members)
    inside = set(session.scalars(select(column).where(column.between(low, high))))
    return [m for m in members if m.record_id in inside]
