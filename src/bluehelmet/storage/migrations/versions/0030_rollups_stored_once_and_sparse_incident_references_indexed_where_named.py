"""A smaller database for the same record (issue 29), on both backends where each applies:

- On SQLite, each incident rollup is kept in its primary key's b-tree (``WITHOUT ROWID``): with
  a rowid, every key (the cell, the types, the regions, the place as text) was stored twice, once
  in the table and once in the key's index, so the rollups took nearly twice their bytes (14.6
  of their 35 MB at 100,000 incidents). Their rows are unchanged: each table is written again,
  row for row, under its own definition plus ``WITHOUT ROWID``. PostgreSQL has no such storage
  (a table is a heap beside its key's index): nothing changes there.
- The weekly rollup of the types, regions, target and sector (``incident_week``, the largest
  rollup) goes, and the daily rollup of the types (``incident_type_day``) keeps the sector: a
  week with a type, a target or a sector is then added up from the days, which are fewer rows
  than the weeks split by regions (65,000 against 225,000 at 300,000 incidents). Both are
  counted again from the incidents, as ``bluehelmet rollup rebuild`` would.
- The incident's indexes of its operation, own sector and location hold only the incidents that
  name one (partial): nearly every incident names no operation and no sector of its own, and
  a lookup by one is all any query asks of them. The index of its mission alone goes: the
  mission leads the natural key (mission, external id) and every covering index.

Its downgrade puts every table and index back as it was.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than taken from the code, so that this migration stays as it is.
ROLLUPS = (
    "incident_day",
    "incident_month",
    "incident_place_month",
    "incident_perpetrator_month",
    "incident_region_day",
    "incident_region_week",
    "incident_perpetrator_day",
    "incident_perpetrator_week",
    "incident_location_month",
    "incident_perpetrator_type_month",
    "incident_location_facets",
    "incident_location_perpetrator",
    "incident_perpetrator_regions",
)
_WITHOUT_ROWID = " WITHOUT ROWID"


def _rewrite(without_rowid: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    analysed = sa.inspect(bind).has_table("sqlite_stat1")
    for name in ROLLUPS:
        found = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        ddl = str(found.scalar_one()).rstrip()
        if ddl.upper().endswith(_WITHOUT_ROWID) == without_rowid:
            continue  # already stored so
        body = ddl[ddl.index("(") :]  # the columns and constraints, as the table has them
        if not without_rowid:
            body = body[: -len(_WITHOUT_ROWID)].rstrip()
        staged = f"{name}_0030"
        op.execute(f"CREATE TABLE {staged} {body}{_WITHOUT_ROWID if without_rowid else ''}")
        op.execute(f"INSERT INTO {staged} SELECT * FROM {name}")  # noqa: S608 - names spelled out above
        op.execute(f"DROP TABLE {name}")
        op.execute(f"ALTER TABLE {staged} RENAME TO {name}")
        if analysed:
            # A table without statistics beside measured ones misleads SQLite's planner (0008).
            op.execute(f"ANALYZE {name}")


SPARSE = ("location_id", "sector_id", "operation_id")
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
WEEK_KEYS = ("event_type", "sub_event_type", "category", "admin1", "admin2", "target")
PLACED = "placed_sector_id"
incident = sa.table("incident", *[sa.column(n) for n in ("mission_id", "event_date", "deleted_at", "review_status",
                                                         "sector_id", "location_id", *WEEK_KEYS, *TALLIED)])  # fmt: skip
location = sa.table("location", sa.column("id"), sa.column("sector_id"))
i = incident.c


def _cell(grain: str) -> sa.ColumnElement[str]:
    """The event date as a rollup's cell: its day (YYYY-MM-DD) or its ISO week (YYYY-Www)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if grain == "day":
        return sa.func.substr(i.event_date, 1, 10) if sqlite else sa.func.to_char(i.event_date, "YYYY-MM-DD")
    if not sqlite:
        return sa.func.to_char(i.event_date, 'IYYY-"W"IW')
    thursday = sa.func.date(i.event_date, "-3 days", "weekday 4")  # the ISO week is its Thursday's
    week = (sa.cast(sa.func.strftime("%j", thursday), sa.Integer) + 6) / 7
    return sa.func.printf("%s-W%02d", sa.func.strftime("%Y", thursday), week)


