"""The failed sign-ins the brake on guessing counts, kept in the database so that every server
process (`bluehelmet serve --workers N`) counts the same failures; it starts empty.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 20:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "signin_failure"


def upgrade() -> None:
    op.create_table(
        NAME,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{NAME}")),
    )
    with op.batch_alter_table(NAME) as batch:
        batch.create_index(batch.f(f"ix_{NAME}_failed_at"), ["failed_at"], unique=False)
        batch.create_index(batch.f(f"ix_{NAME}_key_digest_failed_at"), ["key_digest", "failed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(NAME) as batch:
        batch.drop_index(batch.f(f"ix_{NAME}_key_digest_failed_at"))
        batch.drop_index(batch.f(f"ix_{NAME}_failed_at"))
    op.drop_table(NAME)
