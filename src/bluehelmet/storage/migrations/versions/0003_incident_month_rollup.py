"""The monthly incident rollup, filled from the incidents already recorded.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 08:46:03.982403
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ("event_type", "sub_event_type", "category", "admin1", "admin2", "target")
TALLIED = (
    "fatalities",
    "killed_peacekeepers",
    "injured_peacekeepers",
    "killed_national_forces",
    "injured_national_forces",
    "killed_civilians",
    "injured_civilians",
)


def upgrade() -> None:
    rollup = op.create_table(
        "incident_month",
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        *[sa.Column(name, sa.String(), nullable=False) for name in KEYS],
        *[sa.Column(name, sa.Integer(), nullable=False) for name in ("events", *TALLIED)],
        sa.ForeignKeyConstraint(["mission_id"], ["mission.id"], name=op.f("fk_incident_month_mission_id_mission")),
        sa.PrimaryKeyConstraint("mission_id", "month", *KEYS, name=op.f("pk_incident_month")),
    )
    # Spelled out here rather than taken from the code, so that this migration stays as it is.
    incident = sa.table(
        "incident",
        *[sa.column(n) for n in ("mission_id", "event_date", "deleted_at", "review_status", *KEYS, *TALLIED)],
    )
    if op.get_bind().dialect.name == "sqlite":  # dates are ISO text
        month = sa.func.substr(incident.c.event_date, 1, 7)
    else:
        month = sa.func.to_char(incident.c.event_date, "YYYY-MM")
    keys = [incident.c.mission_id, month, *[sa.func.coalesce(incident.c[n], "") for n in KEYS]]
    sums = [sa.func.count(), *[sa.func.coalesce(sa.func.sum(incident.c[n]), 0) for n in TALLIED]]
    counted = (
        sa.select(*keys, *sums)
        .where(incident.c.deleted_at.is_(None), incident.c.review_status != "rejected")
        .group_by(*keys)
    )
    op.execute(sa.insert(rollup).from_select([c.name for c in rollup.columns], counted))


def downgrade() -> None:
    op.drop_table("incident_month")
