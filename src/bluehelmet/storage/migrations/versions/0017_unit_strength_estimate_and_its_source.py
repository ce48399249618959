"""A unit may carry an outside estimate of its strength (Geo-PKO's map symbols, say) and where
the estimate comes from, beside the strengths the mission records; existing units get neither.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 03:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("strength_estimate", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("strength_estimate_source", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("unit", recreate="never") as batch:
        batch.drop_column("strength_estimate_source")
        batch.drop_column("strength_estimate")
