"""The monthly incident rollup: events and tolls per mission, month and incident columns.

``incident_month`` is derived data, kept so that analyses over years read thousands of rows
instead of a million. It counts what ``incident_groups`` counts (live, not rejected incidents)
and is kept current by the services, which add each change's delta before the transaction
commits; ``rebuild_incident_rollup`` recomputes it for data written behind their back.

Missing text is stored as '' (NULLs are distinct in a unique key) and read back as None.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.storage.aggregates import TALLIED, period_text
from bluehelmet.storage.tables import TABLES, metadata

__all__ = [
    "KEY_COLUMNS",
    "MEASURES",
    "ROLLUP_KEYS",
    "Contribution",
    "Deltas",
    "RollupKey",
    "add_delta",
    "apply_deltas",
    "contribution",
    "fresh_incident_months",
    "incident_month",
    "month_groups",
    "rebuild_incident_rollup",
    "rollup_rows",
]

#: The incident columns the rollup keeps, besides the mission and the month.
ROLLUP_KEYS = ("event_type", "sub_event_type", "category", "admin1", "admin2", "target")
KEY_COLUMNS = ("mission_id", "month", *ROLLUP_KEYS)
MEASURES = ("events", *TALLIED)

incident_month = Table(
    "incident_month",
    metadata,
    Column("mission_id", Integer, ForeignKey("mission.id"), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM
    *[Column(name, String(), nullable=False) for name in ROLLUP_KEYS],
    *[Column(name, Integer, nullable=False) for name in MEASURES],
    PrimaryKeyConstraint(*KEY_COLUMNS),
)

#: (mission_id, month, *ROLLUP_KEYS), missing text as ''.
RollupKey = tuple[int, str, str, str, str, str, str, str]
#: Pending changes: per key, the events and each tallied sum to add (negative to remove).
Deltas = dict[RollupKey, list[int]]
#: What one incident counts: its key, one event and its tallied values.
Contribution = tuple[RollupKey, tuple[int, ...]]

_I = TABLES[Incident]
_REJECTED = ReviewStatus.REJECTED.value


def _text(value: object) -> str:
    return "" if value is None else str(value)


def contribution(record: object) -> Contribution | None:
    """What ``record`` counts in the rollup: its key and measures if it is a live, not rejected
    incident, else None."""
    if not isinstance(record, Incident) or record.deleted_at is not None or record.review_status == _REJECTED:
        return None
    day = record.event_date
    key: RollupKey = (
        record.mission_id,
        f"{day.year:04d}-{day.month:02d}",
        _text(record.event_type),
        _text(record.sub_event_type),
        _text(record.category),
        record.admin1 or "",
        record.admin2 or "",
        _text(record.target),
    )
    return key, (1, *[getattr(record, name) or 0 for name in TALLIED])


def add_delta(deltas: Deltas, counted: Contribution | None, sign: int) -> None:
    """Add (``sign`` 1) or take out (-1) a contribution to the pending deltas."""
    if counted is None:
        return
    key, measures = counted
    row = deltas.get(key)
    if row is None:
        row = deltas[key] = [0] * len(MEASURES)
    for i, value in enumerate(measures):
        row[i] += sign * value


def _upsert(session: Session) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE adding the new values to the stored ones."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"the incident rollup has no upsert for {dialect}")
    stmt = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(incident_month)
    adding = {name: incident_month.c[name] + stmt.excluded[name] for name in MEASURES}
    return stmt.on_conflict_do_update(index_elements=list(KEY_COLUMNS), set_=adding)


def apply_deltas(session: Session, deltas: Deltas) -> None:
    """Write pending deltas, one upsert per touched key in one batch, and remove the rows they
    leave without events. Apply a batch once, then clear it."""
    # In key order, so that concurrent writers lock the rows they share in the same order.
    changed = sorted((key, values) for key, values in deltas.items() if any(values))
    if not changed:
        return
    rows = [dict(zip((*KEY_COLUMNS, *MEASURES), (*key, *values), strict=True)) for key, values in changed]
    session.execute(_upsert(session), rows)
    emptied = [{f"k_{n}": v for n, v in zip(KEY_COLUMNS, key, strict=True)} for key, values in changed if values[0] < 0]
    if emptied:
        where = [incident_month.c[name] == bindparam(f"k_{name}") for name in KEY_COLUMNS]
        session.execute(delete(incident_month).where(*where, incident_month.c.events <= 0), emptied)


def fresh_incident_months(session: Session, mission_id: int | None = None) -> Select[Any]:
    """The rollup's rows computed afresh from the incidents (columns named as the table's)."""
    text = [func.coalesce(type_coerce(_I.c[name], String()), "").label(name) for name in ROLLUP_KEYS]
    keys = [_I.c.mission_id.label("mission_id"), period_text(session, "month").label("month"), *text]
    measures = [func.count().label("events"), *[func.coalesce(func.sum(_I.c[n]), 0).label(n) for n in TALLIED]]
    stmt = select(*keys, *measures).where(_I.c.deleted_at.is_(None), _I.c.review_status != _REJECTED)
    if mission_id is not None:
        stmt = stmt.where(_I.c.mission_id == mission_id)
    return stmt.group_by(*keys)


def rebuild_incident_rollup(session: Session, mission_id: int | None = None) -> int:
    """Recompute the rollup (of one mission, or all) from the incidents; the number of rows written."""
    mine = [] if mission_id is None else [incident_month.c.mission_id == mission_id]
    session.execute(delete(incident_month).where(*mine))
    fresh = fresh_incident_months(session, mission_id)
    session.execute(insert(incident_month).from_select([*KEY_COLUMNS, *MEASURES], fresh))
    return int(session.scalar(select(func.count()).select_from(incident_month).where(*mine)) or 0)


def rollup_rows(session: Session, *, fresh: bool = False) -> dict[RollupKey, tuple[int, ...]]:
    """Every row of the rollup as stored, or (``fresh``) as the incidents say it should be."""
    stored = select(*[incident_month.c[name] for name in (*KEY_COLUMNS, *MEASURES)])
    stmt = fresh_incident_months(session) if fresh else stored
    width = len(KEY_COLUMNS)
    rows: dict[RollupKey, tuple[int, ...]] = {}
    for row in session.execute(stmt):
        key: Any = tuple(row[:width])
        rows[key] = tuple(int(v) for v in row[width:])
    return rows


def month_groups(
    session: Session,
    mission_id: int,
    keys: Sequence[str],
    *,
    period: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    where: Mapping[str, Any] | None = None,
) -> Iterator[tuple[dict[str, Any], int, dict[str, int]]]:
    """What ``incident_groups`` gives for whole months ``month_from``..``month_to`` (YYYY-MM,
    inclusive, None for no bound), read from the rollup: ``keys`` among ROLLUP_KEYS, ``period``
    "month" or "year", ``where`` on ROLLUP_KEYS with non-empty text values."""
    m = incident_month.c
    group_cols: list[ColumnElement[Any]] = [m[k].label(k) for k in keys]
    if period is not None:
        group_cols.append((m.month if period == "month" else func.substr(m.month, 1, 4)).label(period))
    sums = [func.coalesce(func.sum(m[name]), 0).label(name) for name in MEASURES]
    stmt = select(*group_cols, *sums).where(m.mission_id == mission_id)
    if month_from is not None:
        stmt = stmt.where(m.month >= month_from)
    if month_to is not None:
        stmt = stmt.where(m.month <= month_to)
    for name, value in (where or {}).items():
        values = value if isinstance(value, list | tuple | set) else [value]
        stmt = stmt.where(m[name].in_([str(v) for v in values]))
    if group_cols:
        stmt = stmt.group_by(*group_cols)
    for row in session.execute(stmt):
        mapping = row._mapping
        labels = {k: mapping[k] or None for k in keys}
        if period is not None:
            labels[period] = mapping[period]
        yield labels, int(mapping["events"]), {t: int(mapping[t]) for t in TALLIED}
