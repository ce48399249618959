"""Unknown is not zero, and reviewed before reported.

- An incident's tolls (fatalities, killed and injured by victim group) may be NULL: not recorded,
  which is not 0. Every value stored stays as it is (a 0 stays 0).
- A convoy's vehicles (notified and observed) may be NULL likewise.
- Every incident rollup gains, beside each toll's sum, ``<toll>_unknown``: the number of the
  incidents it counts whose toll is not recorded. They are filled from the incidents: before
  this migration no toll could be NULL, so every count starts at 0 (the server default), which
  is what counting the incidents gives.
- A partial index of the drafts (``ix_incident_drafts``), through which an analysis of verified
  incidents finds the few drafts to take away from the rollups (which count every status but
  rejected).

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

# Spelled out here rather than taken from the code, so that this migration stays as it is.
TOLLS = (
    "fatalities",
    "killed_peacekeepers",
    "injured_peacekeepers",
    "killed_national_forces",
    "injured_national_forces",
    "killed_civilians",
    "injured_civilians",
)
ROLLUPS = (
    "incident_day",
    "incident_month",
    "incident_week",
    "incident_place_month",
    "incident_perpetrator_month",
    "incident_region_day",
    "incident_region_week",
    "incident_perpetrator_day",
    "incident_perpetrator_week",
    "incident_location_month",
    "incident_type_day",
    "incident_perpetrator_type_month",
    "incident_location_facets",
    "incident_location_perpetrator",
    "incident_perpetrator_regions",
)
CONVOYS = ("convoy_notification", "convoy_observation")
DRAFTS = "ix_incident_drafts"


def _nullable(table: str, columns: Sequence[str], *, nullable: bool) -> None:
    with op.batch_alter_table(table) as batch:
        for name in columns:
            batch.alter_column(name, existing_type=sa.Integer(), nullable=nullable)


def upgrade() -> None:
    _nullable("incident", TOLLS, nullable=True)
    for table in CONVOYS:
        _nullable(table, ["vehicles"], nullable=True)
    for rollup in ROLLUPS:
        with op.batch_alter_table(rollup) as batch:
            for toll in TOLLS:
                batch.add_column(sa.Column(f"{toll}_unknown", sa.Integer(), nullable=False, server_default="0"))
    draft = sa.text("review_status = 'draft'")
    op.create_index(DRAFTS, "incident", ["mission_id", "event_date"], sqlite_where=draft, postgresql_where=draft)


def downgrade() -> None:
    """Back to counts that cannot be unknown: a value not recorded becomes 0 (the old placeholder)."""
    op.drop_index(DRAFTS, table_name="incident")
    for rollup in ROLLUPS:
        with op.batch_alter_table(rollup) as batch:
            for toll in TOLLS:
                batch.drop_column(f"{toll}_unknown")
    for table, columns in (("incident", TOLLS), *((t, ("vehicles",)) for t in CONVOYS)):
        for name in columns:
            stored = sa.table(table, sa.column(name))
            op.execute(stored.update().where(stored.c[name].is_(None)).values({name: 0}))
        _nullable(table, columns, nullable=False)
