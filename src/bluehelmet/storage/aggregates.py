"""Grouped counts computed in the database, so a million incidents never travel to Python."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bluehelmet.domain.incidents import TOLL_FIELDS, Incident, ReviewStatus
from bluehelmet.domain.places import Location, Sector
from bluehelmet.storage.tables import TABLES

__all__ = ["INCIDENT_COLUMNS", "TALLIED", "counted_incidents", "incident_groups", "period_text"]

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
TALLIED = TOLL_FIELDS


def period_text(session: Session, key: str) -> ColumnElement[Any]:
    """The event date as text of a period: the day, the month (YYYY-MM) or the year (YYYY)."""
    length = {"day": 10, "month": 7, "year": 4}[key]
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":  # dates are stored as ISO text
        return func.substr(_I.c.event_date, 1, length)
    return func.to_char(_I.c.event_date, {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}[key])


_Query = TypeVar("_Query", bound=Select[Any])


def counted_incidents(
    stmt: _Query, mission_id: int, date_from: date | None, date_to: date | None, where: Mapping[str, Any] | None
) -> _Query:
    """``stmt`` restricted to the incidents an analysis counts: the mission's live incidents not
    rejected in review, in the period (inclusive), matching ``where`` (a list means any of)."""
    stmt = stmt.where(
        _I.c.mission_id == mission_id,
        _I.c.deleted_at.is_(None),
        _I.c.review_status != ReviewStatus.REJECTED.value,
    )
    if date_from is not None:
        stmt = stmt.where(_I.c.event_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(_I.c.event_date <= date_to)
    for name, value in (where or {}).items():
        column = INCIDENT_COLUMNS[name]
        stmt = stmt.where(column.in_(value) if isinstance(value, list | tuple | set) else column == value)
    return stmt


def incident_groups(
    session: Session,
    mission_id: int,
    keys: Sequence[str],
    *,
    period: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    where: Mapping[str, Any] | None = None,
) -> Iterator[tuple[dict[str, Any], int, dict[str, int]]]:
    """Live, not rejected incidents of a mission grouped by ``keys`` and, when asked, by a
    ``period`` of the event date ("day", "month" or "year", given back as text under that
    name): each group's values, its number of events and the sums of its tolls."""
    group_cols = [INCIDENT_COLUMNS[k].label(k) for k in keys]
    if period is not None:
        group_cols.append(period_text(session, period).label(period))
    sums = [func.coalesce(func.sum(_I.c[name]), 0).label(name) for name in TALLIED]
    source: Any = _I
    if "sector" in keys or "sector" in (where or {}):
        # An incident's sector is its own, else that of the place it names.
        source = _I.outerjoin(_L, _L.c.id == _I.c.location_id).outerjoin(
            _S, _S.c.id == func.coalesce(_I.c.sector_id, _L.c.sector_id)
        )
    stmt = counted_incidents(
        select(*group_cols, func.count().label("events"), *sums).select_from(source),
        mission_id, date_from, date_to, where,
    )  # fmt: skip
    if group_cols:
        stmt = stmt.group_by(*group_cols)
    names = [*keys, *([period] if period else [])]
    for row in session.execute(stmt):
        mapping = row._mapping
        yield (
            {n: mapping[n] for n in names},
            int(mapping["events"]),
            {t: int(mapping[t]) for t in TALLIED},
        )
