"""Reviewed before reported: a partial index of the drafts (``ix_incident_drafts``), through which
an analysis of verified incidents finds the few drafts to take away from the rollups (which
count every status but rejected).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DRAFTS = "ix_incident_drafts"


def upgrade() -> None:
    draft = sa.text("review_status = 'draft'")
    op.create_index(DRAFTS, "incident", ["mission_id", "event_date"], sqlite_where=draft, postgresql_where=draft)


def downgrade() -> None:
    op.drop_index(DRAFTS, table_name="incident")
