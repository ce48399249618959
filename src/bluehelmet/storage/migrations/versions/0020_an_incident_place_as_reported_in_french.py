"""An incident's place as reported, in French, beside the English (``location_name_fr``), so the
French letter can name a place written as words ("the road between Douentza and Sévaré") instead of
leaving the sentence out.

The column is added with an empty default, so every existing value stays as it is.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("location_name_fr", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("incident", recreate="never") as batch:
        batch.drop_column("location_name_fr")
