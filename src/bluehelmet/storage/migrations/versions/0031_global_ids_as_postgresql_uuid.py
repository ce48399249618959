"""A smaller PostgreSQL database for the same record (issue 29): every record's global id (the
``uid`` sync matches records by, migration 0023) is stored as PostgreSQL's own ``uuid``, 16
bytes, instead of 36 characters of text (37 bytes), and its unique index halves (59 of the
1,215 MB at a million incidents). The services put in and read back the same canonical text
(``storage.types.GlobalId``). SQLite keeps the text: nothing changes there.

Lossless: every id is first checked to be a UUID in its canonical text (lower case, with
hyphens), the only form bluehelmet writes and the one PostgreSQL gives back; if one is not, the
migration stops and names it rather than change it. Its downgrade puts the text back.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CANONICAL = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _record_tables(bind: sa.Connection) -> list[str]:
    """The tables with a global id (every record table: found, so that none is missed)."""
    inspector = sa.inspect(bind)
    return sorted(t for t in inspector.get_table_names() if any(c["name"] == "uid" for c in inspector.get_columns(t)))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in _record_tables(bind):
        uid = sa.column("uid", sa.String())
        odd = bind.execute(
            sa.select(uid).select_from(sa.table(name, uid)).where(uid.is_not(None), ~uid.regexp_match(_CANONICAL))
        ).scalar()
        if odd is not None:
            raise RuntimeError(f"{name}: the global id {odd!r} is not a UUID in its canonical text; mend it first")
        op.alter_column(name, "uid", type_=postgresql.UUID(as_uuid=False), existing_type=sa.String(36),
                        existing_nullable=True, postgresql_using="uid::uuid")  # fmt: skip


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in _record_tables(bind):
        op.alter_column(name, "uid", type_=sa.String(36), existing_type=postgresql.UUID(as_uuid=False),
                        existing_nullable=True, postgresql_using="uid::text")  # fmt: skip
