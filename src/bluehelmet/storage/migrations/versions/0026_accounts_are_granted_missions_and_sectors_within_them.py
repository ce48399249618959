"""Accounts are granted missions, and sector accounts a sector within each: the new table
``account_grant`` (one row per account and mission, with the sector for the sector role).
Existing accounts keep exactly what they reached: a sector account is granted its sector's
mission with its sector (``account.sector_id`` is emptied and no longer read); every other
account is granted nothing, which means every mission of the database, as before. The
downgrade puts a sector account's sector back (its first, when it has several) and forgets the
other grants: an account limited to some missions reaches every mission again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("sector_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["mission_id"], ["mission.id"]),
        sa.ForeignKeyConstraint(["sector_id"], ["sector.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "mission_id"),
    )
    op.create_index(op.f("ix_account_grant_account_id"), "account_grant", ["account_id"], unique=False)
    op.execute(
        "INSERT INTO account_grant (account_id, mission_id, sector_id) "
        "SELECT account.id, sector.mission_id, account.sector_id FROM account "
        "JOIN sector ON sector.id = account.sector_id WHERE account.sector_id IS NOT NULL"
    )
    op.execute("UPDATE account SET sector_id = NULL")


def downgrade() -> None:
    op.execute(
        "UPDATE account SET sector_id = (SELECT MIN(g.sector_id) FROM account_grant g "
        "WHERE g.account_id = account.id AND g.sector_id IS NOT NULL)"
    )
    op.drop_index(op.f("ix_account_grant_account_id"), table_name="account_grant")
    op.drop_table("account_grant")
