"""Record text in French beside the English that the letter quotes for the coordination of the
security presences (a body's name and partners), the restrictions of movement (who imposed
them, how they were lifted) and the steps of camp works, so the French letter need not leave those sentences out.

Every column is added with an empty default, so every existing value stays as it is.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 04:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Spelled out here rather than taken from the code, so that this migration stays as it is.
TEXT = {
    "coordination_body": ("name_fr",),
    "movement_restriction": ("imposed_by_fr", "lifted_through_fr"),
    "project_milestone": ("name_fr",),
}


def upgrade() -> None:
    for table, columns in TEXT.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(sa.Column(column, sa.String(), nullable=False, server_default=""))
    with op.batch_alter_table("coordination_body") as batch:
        batch.add_column(sa.Column("partners_fr", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("coordination_body", recreate="never") as batch:
        batch.drop_column("partners_fr")
    for table, columns in TEXT.items():
        with op.batch_alter_table(table, recreate="never") as batch:
            for column in reversed(columns):
                batch.drop_column(column)
