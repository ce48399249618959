"""Finding recent entries of the audit history by who, what kind and when, newest first.

Reads only the entries' plain columns (id, entity, record id, actor, time): how an entry's
before and after are stored is ``repository.history``'s business, which gives them back whole."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bluehelmet.storage.tables import audit_table

__all__ = ["recent_entries"]


def recent_entries(
    session: Session,
    *,
    entities: Collection[str] | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 200,
    kept: ColumnElement[bool] | None = None,
) -> list[tuple[int, str, int]]:
    """(entry id, entity, record id) of the newest entries matching, newest first; ``until``
    and ``before_id`` exclusive; ``kept``: a condition of the caller's on the entries' columns
    (``audit_table.c``), such as which records of a kind are in a sector."""
    c = audit_table.c
    stmt = select(c.id, c.entity, c.record_id).order_by(c.id.desc()).limit(limit)
    if entities is not None:
        stmt = stmt.where(c.entity.in_(list(entities)))
    if actor:
        stmt = stmt.where(c.actor == actor)
    if since is not None:
        stmt = stmt.where(c.at >= since)
    if until is not None:
        stmt = stmt.where(c.at < until)
    if before_id is not None:
        stmt = stmt.where(c.id < before_id)
    if kept is not None:
        stmt = stmt.where(kept)
    return [(int(i), str(e), int(r)) for i, e, r in session.execute(stmt)]
