"""Incident rollups of a perpetrator with the types, category and target by month, and, with no
time cell (every incident of the mission), of a location name with the types, category,
target, regions and sector, of a location name with the perpetrator and sector, and of a
perpetrator with the regions and sector; filled from the incidents already recorded. "Who does what" and a place's record over the mission's whole life are
read from them instead of walking a million entries of an ordered index.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 13:40:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
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
TYPES = ("event_type", "sub_event_type", "category", "target")
COLUMNS = ("mission_id", "event_date", "deleted_at", "review_status", "location_id", "sector_id")
TEXT = (*TYPES, "admin1", "admin2", "perpetrator", "location_name")
incident = sa.table("incident", *[sa.column(n) for n in (*COLUMNS, *TEXT, *TALLIED)])
location = sa.table("location", sa.column("id"), sa.column("sector_id"))
i = incident.c
#: Each rollup: its time cell (None: all time), its text key columns (as the rollup names them:
#: the incident's column) and whether it keeps the sector an incident is placed in.
PLACE = {"location": "location_name"}
ROLLUPS: dict[str, tuple[str | None, dict[str, str], bool]] = {
    "incident_perpetrator_type_month": ("month", {"perpetrator": "perpetrator", **{n: n for n in TYPES}}, False),
    "incident_location_facets": (None, {**PLACE, **{n: n for n in (*TYPES, "admin1", "admin2")}}, True),
    "incident_location_perpetrator": (None, {**PLACE, "perpetrator": "perpetrator"}, True),
    "incident_perpetrator_regions": (
        None,
        {"perpetrator": "perpetrator", "admin1": "admin1", "admin2": "admin2"},
        True,
    ),
}


def _create(name: str, grain: str | None, text: dict[str, str], *, placed: bool) -> None:
    keys: list[sa.Column[Any]] = [sa.Column(n, sa.String(), nullable=False) for n in text]
    values: list[sa.ColumnElement[Any]] = [sa.func.coalesce(sa.cast(i[c], sa.String()), "") for c in text.values()]
    if placed:
        keys.append(sa.Column("placed_sector_id", sa.Integer(), nullable=False))
        of_location = sa.select(location.c.sector_id).where(location.c.id == i.location_id).scalar_subquery()
        values.append(sa.func.coalesce(i.sector_id, of_location, 0))
    cells: list[sa.Column[Any]] = []
    if grain == "month":
        cells.append(sa.Column("month", sa.String(length=7), nullable=False))
        sqlite = op.get_bind().dialect.name == "sqlite"  # dates are ISO text there
        values.insert(0, sa.func.substr(i.event_date, 1, 7) if sqlite else sa.func.to_char(i.event_date, "YYYY-MM"))
    table = op.create_table(
        name,
        sa.Column("mission_id", sa.Integer(), nullable=False),
        *cells,
        *keys,
        *[sa.Column(n, sa.Integer(), nullable=False) for n in ("events", *TALLIED)],
        sa.ForeignKeyConstraint(["mission_id"], ["mission.id"], name=op.f(f"fk_{name}_mission_id_mission")),
        sa.PrimaryKeyConstraint("mission_id", *[c.name for c in (*cells, *keys)], name=op.f(f"pk_{name}")),
    )
    grouped = [i.mission_id, *values]
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
