"""Grouped counts computed in the database, so a million incidents never travel to Python.

A grouping whose keys an ordered covering index holds (``tables.FACET_INDEXES``: the day, then
the incident's types, category, target and regions) is added up in two steps: along the
index's first columns, read in order with no sort, then by the keys asked.
Any other grouping is counted from the incident rows. ``folded`` adds such groups (and those
of the rollups) up by the labels of the keys asked and sorts them, also in the database, so
that Python only receives the answer's rows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Select,
    String,
    cast,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bluehelmet.domain.incidents import TOLL_FIELDS, TOLL_TALLIES, Incident, ReviewStatus
from bluehelmet.domain.places import Location, Sector
from bluehelmet.storage.tables import FACET_INDEXES, FACETS, TABLES

__all__ = [
    "COUNTED_STATUSES",
    "INCIDENT_COLUMNS",
    "TALLIED",
    "WEEK_ZERO",
    "counted_incidents",
    "folded",
    "incident_answer_query",
    "incident_groups",
    "incident_groups_query",
    "iso_week_text",
    "label_of",
    "negated",
    "period_text",
    "plain_rows",
    "status_groups_query",
    "tallied_sums",
    "week_number",
]

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
TALLIED = TOLL_TALLIES
#: The review statuses an analysis may count: a rejected report is never counted.
COUNTED_STATUSES = frozenset({ReviewStatus.DRAFT, ReviewStatus.VERIFIED})
#: The incident column of a key, where the analysis names it differently.
_COLUMN_OF = {"location": "location_name"}


def tallied_sums(columns: Any, *, wide: bool = False) -> list[ColumnElement[Any]]:
    """Each tallied measure of a grouping of incident rows (``columns``: the incident table's
    columns, or a source's that holds the tolls), named as ``TALLIED``: a toll's recorded values
    added up (0 when none is), and beside it the number of rows whose value is not recorded
    (a count of the NULLs, read from the same column: no cost beyond the sum). ``wide``: as
    BIGINT, as an answer's measures are."""
    measures: list[ColumnElement[Any]] = []
    for toll in TOLL_FIELDS:
        column = columns[toll]
        known: ColumnElement[Any] = func.coalesce(func.sum(column), 0)
        unknown: ColumnElement[Any] = func.count() - func.count(column)
        if wide:
            known, unknown = cast(known, BigInteger), cast(unknown, BigInteger)
        measures += [known.label(toll), unknown.label(f"{toll}_unknown")]
    return measures


def period_text(session: Session, key: str, column: ColumnElement[Any] | None = None) -> ColumnElement[Any]:
    """The event date (or ``column``, a date) as text of a period: the day, the ISO week
    (YYYY-Www), the month (YYYY-MM) or the year (YYYY)."""
    day = _I.c.event_date if column is None else column
    if key == "week":
        return iso_week_text(session, day)
    length = {"day": 10, "month": 7, "year": 4}[key]
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":  # dates are stored as ISO text
        return func.substr(day, 1, length)
    return func.to_char(day, {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}[key])


def iso_week_text(session: Session, day: ColumnElement[Any]) -> ColumnElement[Any]:
    """The ISO week of ``day`` (a date, or a day's ISO text) as text: 2021-W14."""
    if session.get_bind().dialect.name == "sqlite":  # no %V in SQLite 3.40: the ISO week is the week of its Thursday
        # The Thursday as a Julian day number (a day number's remainder by 7 is 0 on a Monday),
        # then as a Julian date at midnight: a third less time than date modifiers on the text.
        day_number = cast(func.julianday(day) + 0.5, Integer)
        thursday = day_number // 7 * 7 + 3 - 0.5
        week = (cast(func.strftime("%j", thursday), Integer) + 6) // 7
        return func.printf("%s-W%02d", func.strftime("%Y", thursday), week)
    return func.to_char(cast(day, Date), 'IYYY-"W"IW')


#: The Monday weeks are numbered from (``week_number``): week n begins ``WEEK_ZERO + 7n`` days.
WEEK_ZERO = date(1900, 1, 1)


def week_number(session: Session, day: ColumnElement[Any]) -> ColumnElement[Any]:
    """The week of ``day`` (Monday to Sunday) as the number of whole weeks since ``WEEK_ZERO``,
    a Monday: an integer to group by, cheaper than the ISO week's text."""
    if session.get_bind().dialect.name == "sqlite":  # the Julian day number of 1900-01-01 is 2415021
        return (cast(func.julianday(day) + 0.5, Integer) - 2415021) // 7
    return (cast(day, Date) - cast(literal(WEEK_ZERO.isoformat(), literal_execute=True), Date)) // 7


_Query = TypeVar("_Query", bound=Select[Any])


def counted_incidents(
    stmt: _Query,
    mission_id: int,
    date_from: date | None,
    date_to: date | None,
    where: Mapping[str, Any] | None,
    statuses: frozenset[ReviewStatus] | None = None,
) -> _Query:
    """``stmt`` restricted to the incidents an analysis counts: the mission's live incidents not
    rejected in review (of ``statuses`` only, when given), in the period (inclusive), matching
    ``where`` (a list means any of)."""
    stmt = stmt.where(_I.c.mission_id == mission_id, _I.c.deleted_at.is_(None))
    if statuses is None:
        stmt = stmt.where(_I.c.review_status != ReviewStatus.REJECTED.value)
    else:
        # Written out, not bound: the partial index of the drafts serves only a query whose
        # condition says, in its text, that it reads drafts (the values are the enum's own).
        chosen: list[ColumnElement[Any]] = [
            literal(s.value, literal_execute=True) for s in sorted(statuses & COUNTED_STATUSES)
        ]
        if len(chosen) == 1:  # "=": what the partial index's condition says
            stmt = stmt.where(_I.c.review_status == chosen[0])
        else:
            stmt = stmt.where(_I.c.review_status.in_(chosen or [null()]))
    if date_from is not None:
        stmt = stmt.where(_I.c.event_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(_I.c.event_date <= date_to)
    for name, value in (where or {}).items():
        stmt = stmt.where(_matching(INCIDENT_COLUMNS[name], value))
    return stmt


def _matching(column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    return column.in_(value) if isinstance(value, list | tuple | set) else column == value


def _ordered_prefix(keys: Sequence[str], where: Mapping[str, Any] | None) -> list[str] | None:
    """The leading columns of the day index (``tables.FACET_INDEXES``, the only ordered one
    since migration 0028) that hold every key of the grouping, as few as can be, or None when
    it does not hold all its keys and filters."""
    if not set(keys) | set(where or {}) <= set(FACETS):
        return None
    deepest = max((FACETS.index(k) + 1 for k in keys if k in FACETS), default=0)
    if deepest > FACETS.index("admin1"):
        # A day holds a few hundred incidents: down to its regions the day index has about as
        # many groups as incidents, and grouping them twice costs twice grouping the rows once
        # (which read the same covering index, then sort).
        return None
    return [*FACET_INDEXES["ix_incident_day_facets"], *FACETS[:deepest]]


def _grouped_in_order(
    session: Session,
    prefix: Sequence[str],
    keys: Sequence[str],
    period: str | None,
    counted: Select[Any],
    sector: Any = None,
    *,
    partial: bool = False,
) -> Select[Any]:
    """The grouping in two steps: the ``counted`` incidents added up by ``prefix`` (an ordered
    index's first columns: read in order, no sorting), then those sums grouped by the keys
    (and kept to ``sector``, a name or names, when given); ``partial``, without the second
    step's grouping (for ``folded``, which groups again)."""
    first = [_I.c[name] for name in prefix]
    inner = (
        counted.with_only_columns(*first, func.count().label("events"), *tallied_sums(_I.c)).group_by(*first).subquery()
    )
    source: Any = inner
    if "sector" in keys or sector is not None:
        # An incident's sector is its own, else that of the place it names.
        source = inner.outerjoin(_L, _L.c.id == inner.c.location_id).outerjoin(
            _S, _S.c.id == func.coalesce(inner.c.sector_id, _L.c.sector_id)
        )
    group_cols = [(_S.c.name if k == "sector" else inner.c[_COLUMN_OF.get(k, k)]).label(k) for k in keys]
    if period is not None:
        group_cols.append(period_text(session, period, inner.c.event_date).label(period))
    measures = ("events", *TALLIED)
    if partial:
        totals = [inner.c[name] for name in measures]
    else:
        totals = [func.coalesce(func.sum(inner.c[name]), 0).label(name) for name in measures]
    stmt = select(*group_cols, *totals).select_from(source)
    if sector is not None:
        stmt = stmt.where(_matching(_S.c.name, sector))
    return stmt.group_by(*group_cols) if group_cols and not partial else stmt


def incident_groups_query(
    session: Session,
    mission_id: int,
    keys: Sequence[str],
    *,
    period: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    where: Mapping[str, Any] | None = None,
    partial: bool = False,
) -> Select[Any]:
    """The grouping ``incident_groups`` reads, as a statement whose columns are named by the
    keys, the period, ``events`` and the tallied tolls. ``partial``: a group's values may come
    in more than one row (to be added up by ``folded``), which spares a step."""
    prefix = _ordered_prefix(keys, where)
    if prefix is None:
        return _grouped_from_rows(session, mission_id, keys, period, date_from, date_to, where)
    plain_where = {k: v for k, v in (where or {}).items() if k != "sector"}
    counted = counted_incidents(select(_I.c.id), mission_id, date_from, date_to, plain_where)
    return _grouped_in_order(session, prefix, keys, period, counted, (where or {}).get("sector"), partial=partial)


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
    ``period`` of the event date ("day", "week", "month" or "year", given back as text under
    that name): each group's values, its number of events and the sums of its tolls."""
    stmt = incident_groups_query(
        session, mission_id, keys, period=period, date_from=date_from, date_to=date_to, where=where
    )
    names = [*keys, *([period] if period else [])]
    for row in session.execute(stmt):
        mapping = row._mapping
        yield (
            {n: mapping[n] for n in names},
            int(mapping["events"]),
            {t: int(mapping[t]) for t in TALLIED},
        )


#: The length of a period's text that a coarser period keeps: 2021-04-02 is in 2021-04 and 2021.
_PREFIX = {"year": 4, "month": 7, "day": 10}
#: The date keys, finest first.
_DATE_KEYS = ("day", "week", "month", "year")


def label_of(session: Session, key: str, period: str | None, column: Any) -> ColumnElement[Any]:
    """A key's label: a date key's text made from the ``period`` column (the same period or a
    finer one), any other key's text with '' read as missing."""
    if key not in _DATE_KEYS:
        return func.nullif(type_coerce(column, String()), "")
    if key == period:
        return type_coerce(column, String())
    if key == "week" and period == "day":
        return iso_week_text(session, column)
    if key in _PREFIX and period in _PREFIX and _PREFIX[key] < _PREFIX[period]:
        return func.substr(column, 1, _PREFIX[key])
    raise ValueError(f"a {key} cannot be made of a {period}")


def folded(
    session: Session,
    parts: Sequence[Select[Any]],
    keys: Sequence[str],
    period: str | None,
    *,
    counted_only: bool = False,
) -> list[tuple[Any, ...]]:
    """The groups of ``parts`` (statements whose columns are named by the keys that are not
    dates, the ``period``, ``events`` and the tallied tolls) added up by the labels of ``keys``
    and sorted by them in order, missing labels first: each as (*labels, events, *tolls); with
    no key, the one total (of zeros when nothing counts).

    A date key is made from the period (a day gives every date key; a month, the month and
    the year); a missing text, stored as '' or NULL, is one missing label (None). Sorted as
    Python sorts text (by code point): SQLite's own order, PostgreSQL's "C" collation.
    ``counted_only``: a group whose events add up to none is left out (parts that take away,
    ``negated``, can leave a group of the whole with nothing in the period)."""
    source = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    labels = [label_of(session, k, period, source.c[period if k in _DATE_KEYS and period else k]) for k in keys]
    totals = [cast(func.coalesce(func.sum(source.c[n]), 0), BigInteger).label(n) for n in ("events", *TALLIED)]
    stmt = select(*(label.label(k) for label, k in zip(labels, keys, strict=True)), *totals)
    if counted_only and labels:
        stmt = stmt.having(func.sum(source.c.events) > 0)
    return plain_rows(session, _sorted_by_labels(session, stmt, labels))


def negated(stmt: Select[Any]) -> Select[Any]:
    """``stmt``'s groups (for ``folded``) with their events and tolls taken away instead of added."""
    groups = stmt.subquery()
    measures = {"events", *TALLIED}
    return select(*((-c).label(c.name) if c.name in measures else c for c in groups.c))


def _sorted_by_labels(session: Session, stmt: Select[Any], labels: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """``stmt`` grouped by ``labels`` and sorted by them as ``folded`` sorts: by code point, missing first."""
    if not labels:
        return stmt
    postgresql = session.get_bind().dialect.name == "postgresql"
    ordered = [(label.collate("C") if postgresql else label).asc().nulls_first() for label in labels]
    return stmt.group_by(*labels).order_by(*ordered)


def incident_answer_query(
    session: Session,
    mission_id: int,
    keys: Sequence[str],
    *,
    period: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    where: Mapping[str, Any] | None = None,
) -> Select[Any] | None:
    """The answer ``folded`` gives for the incidents alone, counted from their rows in one
    grouping by the labels of ``keys`` (date keys among them), or None when an ordered index
    serves the grouping better (``incident_groups_query`` with ``period``, the period the
    date keys are made of, then ``folded``).

    Grouping the rows by the labels at once spares the second grouping ``folded`` would make of
    groups that are nearly as many as the rows (a day and a place: 760,000 groups of a million
    incidents), which at that size costs a third of the time."""
    plain = [k for k in keys if k not in _DATE_KEYS]
    if _ordered_prefix(plain, where) is not None:
        return None
    # A week alone is labelled straight from the event date; with another date key, from the day.
    labelled = "week" if {k for k in keys if k in _DATE_KEYS} == {"week"} else period
    day = period_text(session, labelled) if labelled is not None else None
    labels = [label_of(session, k, labelled, day if k in _DATE_KEYS else INCIDENT_COLUMNS[k]) for k in keys]
    columns = [label.label(k) for label, k in zip(labels, keys, strict=True)]
    stmt = select(*columns, cast(func.count(), BigInteger).label("events"), *tallied_sums(_I.c, wide=True)).select_from(
        _source(where, keys)
    )
    stmt = counted_incidents(stmt, mission_id, date_from, date_to, where)
    return _sorted_by_labels(session, stmt, labels)


def _source(where: Mapping[str, Any] | None, keys: Sequence[str]) -> Any:
    """The incidents, joined to their sector when a key or filter names it: an incident's sector
    is its own, else that of the place it names."""
    if "sector" not in keys and "sector" not in (where or {}):
        return _I
    return _I.outerjoin(_L, _L.c.id == _I.c.location_id).outerjoin(
        _S, _S.c.id == func.coalesce(_I.c.sector_id, _L.c.sector_id)
    )


def plain_rows(session: Session, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """Every row of ``stmt`` at once, as the driver's own tuples.

    For statements whose columns need no conversion on the way out (text, integers): SQLAlchemy
    binds the parameters, then the rows are taken from the driver's cursor without becoming
    ``Row`` objects, which at 240,000 rows of ten columns halves the time of the fetch (0.86 s
    against 0.41 s). All at once: fetching a row at a time costs about as much again."""
    result = session.connection().execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def status_groups_query(
    session: Session,
    mission_id: int,
    keys: Sequence[str],
    statuses: frozenset[ReviewStatus],
    *,
    period: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    where: Mapping[str, Any] | None = None,
) -> Select[Any]:
    """The grouping of ``incident_groups_query`` over the incidents of some review ``statuses``
    only (the drafts: a few, found through their own partial index), from their rows."""
    stmt = _grouped_from_rows(session, mission_id, keys, period, date_from, date_to, where, statuses)
    if statuses == frozenset({ReviewStatus.DRAFT}):
        # SQLite's planner would rather walk a covering index of every incident of the mission.
        stmt = stmt.with_hint(_I, "INDEXED BY ix_incident_drafts", "sqlite")
    return stmt


def _grouped_from_rows(
    session: Session,
    mission_id: int,
    keys: Sequence[str],
    period: str | None,
    date_from: date | None,
    date_to: date | None,
    where: Mapping[str, Any] | None,
    statuses: frozenset[ReviewStatus] | None = None,
) -> Select[Any]:
    group_cols = [INCIDENT_COLUMNS[k].label(k) for k in keys]
    if period is not None:
        group_cols.append(period_text(session, period).label(period))
    stmt = counted_incidents(
        select(*group_cols, func.count().label("events"), *tallied_sums(_I.c)).select_from(_source(where, keys)),
        mission_id, date_from, date_to, where, statuses,
    )  # fmt: skip
    return stmt.group_by(*group_cols) if group_cols else stmt
