"""Ordered covering indexes of the incidents for groupings no rollup holds: a place, a
perpetrator or a day with the incident's types, category, regions or target.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 11:20:59.032805
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
    "ix_incident_place_facets": ["location_name", "location_id", "sector_id", *FACETS, "event_date"],
    "ix_incident_perpetrator_facets": ["perpetrator", *FACETS, "event_date"],
    "ix_incident_day_facets": ["event_date", *FACETS],
}


def upgrade() -> None:
    for name, leading in INDEXES.items():
        op.create_index(name, "incident", ["mission_id", *leading, *COUNTED, *TOLLS])


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="incident")
