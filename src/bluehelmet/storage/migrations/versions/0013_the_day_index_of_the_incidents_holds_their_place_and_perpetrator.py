"""The ordered covering index of the incidents by day also holds, after the tolls, the place
(location name, location, own sector), the perpetrator and whether explosives were used: a
period's range of days is then read from the index alone for any grouping or filter, without
visiting the incident rows, which lie in the order they were written rather than by date.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 13:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than taken from the code, so that this migration stays as it is.
NAME = "ix_incident_day_facets"
BEFORE = [
    "mission_id",
    "event_date",
    "event_type",
    "sub_event_type",
    "category",
    "target",
    "admin1",
    "admin2",
    "deleted_at",
    "review_status",
    "fatalities",
    "killed_peacekeepers",
    "injured_peacekeepers",
    "killed_national_forces",
    "injured_national_forces",
    "killed_civilians",
    "injured_civilians",
]
ADDED = ["location_name", "location_id", "sector_id", "perpetrator", "explosives_used"]


def _remake(columns: list[str]) -> None:
    op.drop_index(NAME, table_name="incident")
    op.create_index(NAME, "incident", columns)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("sqlite_stat1"):
        op.execute(f"ANALYZE {NAME}")  # measured again, for SQLite's planner


def upgrade() -> None:
    _remake([*BEFORE, *ADDED])


def downgrade() -> None:
    _remake(BEFORE)
