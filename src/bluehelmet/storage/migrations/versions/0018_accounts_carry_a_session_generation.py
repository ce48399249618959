"""Accounts carry a session generation: a session cookie names the generation it was signed in
at, and signing out, disabling, re-enabling and a new password advance it, so older cookies
no longer sign anyone in. Every existing account starts at 0 (existing sessions, which name no
generation, end: everyone signs in again once).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("account", recreate="never") as batch:
        batch.drop_column("session_generation")
