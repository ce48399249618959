"""The content of attachments, one row per SHA-256 digest: the same bytes attached to several
records (a photo sent twice, by a patrol and by a message) are stored once.

The bytes live in the database (a BLOB on SQLite, a BYTEA on PostgreSQL), not in a folder: they
are then written in the same transaction as the record that points to them (an import is all
or nothing, files included), travel with a backup of the database, and are served under the
same access checks. Rows are never updated: content is addressed by its digest and immutable.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, String, Table, func, insert, select
from sqlalchemy.orm import Session

from bluehelmet.domain.attachments import Attachment
from bluehelmet.storage.tables import metadata, table_of

__all__ = ["attachment_content", "content_of", "mission_bytes", "store_content"]

attachment_content = Table(
    "attachment_content",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)


def store_content(session: Session, sha256: str, content: bytes) -> bool:
    """Keep ``content`` under its digest; False if it was already kept (nothing written)."""
    held = session.execute(select(attachment_content.c.sha256).where(attachment_content.c.sha256 == sha256))
    if held.first() is not None:
        return False
    session.execute(insert(attachment_content).values(sha256=sha256, size=len(content), content=content))
    return True


def content_of(session: Session, sha256: str) -> bytes | None:
    found = session.execute(select(attachment_content.c.content).where(attachment_content.c.sha256 == sha256))
    row = found.first()
    return None if row is None else bytes(row[0])


def mission_bytes(session: Session, mission_id: int) -> int:
    """The bytes the live attachments of a mission hold (each attachment counted, as a limit on
    what one mission may take is a limit on what it asked to keep)."""
    table = table_of(Attachment)
    total = session.execute(
        select(func.coalesce(func.sum(table.c.size), 0)).where(
            table.c.mission_id == mission_id, table.c.deleted_at.is_(None)
        )
    ).scalar_one()
    return int(total)
