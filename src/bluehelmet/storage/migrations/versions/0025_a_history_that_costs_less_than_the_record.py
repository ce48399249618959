"""A history that costs less than the record: each audit entry is stored in the shortest form
that gives its before and after images back exactly (storage/audit_codec.py): a change keeps
only the fields it changed, a creation its values without the stamps its entry already holds,
the creations of an import's batch one compressed block (the new table ``audit_block``,
append-only like the entries). Existing entries are converted in place, each encoding checked
by decoding it; the downgrade writes every full image back.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bluehelmet.storage import audit_convert

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the audit history is append-only"


def _entry_triggers(on: bool) -> None:
    """Lift (or put back) the entries' append-only triggers, for the conversion alone."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            if on:
                op.execute(f"CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
                           f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")  # fmt: skip
            else:
                op.execute(f"DROP TRIGGER audit_entry_no_{verb.lower()}")
        return
    op.execute(f"ALTER TABLE audit_entry {'ENABLE' if on else 'DISABLE'} TRIGGER audit_entry_append_only")


def upgrade() -> None:
    op.create_table(
        "audit_block",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    with op.batch_alter_table("audit_entry", recreate="never") as batch:
        batch.add_column(sa.Column("form", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("block_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_block_no_{verb.lower()} BEFORE {verb} ON audit_block "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")  # fmt: skip
    else:
        op.execute("CREATE TRIGGER audit_block_append_only BEFORE UPDATE OR DELETE ON audit_block "
                   "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")  # fmt: skip
    _entry_triggers(False)
    audit_convert.compact(op.get_bind())
    _entry_triggers(True)


def downgrade() -> None:
    _entry_triggers(False)
    audit_convert.expand(op.get_bind())
    _entry_triggers(True)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_block_no_update")
        op.execute("DROP TRIGGER audit_block_no_delete")
    else:
        op.execute("DROP TRIGGER audit_block_append_only ON audit_block")
    with op.batch_alter_table("audit_entry", recreate="never") as batch:
        batch.drop_column("block_id")
        batch.drop_column("form")
    op.drop_table("audit_block")