def _counted(name: str, grain: str, keys: tuple[str, ...], *, without_rowid: bool, defaults: bool) -> None:
    """The rollup ``name`` created and counted from the live, not rejected incidents (a sum of a
    toll 0 when none is recorded, beside the number of incidents that do not record it)."""
    unknown = [f"{t}_unknown" for t in TALLIED]
    default = "0" if defaults else None  # as migration 0014 added them
    table = op.create_table(
        name,
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column(grain, sa.String(length=10 if grain == "day" else 8), nullable=False),
        *[sa.Column(k, sa.Integer() if k == PLACED else sa.String(), nullable=False) for k in keys],
        *[sa.Column(n, sa.Integer(), nullable=False) for n in ("events", *TALLIED)],
        *[sa.Column(n, sa.Integer(), nullable=False, server_default=default) for n in unknown],
        sa.ForeignKeyConstraint(["mission_id"], ["mission.id"], name=f"fk_{name}_mission_id_mission"),
        sa.PrimaryKeyConstraint("mission_id", grain, *keys, name=f"pk_{name}"),
        sqlite_with_rowid=not without_rowid,
    )
    own = sa.select(location.c.sector_id).where(location.c.id == i.location_id).scalar_subquery()
    placed = sa.func.coalesce(i.sector_id, own, 0)
    grouped = [i.mission_id, _cell(grain)]
    grouped += [placed if k == PLACED else sa.func.coalesce(sa.cast(i[k], sa.String()), "") for k in keys]
    sums: list[sa.ColumnElement[int]] = [sa.func.count(), *[sa.func.coalesce(sa.func.sum(i[t]), 0) for t in TALLIED]]
    sums += [sa.func.count() - sa.func.count(i[t]) for t in TALLIED]
    live = sa.and_(i.deleted_at.is_(None), i.review_status != "rejected")
    counted = sa.select(*grouped, *sums).where(live).group_by(*grouped)
    op.execute(sa.insert(table).from_select([c.name for c in table.columns], counted))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("sqlite_stat1"):
        op.execute(f"ANALYZE {name}")  # measured like the tables beside it, for SQLite's planner


def _index(column: str, partial: bool) -> None:
    name = f"ix_incident_{column}"
    op.drop_index(name, table_name="incident")
    where = sa.text(f"{column} IS NOT NULL") if partial else None
    op.create_index(name, "incident", [column], sqlite_where=where, postgresql_where=where)


def _analyse() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("sqlite_stat1"):
        # An index without statistics beside measured ones misleads SQLite's planner (0008).
        for column in SPARSE:
            op.execute(f"ANALYZE ix_incident_{column}")


def upgrade() -> None:
    _rewrite(without_rowid=True)
    op.drop_table("incident_week")
    op.drop_table("incident_type_day")
    _counted("incident_type_day", "day", (*TYPES, PLACED), without_rowid=True, defaults=False)
    for column in SPARSE:
        _index(column, partial=True)
    op.drop_index("ix_incident_mission_id", table_name="incident")
    _analyse()


def downgrade() -> None:
    op.create_index("ix_incident_mission_id", "incident", ["mission_id"])
    for column in SPARSE:
        _index(column, partial=False)
    _analyse()
    if op.get_bind().dialect.name == "sqlite" and sa.inspect(op.get_bind()).has_table("sqlite_stat1"):
        op.execute("ANALYZE ix_incident_mission_id")
    _rewrite(without_rowid=False)
    op.drop_table("incident_type_day")
    _counted("incident_type_day", "day", TYPES, without_rowid=False, defaults=True)
    _counted("incident_week", "week", (*WEEK_KEYS, PLACED), without_rowid=False, defaults=True)
