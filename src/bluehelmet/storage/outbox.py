"""The outbox of alert deliveries: rows written with the alert, sent in order per destination.

A row is pending until ``delivered_at`` is set; a failed attempt counts in ``attempts``, keeps
its error and waits until ``next_attempt_at``. Rows are never deleted: they are the record of
what was sent where and when.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bluehelmet.storage.tables import outbox_table

__all__ = ["OUTBOX", "add", "destinations", "first_pending", "for_alerts", "mark_delivered", "mark_failed"]

OUTBOX = outbox_table


def add(session: Session, alert_id: int, channel: str, target: str, payload: dict[str, Any], at: datetime) -> None:
    session.execute(
        insert(OUTBOX).values(
            alert_id=alert_id,
            channel=channel,
            target=target,
            payload=payload,
            created_at=at,
            attempts=0,
            next_attempt_at=at,
            delivered_at=None,
            last_error="",
        )
    )


def destinations(session: Session) -> list[tuple[str, str]]:
    """Every (channel, target) with a delivery pending."""
    stmt = select(OUTBOX.c.channel, OUTBOX.c.target).where(OUTBOX.c.delivered_at.is_(None)).distinct()
    return sorted((str(c), str(t)) for c, t in session.execute(stmt))


def first_pending(session: Session, channel: str, target: str) -> dict[str, Any] | None:
    """The oldest undelivered row for a destination: the one that must go before any other."""
    stmt = (
        select(OUTBOX)
        .where(OUTBOX.c.channel == channel, OUTBOX.c.target == target, OUTBOX.c.delivered_at.is_(None))
        .order_by(OUTBOX.c.id)
        .limit(1)
    )
    row = session.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def mark_delivered(session: Session, row_id: int, at: datetime) -> None:
    session.execute(update(OUTBOX).where(OUTBOX.c.id == row_id).values(delivered_at=at, attempts=OUTBOX.c.attempts + 1))


def mark_failed(session: Session, row_id: int, error: str, next_attempt_at: datetime) -> None:
    session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == row_id)
        .values(attempts=OUTBOX.c.attempts + 1, last_error=error[:500], next_attempt_at=next_attempt_at)
    )


def for_alerts(session: Session, alert_ids: Iterable[int]) -> Sequence[dict[str, Any]]:
    """The outbox rows of these alerts, in order."""
    ids = list(alert_ids)
    if not ids:
        return []
    stmt = select(OUTBOX).where(OUTBOX.c.alert_id.in_(ids)).order_by(OUTBOX.c.id)
    return [dict(r) for r in session.execute(stmt).mappings()]
