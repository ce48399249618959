"""The incident rollups by day, month, ISO week and perpetrator keep the sector an incident is
placed in (its own, else its location's), so that groupings of a sector with a period, the
incident's types, category, regions, target or perpetrator are read from them; the four are
filled again from the incidents.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:55:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than taken from the code, so that this migration stays as it is.
TYPED = ("event_type", "sub_event_type", "category", "admin1", "admin2", "target")
TALLIED = (
    "fatalities",
    "killed_peacekeepers",
    "injured_peacekeepers",
    "killed_national_forces",
    "injured_national_forces",
    "killed_civilians",
    "injured_civilians",
)
COLUMNS = ("mission_id", "event_date", "deleted_at", "review_status", "location_id", "sector_id", "perpetrator")
incident = sa.table("incident", *[sa.column(n) for n in (*COLUMNS, *TYPED, *TALLIED)])
#: Each rollup: its time cell and its text key columns (besides the sector this migration adds).
ROLLUPS = {
    "incident_day": ("day", ()),
    "incident_month": ("month", TYPED),
    "incident_week": ("week", TYPED),
    "incident_perpetrator_month": ("month", ("perpetrator",)),
}
location = sa.table("location", sa.column("id"), sa.column("sector_id"))
i = incident.c


def _cell(grain: str) -> sa.ColumnElement[Any]:
    if op.get_bind().dialect.name != "sqlite":
        return sa.func.to_char(i.event_date, {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM"}[grain])
    if grain != "week":  # dates are ISO text
        return sa.func.substr(i.event_date, 1, 10 if grain == "day" else 7)
    thursday = sa.func.date(i.event_date, "-3 days", "weekday 4")  # the ISO week is its Thursday's
    week = (sa.cast(sa.func.strftime("%j", thursday), sa.Integer) + 6) / 7
    return sa.func.printf("%s-W%02d", sa.func.strftime("%Y", thursday), week)


def _create(name: str, grain: str, text: Sequence[str], *, placed: bool) -> None:
    keys: list[sa.Column[Any]] = [sa.Column(n, sa.String(), nullable=False) for n in text]
    values: list[sa.ColumnElement[Any]] = [sa.func.coalesce(i[n], "") for n in text]
    if placed:
        keys.append(sa.Column("placed_sector_id", sa.Integer(), nullable=False))
        of_location = sa.select(location.c.sector_id).where(location.c.id == i.location_id).scalar_subquery()
        values.append(sa.func.coalesce(i.sector_id, of_location, 0))
    table = op.create_table(
        name,
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column(grain, sa.String(length={"day": 10, "week": 8, "month": 7}[grain]), nullable=False),
        *keys,
        *[sa.Column(n, sa.Integer(), nullable=False) for n in ("events", *TALLIED)],
        sa.ForeignKeyConstraint(["mission_id"], ["mission.id"], name=op.f(f"fk_{name}_mission_id_mission")),
        sa.PrimaryKeyConstraint("mission_id", grain, *[c.name for c in keys], name=op.f(f"pk_{name}")),
    )
    grouped = [i.mission_id, _cell(grain), *values]
    sums = [sa.func.count(), *[sa.func.coalesce(sa.func.sum(i[n]), 0) for n in TALLIED]]
    counted = sa.select(*grouped, *sums).where(i.deleted_at.is_(None), i.review_status != "rejected").group_by(*grouped)
    op.execute(sa.insert(table).from_select([c.name for c in table.columns], counted))


def _refill(*, placed: bool) -> None:
    for name, (grain, text) in ROLLUPS.items():
        op.drop_table(name)
        _create(name, grain, text, placed=placed)


def upgrade() -> None:
    _refill(placed=True)


def downgrade() -> None:
    _refill(placed=False)
