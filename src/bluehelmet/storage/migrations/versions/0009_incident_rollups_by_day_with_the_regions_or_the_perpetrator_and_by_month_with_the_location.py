"""Incident rollups by day and by ISO week with the regions (admin1, admin2) and with the
perpetrator, each with the sector an incident is placed in, and by month with the location name alone,
filled from the incidents already recorded: a day or an ISO week with a region or a
perpetrator is read from them instead of sorting every incident, and a location by month from
as many rows as the answer has.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:40:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than taken from the code, so that this migration stays as it is.
TALLIED = (
    "fatalities",
    "killed_peacekeepers",
    "injured_peacekeepers",
    "killed_national_forces",
    "injured_national_forces",
    "killed_civilians",
    "injured_civilians",
)
COLUMNS = ("mission_id", "event_date", "deleted_at", "review_status", "location_id", "sector_id")
TEXT = ("admin1", "admin2", "perpetrator", "location_name")
incident = sa.table("incident", *[sa.column(n) for n in (*COLUMNS, *TEXT, *TALLIED)])
location = sa.table("location", sa.column("id"), sa.column("sector_id"))
i = incident.c
#: Each rollup: its time cell, its text key columns (as the rollup names them: the incident's
#: column) and whether it keeps the sector an incident is placed in.
REGION = {"admin1": "admin1", "admin2": "admin2"}
PERPETRATOR = {"perpetrator": "perpetrator"}
ROLLUPS = {
    "incident_region_day": ("day", REGION, True),
    "incident_region_week": ("week", REGION, True),
    "incident_perpetrator_day": ("day", PERPETRATOR, True),
    "incident_perpetrator_week": ("week", PERPETRATOR, True),
    "incident_location_month": ("month", {"location": "location_name"}, False),
}
LENGTH = {"day": 10, "week": 8, "month": 7}


def _cell(grain: str) -> sa.ColumnElement[Any]:
    if op.get_bind().dialect.name != "sqlite":
        return sa.func.to_char(i.event_date, {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM"}[grain])
    if grain != "week":  # dates are ISO text
        return sa.func.substr(i.event_date, 1, LENGTH[grain])
    thursday = sa.func.date(i.event_date, "-3 days", "weekday 4")  # the ISO week is its Thursday's
    week = (sa.cast(sa.func.strftime("%j", thursday), sa.Integer) + 6) / 7
    return sa.func.printf("%s-W%02d", sa.func.strftime("%Y", thursday), week)


def _create(name: str, grain: str, text: dict[str, str], *, placed: bool) -> None:
    keys: list[sa.Column[Any]] = [sa.Column(n, sa.String(), nullable=False) for n in text]
    values = [sa.func.coalesce(i[column], "") for column in text.values()]
    if placed:
        keys.append(sa.Column("placed_sector_id", sa.Integer(), nullable=False))
        of_location = sa.select(location.c.sector_id).where(location.c.id == i.location_id).scalar_subquery()
        values.append(sa.func.coalesce(i.sector_id, of_location, 0))
    table = op.create_table(
        name,
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column(grain, sa.String(length=LENGTH[grain]), nullable=False),
        *keys,
        *[sa.Column(n, sa.Integer(), nullable=False) for n in ("events", *TALLIED)],
        sa.ForeignKeyConstraint(["mission_id"], ["mission.id"], name=op.f(f"fk_{name}_mission_id_mission")),
        sa.PrimaryKeyConstraint("mission_id", grain, *[c.name for c in keys], name=op.f(f"pk_{name}")),
    )
    grouped = [i.mission_id, _cell(grain), *values]
    sums = [sa.func.count(), *[sa.func.coalesce(sa.func.sum(i[n]), 0) for n in TALLIED]]
    counted = sa.select(*grouped, *sums).where(i.deleted_at.is_(None), i.review_status != "rejected").group_by(*grouped)
    op.execute(sa.insert(table).from_select([c.name for c in table.columns], counted))


def upgrade() -> None:
    for name, (grain, text, placed) in ROLLUPS.items():
        _create(name, grain, text, placed=placed)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("sqlite_stat1"):
        # Measured like the tables beside them, so that SQLite's planner weighs them alike.
        for name in ROLLUPS:
            op.execute(f"ANALYZE {name}")


def downgrade() -> None:
    for name in ROLLUPS:
        op.drop_table(name)
