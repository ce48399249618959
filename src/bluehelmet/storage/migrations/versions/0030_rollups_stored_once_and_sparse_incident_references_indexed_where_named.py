"""A smaller database for the same record (issue 29), on both backends where each applies:

- On SQLite, each incident rollup is kept in its primary key's b-tree (``WITHOUT ROWID``): with
  a rowid, every key (the cell, the types, the regions, the place as text) was stored twice, once
  in the table and once in the key's index, so the rollups took nearly twice their bytes (14.6
  of their 35 MB at 100,000 incidents). Their rows are unchanged: each table is written again,
  row for row, under its own definition plus ``WITHOUT ROWID``. PostgreSQL has no such storage
  (a table is a heap beside its key's index): nothing changes there.
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
