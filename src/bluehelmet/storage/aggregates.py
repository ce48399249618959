"""Grouped counts computed in the database, so a million incidents never travel to Python."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.places import Location, Sector
from bluehelmet.storage.tables import TABLES

__all__ = ["INCIDENT_COLUMNS", "TALLIED", "incident_groups"]

_I = TABLES[Incident]
_L = TABLES[Location]
_S = TABLES[Sector]
#: The incident columns a grouping or filter may name (by the name the analysis uses).
INCIDENT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "event_type": _I.c.event_type,
    "sub_event_type": _I.c.sub_event_type,
    "category": _I.c.category,
    "admin1": _I.c.admin1,
    "admin2": _I.c.admin2,
    "location": _I.c.location_name,
    "target": _I.c.target,
    "perpetrator": _I.c.perpetrator,
    "sector": _S.c.name,
    "explosives_used": _I.c.explosives_used,
}
TALLIED = (
    "fatalities",
    "killed_peacekeepers",
    "injured_peacekeepers",
    "killed_national_forces",
    "injured_national_forces",
    "killed_civilians",
    "injured_civilians",
)


def incident_groups(
    session: Session,
    mission_id: int,
    keys: Sequence[str],
    *,
    by_day: bool,
    date_from: date | None = None,
    date_to: date | None = None,
    where: Mapping[str, Any] | None = None,
) -> Iterator[tuple[dict[str, Any], int, dict[str, int]]]:
    """Live, not rejected incidents of a mission grouped by ``keys`` (and by day when asked):
    each group's values, its number of events and the sums of its tolls."""
    group_cols = [INCIDENT_COLUMNS[k].label(k) for k in keys]
    if by_day:
        group_cols.append(_I.c.event_date.label("day"))
    sums = [func.coalesce(func.sum(_I.c[name]), 0).label(name) for name in TALLIED]
    stmt = (
        select(*group_cols, func.count().label("events"), *sums)
        # An incident's sector is its own, else that of the place it names.
        .select_from(
            _I.outerjoin(_L, _L.c.id == _I.c.location_id).outerjoin(
                _S, _S.c.id == func.coalesce(_I.c.sector_id, _L.c.sector_id)
            )
        )
        .where(
            _I.c.mission_id == mission_id,
            _I.c.deleted_at.is_(None),
            _I.c.review_status != ReviewStatus.REJECTED.value,
        )
    )
    if date_from is not None:
        stmt = stmt.where(_I.c.event_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(_I.c.event_date <= date_to)
    for name, value in (where or {}).items():
        column = INCIDENT_COLUMNS[name]
        stmt = stmt.where(column.in_(value) if isinstance(value, list | tuple | set) else column == value)
    if group_cols:
        stmt = stmt.group_by(*group_cols)
    names = [*keys, *(["day"] if by_day else [])]
    for row in session.execute(stmt):
        mapping = row._mapping
        yield (
            {n: mapping[n] for n in names},
            int(mapping["events"]),
            {t: int(mapping[t]) for t in TALLIED},
        )
