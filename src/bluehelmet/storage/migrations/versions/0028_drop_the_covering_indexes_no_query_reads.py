"""Drop the ordered covering indexes of the incidents by place, by perpetrator and by place with
perpetrator: since the rollups of all time (0012) and the day index holding every column a
grouping reads (0013), no query of docs/analytics.md's benchmark reads them, and they were a
fifth of the database (issue 29). Its downgrade builds them again.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than taken from the code, so that this migration stays as it is
# (the columns of migrations 0006 and 0008).
FACETS = ["event_type", "sub_event_type", "category", "target", "admin1", "admin2"]
COUNTED = ["deleted_at", "review_status"]
TOLLS = [
    "fatalities",
    "killed_peacekeepers",
    "injured_peacekeepers",
    "killed_national_forces",
    "injured_national_forces",
    "killed_civilians",
    "injured_civilians",
]
INDEXES = {
    "ix_incident_place_facets": ["location_name", "location_id", "sector_id", *FACETS, "event_date", *COUNTED],
    "ix_incident_perpetrator_facets": ["perpetrator", *FACETS, "event_date", *COUNTED],
    "ix_incident_place_perpetrator": ["location_name", "perpetrator", "event_date", *COUNTED],
}


def upgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="incident")


def downgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "incident", ["mission_id", *columns, *TOLLS])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("sqlite_stat1"):
        # An index without statistics beside measured ones misleads SQLite's planner (0008).
        for name in INDEXES:
            op.execute(f"ANALYZE {name}")
