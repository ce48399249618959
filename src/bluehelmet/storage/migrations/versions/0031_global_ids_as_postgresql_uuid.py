"""A smaller PostgreSQL database for the same record (issue 29). SQLite: nothing changes.

- Every record's global id (the ``uid`` sync matches records by, migration 0023) is stored as
  PostgreSQL's own ``uuid``, 16 bytes, instead of 36 characters of text (37 bytes), and its
  unique index halves (59 of the 1,215 MB at a million incidents). The services put in and read
  back the same canonical text (``storage.types.GlobalId``). Lossless: every id is first checked
  to be a UUID in its canonical text (lower case, with hyphens), the only form bluehelmet writes
  and the one PostgreSQL gives back; if one is not, the migration stops and names it.
- The two largest tables, ``incident`` and ``audit_entry``, are written again with their columns
  widest first (8-byte times and numbers, the uid, 4-byte numbers and dates, booleans, then
  text): PostgreSQL aligns each 8- or 4-byte value on its own width, and a time after a text
  left up to 7 bytes unused in every row (the incident's rows 43.9 → 42.0 MB, the audit entries'
  10.5 → 9.7 MB at 100,000 incidents). Row for row the same values, with their ids; the
  constraints, indexes, triggers (the history's append-only one) and references to them are
  made again as they were, from the catalogue.

Its downgrade puts the text and the columns' order of migration 0030 back.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 16:20:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CANONICAL = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _record_tables(bind: sa.Connection) -> list[str]:
    """The tables with a global id (every record table: found, so that none is missed)."""
    inspector = sa.inspect(bind)
    return sorted(t for t in inspector.get_table_names() if any(c["name"] == "uid" for c in inspector.get_columns(t)))


#: The columns' order of migration 0030 (the downgrade's), spelled out so that this stays as it is.
ORDER_0030 = {
    "incident": (
        "id", "version", "created_at", "created_by", "updated_at", "updated_by", "deleted_at", "deleted_by",
        "provenance", "mission_id", "external_id", "event_date", "event_time", "time_precision", "event_type",
        "sub_event_type", "category", "location_id", "sector_id", "location_name", "admin1", "admin2", "admin3",
        "latitude", "longitude", "geo_precision", "target", "perpetrator", "actor1", "assoc_actor1", "inter1",
        "actor2", "assoc_actor2", "inter2", "interaction", "disorder_type", "civilian_targeting", "explosives_used",
        "operation_id", "responding_unit_ids", "fatalities", "killed_peacekeepers", "injured_peacekeepers",
        "killed_national_forces", "injured_national_forces", "killed_civilians", "injured_civilians",
        "attackers_estimated", "source", "source_scale", "source_timestamp", "tags", "source_reliability",
        "information_credibility", "review_status", "notes", "location_name_fr", "uid",
    ),
    "audit_entry": ("id", "entity", "record_id", "action", "version", "actor", "at", "before", "after", "form", "block_id"),
}  # fmt: skip


def _columns(bind: sa.Connection, table: str) -> list[sa.Row[Any]]:
    """The table's columns in their order: name, type, NOT NULL, default, length, alignment."""
    return list(bind.execute(sa.text(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, "
        "pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attlen, t.typalign FROM pg_attribute a "
        "JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = CAST(:t AS regclass) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
    ), {"t": table}))  # fmt: skip


def _widest_first(column: sa.Row[Any]) -> int:
    if column.attlen < 0:
        return 5  # text, JSON: no alignment worth keeping (a short value has a one-byte header)
    if column.typalign == "d":
        return 0
    return 1 if column.attlen % 8 == 0 else {"i": 2, "s": 3}.get(column.typalign, 4)


def _rewrite(table: str, order: Sequence[str] | None) -> None:
    """Write ``table`` again with its columns in ``order`` (None: widest first), row for row,
    and make its constraints, indexes, triggers and the references to it again as they were."""
    bind = op.get_bind()
    quote = bind.dialect.identifier_preparer.quote
    columns = _columns(bind, table)
    if order is None:
        columns.sort(key=_widest_first)  # stable: the same width keeps its order
    else:
        by_name = {c.attname: c for c in columns}
        columns = [by_name[name] for name in order if name in by_name] + [c for c in columns if c.attname not in order]
    t = {"t": table}
    constraints = bind.execute(sa.text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) "
        "ORDER BY CASE contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'c' THEN 2 ELSE 3 END, conname"), t).all()  # fmt: skip
    referring = bind.execute(sa.text(
        "SELECT CAST(conrelid AS regclass)::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE confrelid = CAST(:t AS regclass) AND conrelid <> confrelid AND contype = 'f' ORDER BY conname"), t).all()  # fmt: skip
    indexes = bind.execute(sa.text(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = CAST(:t AS regclass) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY i.indexrelid"), t).scalars().all()  # fmt: skip
    triggers = bind.execute(sa.text(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal "
        "ORDER BY tgname"), t).scalars().all()  # fmt: skip
    sequences = [(c.attname, bind.execute(sa.select(sa.func.pg_get_serial_sequence(table, c.attname))).scalar())
                 for c in columns]  # fmt: skip
    sequences = [(name, seq) for name, seq in sequences if seq]
    for relation, name, _ in referring:
        op.execute(f"ALTER TABLE {relation} DROP CONSTRAINT {quote(name)}")
    for _, seq in sequences:
        op.execute(f"ALTER SEQUENCE {seq} OWNED BY NONE")
    staged = quote(f"{table}__rewritten")

    def definition(c: sa.Row[Any]) -> str:
        return " ".join([quote(c.attname), c.type, *(["NOT NULL"] if c.attnotnull else []),
                         *([f"DEFAULT {c.dflt}"] if c.dflt is not None else [])])  # fmt: skip

    op.execute(f"CREATE TABLE {staged} ({', '.join(definition(c) for c in columns)})")
    names = ", ".join(quote(c.attname) for c in columns)
    op.execute(f"INSERT INTO {staged} ({names}) SELECT {names} FROM {quote(table)} ORDER BY id")  # noqa: S608
    op.execute(f"DROP TABLE {quote(table)}")
    op.execute(f"ALTER TABLE {staged} RENAME TO {quote(table)}")
    for column, seq in sequences:
        op.execute(f"ALTER SEQUENCE {seq} OWNED BY {quote(table)}.{quote(column)}")
    for name, constraint in constraints:
        op.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {constraint}")
    for statement in [*indexes, *triggers]:
        op.execute(statement)
    for relation, name, constraint in referring:
        op.execute(f"ALTER TABLE {relation} ADD CONSTRAINT {quote(name)} {constraint}")
    op.execute(f"ANALYZE {quote(table)}")  # the planner's statistics went with the table


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in _record_tables(bind):
        uid = sa.column("uid", sa.String())
        odd = bind.execute(
            sa.select(uid).select_from(sa.table(name, uid)).where(uid.is_not(None), ~uid.regexp_match(_CANONICAL))
        ).scalar()
        if odd is not None:
            raise RuntimeError(f"{name}: the global id {odd!r} is not a UUID in its canonical text; mend it first")
        op.alter_column(name, "uid", type_=postgresql.UUID(as_uuid=False), existing_type=sa.String(36),
                        existing_nullable=True, postgresql_using="uid::uuid")  # fmt: skip
    for table in ORDER_0030:
        _rewrite(table, None)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, order in ORDER_0030.items():
        _rewrite(table, order)
    for name in _record_tables(bind):
        op.alter_column(name, "uid", type_=sa.String(36), existing_type=postgresql.UUID(as_uuid=False),
                        existing_nullable=True, postgresql_using="uid::text")  # fmt: skip
