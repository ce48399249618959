"""Incident rollups by day, ISO week, place and perpetrator, filled from the incidents already recorded;
an index for the near-repeat analysis.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:08:15.527102
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
NEAR_REPEAT = ("category", "mission_id", "event_date", "deleted_at", "review_status", "latitude", "longitude")
# Spelled out here rather than taken from the code, so that this migration stays as it is.
COLUMNS = ("mission_id", "event_date", "deleted_at", "review_status", "location_name", "location_id", "sector_id")
incident = sa.table(
    "incident", *[sa.column(n) for n in (*COLUMNS, "latitude", "longitude", "perpetrator", *TYPED, *TALLIED)]
)
i = incident.c


def _cell(grain: str) -> sa.ColumnElement[Any]:
    if op.get_bind().dialect.name != "sqlite":
        return sa.func.to_char(i.event_date, {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM"}[grain])
    if grain != "week":  # dates are ISO text
        return sa.func.substr(i.event_date, 1, 10 if grain == "day" else 7)
    thursday = sa.func.date(i.event_date, "-3 days", "weekday 4")  # the ISO week is its Thursday's
    week = (sa.cast(sa.func.strftime("%j", thursday), sa.Integer) + 6) / 7
    return sa.func.printf("%s-W%02d", sa.func.strftime("%Y", thursday), week)


def _text(name: str) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(incident.c[name], "")


def _create(name: str, grain: str, keys: list[tuple[sa.Column[Any], sa.ColumnElement[Any]]]) -> None:
    table = op.create_table(
        name,
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column(grain, sa.String(length={"day": 10, "week": 8, "month": 7}[grain]), nullable=False),
        *[column for column, _ in keys],
        *[sa.Column(n, sa.Integer(), nullable=False) for n in ("events", *TALLIED)],
        sa.ForeignKeyConstraint(["mission_id"], ["mission.id"], name=op.f(f"fk_{name}_mission_id_mission")),
        sa.PrimaryKeyConstraint("mission_id", grain, *[column.name for column, _ in keys], name=op.f(f"pk_{name}")),
    )
    values = [i.mission_id, _cell(grain), *[value for _, value in keys]]
    sums = [sa.func.count(), *[sa.func.coalesce(sa.func.sum(i[n]), 0) for n in TALLIED]]
    counted = sa.select(*values, *sums).where(i.deleted_at.is_(None), i.review_status != "rejected").group_by(*values)
    op.execute(sa.insert(table).from_select([c.name for c in table.columns], counted))


def upgrade() -> None:
    text = sa.String()
    typed = [(sa.Column(n, text, nullable=False), _text(n)) for n in TYPED]
    _create("incident_day", "day", [])
    _create("incident_week", "week", typed)
    _create(
        "incident_perpetrator_month", "month", [(sa.Column("perpetrator", text, nullable=False), _text("perpetrator"))]
    )
    located = sa.case((i.latitude.is_(None), 0), else_=1) + sa.case((i.longitude.is_(None), 0), else_=2)
    place: list[tuple[sa.Column[Any], sa.ColumnElement[Any]]] = [
        (sa.Column("location", text, nullable=False), _text("location_name")),
        (sa.Column("location_id", sa.Integer(), nullable=False), sa.func.coalesce(i.location_id, 0)),
        (sa.Column("sector_id", sa.Integer(), nullable=False), sa.func.coalesce(i.sector_id, 0)),
        (sa.Column("located", sa.Integer(), nullable=False), located),
        (sa.Column("latitude", sa.Float(), nullable=False), sa.func.coalesce(i.latitude, 0.0)),
        (sa.Column("longitude", sa.Float(), nullable=False), sa.func.coalesce(i.longitude, 0.0)),
    ]
    _create("incident_place_month", "month", place)
    has_category = sa.text("category IS NOT NULL")
    op.create_index(
        "ix_incident_near_repeat",
        "incident",
        [*NEAR_REPEAT, "location_id"],
        sqlite_where=has_category,
        postgresql_where=has_category,
    )


def downgrade() -> None:
    op.drop_index("ix_incident_near_repeat", table_name="incident")
    for name in ("incident_place_month", "incident_perpetrator_month", "incident_week", "incident_day"):
        op.drop_table(name)
