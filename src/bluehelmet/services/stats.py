"""The mission's analysis, as every door asks for it: the CLI's `stats`, the pages, the letter.

Each function reads what it needs in one transaction (grouped in the database where the data is
large) and hands it to the pure functions of ``bluehelmet.analytics``.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from bluehelmet.analytics.incidents import (
    DATE_KEYS,
    TALLY_FIELDS,
    GroupKey,
    IedSummary,
    PeriodChange,
    RateChange,
    Tally,
    finest_period,
    known_sum,
    percent_change,
    rate_change,
)
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import Incident, IncidentCategory, ReviewStatus, Target
from bluehelmet.domain.places import Location, Sector
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.loading import find_mission
from bluehelmet.storage.aggregates import (
    COUNTED_STATUSES,
    INCIDENT_COLUMNS,
    counted_incidents,
    folded,
    incident_answer_query,
    incident_groups_query,
    negated,
    plain_rows,
    status_groups_query,
)
from bluehelmet.storage.rollup_queries import counted_outside, rollup_answer_query, rollup_groups_query
from bluehelmet.storage.rollups import ALL_TIME, ROLLUPS, Rollup, cell_of
from bluehelmet.storage.tables import TABLES

__all__ = [
    "IncidentFilter",
    "PeriodSplit",
    "compare_with_previous_year",
    "drafts_are_most",
    "ied_summary",
    "incident_table",
    "known_sum",
    "pending_review",
    "pending_review_count",
    "plain_filter",
    "split_period",
    "weekly_rate",
    "year_earlier",
]


#: The date keys a rollup's cells make up: days make every period, weeks and months only themselves.
_DATES_OF_GRAIN = {
    "day": DATE_KEYS,
    "week": frozenset({GroupKey.WEEK}),
    "month": frozenset({GroupKey.MONTH, GroupKey.YEAR}),
    ALL_TIME: frozenset(),
}


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents an analysis counts: a period (inclusive), equality filters on columns
    (event_type, sub_event_type, category, admin1, admin2, location, sector, target, perpetrator)
    and the review ``statuses`` counted (None: draft and verified alike). A rejected report is
    never counted, whatever ``statuses`` says: asking for it is refused."""

    date_from: date | None = None
    date_to: date | None = None
    where: Mapping[str, Any] | None = None
    statuses: frozenset[ReviewStatus] | None = None

    def __post_init__(self) -> None:
        if self.statuses is not None:
            try:
                object.__setattr__(self, "statuses", frozenset(ReviewStatus(s) for s in self.statuses))
            except ValueError:
                raise BluehelmetError(f"statuses {sorted(map(str, self.statuses))} are not review statuses") from None
            if ReviewStatus.REJECTED in (self.statuses or ()):
                raise BluehelmetError("a rejected incident is never counted: statuses may be draft and verified")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise BluehelmetError(f"--to {self.date_to} is before --from {self.date_from}")
        unknown = sorted(set(self.where or {}) - set(INCIDENT_COLUMNS))
        if unknown:
            raise BluehelmetError(f"cannot filter incidents on {', '.join(unknown)}")
        for name, value in (self.where or {}).items():
            enum = getattr(INCIDENT_COLUMNS[name].type, "enum_class", None)
            allowed = {m.value for m in enum} if enum is not None else None
            for v in value if isinstance(value, list | tuple | set | frozenset) else [value]:
                if allowed is not None and v is not None and str(v) not in allowed:
                    raise BluehelmetError(f"--{name} {v!r} is not one of: {', '.join(sorted(allowed))}")
                if isinstance(v, str) and "\x00" in v:
                    raise BluehelmetError(f"--{name}: a value holds a NUL character")

    @property
    def bounded(self) -> bool:
        """Whether the period has a bound on either side."""
        return self.date_from is not None or self.date_to is not None

    @property
    def left_out(self) -> frozenset[ReviewStatus]:
        """The countable statuses (draft, verified) this filter leaves out."""
        return frozenset() if self.statuses is None else COUNTED_STATUSES - self.statuses

    def with_period(self, date_from: date | None, date_to: date | None) -> IncidentFilter:
        """The same filter (columns and statuses) over another period."""
        return IncidentFilter(date_from, date_to, self.where, self.statuses)


def _next_month(day: date) -> date | None:
    return None if (day.year, day.month) == (9999, 12) else (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _whole_cells(flt: IncidentFilter, grain: str) -> tuple[date | None, date | None] | None:
    """The first and last day of the whole cells (days, ISO weeks or months) inside the period
    (None: unbounded on that side), or None when the period holds no whole cell. The one cell of
    an all-time rollup is whole only for a period unbounded on both sides."""
    start, end = flt.date_from, flt.date_to
    if grain == ALL_TIME:
        return (None, None) if start is None and end is None else None
    if grain == "month":
        if start is not None and start.day != 1:
            start = _next_month(start)
            if start is None:
                return None
        if end is not None and end.day != calendar.monthrange(end.year, end.month)[1]:
            end = end.replace(day=1) - timedelta(days=1)
    elif grain == "week":
        if start is not None and start.weekday() != 0:
            if start > date.max - timedelta(days=7):
                return None
            start += timedelta(days=7 - start.weekday())
        if end is not None and end.weekday() != 6:
            if end < date.min + timedelta(days=7):
                return None
            end -= timedelta(days=end.weekday() + 1)
    if start is not None and end is not None and start > end:
        return None
    return start, end


def plain_filter(flt: IncidentFilter) -> bool:
    """Whether the filter's values are plain, valid, non-empty text, so that a rollup matches
    them as the incident table would."""
    for name, value in (flt.where or {}).items():
        enum = getattr(INCIDENT_COLUMNS[name].type, "enum_class", None)
        for v in value if isinstance(value, list | tuple | set) else [value]:
            if not isinstance(v, str) or v == "" or (enum is not None and v not in {m.value for m in enum}):
                return False
    return True


def _rollup_for(keys: Sequence[GroupKey], flt: IncidentFilter) -> Rollup | None:
    """The smallest rollup that holds every key and filter column, if any does; an all-time
    rollup only for a period unbounded on both sides."""
    if not plain_filter(flt):
        return None
    facets = {k.value for k in keys if k not in DATE_KEYS} | set(flt.where or {})
    dates = {k for k in keys if k in DATE_KEYS}
    for rollup in ROLLUPS:
        if flt.bounded and rollup.grain == ALL_TIME:
            continue
        if facets <= rollup.facets and dates <= _DATES_OF_GRAIN[rollup.grain]:
            return rollup
    return None


def _rollup_serves(keys: Sequence[GroupKey], flt: IncidentFilter) -> bool:
    """Whether some rollup can answer the grouping (the benchmark turns this off to compare)."""
    return _rollup_for(keys, flt) is not None


def _cell(grain: str, day: date | None) -> str | None:
    return None if day is None else cell_of(grain, day)


@dataclass(frozen=True)
class PeriodSplit:
    """A period cut for a rollup: the labels of its first and last whole cell (None: unbounded
    on that side), and the days before and after them, to be read from the incidents."""

    cell_from: str | None
    cell_to: str | None
    edges: tuple[tuple[date, date], ...]


def split_period(flt: IncidentFilter, grain: str) -> PeriodSplit | None:
    """``flt``'s period as whole cells of ``grain`` (day, week or month) and edge days, or None
    when it holds no whole cell."""
    cells = _whole_cells(flt, grain)
    if cells is None:
        return None
    first, last = cells
    edges = []
    if flt.date_from is not None and first is not None and flt.date_from < first:
        edges.append((flt.date_from, first - timedelta(days=1)))
    if flt.date_to is not None and last is not None and last < flt.date_to:
        edges.append((last + timedelta(days=1), flt.date_to))
    return PeriodSplit(_cell(grain, first), _cell(grain, last), tuple(edges))


def _groups(
    tx: Transaction, mission_id: int, keys: Sequence[GroupKey], flt: IncidentFilter, drafts_most: bool | None = None
) -> list[tuple[Any, ...]]:
    """The groups of the `stats incidents` contract, each as (*labels, events, *tolls), sorted.

    The rollups and covering indexes count every status but rejected. A filter that leaves the
    drafts out takes theirs away from that answer (drafts are few, read through their partial
    index); one that leaves the verified incidents out reads its drafts from the incidents. When
    the drafts are most of the mission's incidents (a large import not yet reviewed), the
    verified ones are read from the incidents instead (``drafts_most``: that answer, found before)."""
    left_out = flt.left_out
    if not left_out:
        return _every_status(tx, mission_id, keys, flt)
    if ReviewStatus.VERIFIED in left_out or (_drafts_are_most(tx, mission_id) if drafts_most is None else drafts_most):
        return _of_statuses(tx, mission_id, keys, flt, flt.statuses or frozenset())
    drafts = _of_statuses(tx, mission_id, keys, flt, frozenset({ReviewStatus.DRAFT}))
    return _less(_every_status(tx, mission_id, keys, flt), drafts, len(keys))


def drafts_are_most(db: Database, *, mission: str | None = None, actor: str = "stats") -> bool:
    """Whether drafts are most of the mission's incidents: ``_groups``' way, never its figures."""
    with db.transaction(actor) as tx:
        return _drafts_are_most(tx, find_mission(tx, mission).id or 0)


def _drafts_are_most(tx: Transaction, mission_id: int) -> bool:
    """Whether the mission's drafts are more than half its counted incidents (the drafts counted
    from their partial index, the whole from the day rollup: two small reads)."""
    drafts = select(func.count()).select_from(_I)
    drafts = counted_incidents(drafts, mission_id, None, None, None, frozenset({ReviewStatus.DRAFT}))
    tx.write_rollup()
    total = counted_outside(tx.session, mission_id, None, None)[1]
    return 2 * int(tx.session.scalar(drafts) or 0) > total


def _of_statuses(
    tx: Transaction, mission_id: int, keys: Sequence[GroupKey], flt: IncidentFilter, statuses: frozenset[ReviewStatus]
) -> list[tuple[Any, ...]]:
    period = finest_period(keys)
    name = period.value if period else None
    plain = [k.value for k in keys if k not in DATE_KEYS]
    part = status_groups_query(
        tx.session, mission_id, plain, statuses, period=name, date_from=flt.date_from, date_to=flt.date_to,
        where=flt.where,
    )  # fmt: skip
    return folded(tx.session, [part], [k.value for k in keys], name, counted_only=bool(keys))


def _less(rows: list[tuple[Any, ...]], taken: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """``rows`` (sorted groups: ``width`` labels, then the measures) less the groups ``taken``
    (of the same labels), leaving out a group with no event left (but always the one total)."""
    less = {row[:width]: row[width:] for row in taken if row[width]}
    if not less:
        return rows
    kept = []
    for row in rows:
        minus = less.get(row[:width])
        group = row if minus is None else (*row[:width], *(a - b for a, b in zip(row[width:], minus, strict=True)))
        if group[width] or not width:
            kept.append(group)
    return kept


def _every_status(
    tx: Transaction, mission_id: int, keys: Sequence[GroupKey], flt: IncidentFilter
) -> list[tuple[Any, ...]]:
    """The groups over every counted status (what the rollups hold)."""
    plain = [k.value for k in keys if k not in DATE_KEYS]
    period = finest_period(keys)
    name = period.value if period else None
    rollup = _rollup_for(keys, flt) if _rollup_serves(keys, flt) else None
    split = None if rollup is None else split_period(flt, rollup.grain)
    if rollup is None and flt.bounded:
        less = _whole_record_less_outside(tx, mission_id, keys, flt)
        if less is not None:
            return less
    if rollup is None or split is None:
        answer = incident_answer_query(
            tx.session,
            mission_id,
            [k.value for k in keys],
            period=name,
            date_from=flt.date_from,
            date_to=flt.date_to,
            where=flt.where,
        )
        if answer is not None:  # no ordered index serves it: the rows grouped once by the labels
            return plain_rows(tx.session, answer)
        parts = [_from_incidents(tx, mission_id, plain, name, flt.date_from, flt.date_to, flt.where)]
    else:
        # Whole cells from the rollup; the odd days before and after them from the incidents.
        # A week is read as it is from the week rollup (its cells are weeks), so are the edges.
        name = rollup.grain if rollup.grain == "week" else name
        tx.write_rollup()
        if not split.edges:  # the rollup's cells alone: grouped once, in the rollup's own order where it can
            answer = rollup_answer_query(
                tx.session, rollup, mission_id, [k.value for k in keys],
                where=flt.where, cell_from=split.cell_from, cell_to=split.cell_to,
            )  # fmt: skip
            return plain_rows(tx.session, answer)
        whole = rollup_groups_query(
            tx.session, rollup, mission_id, plain, period=name,
            where=flt.where, cell_from=split.cell_from, cell_to=split.cell_to,
        )  # fmt: skip
        edges = [_from_incidents(tx, mission_id, plain, name, start, end, flt.where) for start, end in split.edges]
        parts = [whole, *edges]
    return folded(tx.session, parts, [k.value for k in keys], name)


def _whole_record_less_outside(
    tx: Transaction, mission_id: int, keys: Sequence[GroupKey], flt: IncidentFilter
) -> list[tuple[Any, ...]] | None:
    """The groups of a period with a bound, when a rollup of all time holds the keys and fewer of
    the mission's incidents lie outside the period than inside: the whole record less those
    outside (read as ranges of the day index); else None."""
    whole_record = IncidentFilter(where=flt.where)
    timeless = _rollup_for(keys, whole_record) if _rollup_serves(keys, whole_record) else None
    if timeless is None or timeless.grain != ALL_TIME:
        return None
    tx.write_rollup()
    outside, total = counted_outside(tx.session, mission_id, flt.date_from, flt.date_to)
    if 2 * outside >= total:
        return None
    plain = [k.value for k in keys]
    if not outside:  # the period holds the whole record: the rollup alone, read in its own order
        return plain_rows(tx.session, rollup_answer_query(tx.session, timeless, mission_id, plain, where=flt.where))
    ranges: list[tuple[date | None, date | None]] = []
    if flt.date_from is not None and flt.date_from > date.min:
        ranges.append((None, flt.date_from - timedelta(days=1)))
    if flt.date_to is not None and flt.date_to < date.max:
        ranges.append((flt.date_to + timedelta(days=1), None))
    whole = rollup_groups_query(tx.session, timeless, mission_id, plain, where=flt.where)
    less = [negated(_from_incidents(tx, mission_id, plain, None, start, end, flt.where)) for start, end in ranges]
    return folded(tx.session, [whole, *less], plain, None, counted_only=True)


def _from_incidents(
    tx: Transaction,
    mission_id: int,
    plain: list[str],
    period: str | None,
    date_from: date | None,
    date_to: date | None,
    where: Mapping[str, Any] | None,
) -> Select[Any]:
    return incident_groups_query(
        tx.session, mission_id, plain, period=period, date_from=date_from, date_to=date_to, where=where, partial=True
    )


def incident_table(
    db: Database, keys: Sequence[str], flt: IncidentFilter, *, mission: str | None = None, actor: str = "stats",
    drafts_most: bool | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Events and tolls grouped by ``keys``, sorted by the keys in order (the `stats incidents` contract)."""
    try:
        group_keys = [GroupKey(k) for k in keys]
    except ValueError:
        known = ", ".join(k.value for k in GroupKey)
        raise BluehelmetError(f"cannot group incidents by {', '.join(keys)}; keys: {known}") from None
    with db.transaction(actor) as tx:
        groups = _groups(tx, find_mission(tx, mission).id or 0, group_keys, flt, drafts_most)
    names = (*(k.value for k in group_keys), "events", *TALLY_FIELDS)
    # A group has these columns: no check (zip's strict=False, the default, would cost a fifth more).
    return list(map(dict, map(zip, itertools.repeat(names), groups)))


def _tally(group: tuple[Any, ...]) -> Tally:
    """A group's events and tolls (the last of its values)."""
    measures = group[-1 - len(TALLY_FIELDS) :]
    return Tally(measures[0], dict(zip(TALLY_FIELDS, measures[1:], strict=True)))


def _total(tx: Transaction, mission_id: int, flt: IncidentFilter) -> Tally:
    groups = _groups(tx, mission_id, [], flt)
    return _tally(groups[0]) if groups else Tally()


def _casualties(tally: Tally, measure: str) -> int:
    if measure == "events":
        return tally.events
    if measure == "civilian_casualties":
        return tally.sums["killed_civilians"] + tally.sums["injured_civilians"]
    return tally.sums[measure]


def _unknown(tally: Tally, measure: str) -> int:
    """The events of ``tally`` whose ``measure`` is not recorded (at least, for a sum of two)."""
    if measure == "events":
        return 0
    if measure == "civilian_casualties":
        return max(tally.sums["killed_civilians_unknown"], tally.sums["injured_civilians_unknown"])
    return tally.sums[f"{measure}_unknown"]


def year_earlier(day: date) -> date:
    """The same day a year earlier (28 February for 29 February), as the comparison has it."""
    if day.year == 1:
        raise BluehelmetError(f"{day} has no year before it to compare with")
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def compare_with_previous_year(
    db: Database, flt: IncidentFilter, measure: str = "events", *, mission: str | None = None, actor: str = "stats"
) -> PeriodChange:
    """A measure (events, fatalities, a killed/injured sum, or civilian_casualties) in the period
    against the same dates a year earlier; the letter's "34 per cent fewer" is -34."""
    if flt.date_from is None or flt.date_to is None:
        raise BluehelmetError("a comparison needs --from and --to")
    earlier = flt.with_period(year_earlier(flt.date_from), year_earlier(flt.date_to))
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id or 0
        now, then = _total(tx, mission_id, flt), _total(tx, mission_id, earlier)
    return percent_change(
        _casualties(now, measure), _casualties(then, measure), _unknown(now, measure), _unknown(then, measure)
    )


def weekly_rate(
    db: Database, split: date, flt: IncidentFilter, *, mission: str | None = None, actor: str = "stats"
) -> RateChange:
    """Events per week from ``date_from`` to the day before ``split``, and from ``split`` to
    ``date_to`` (the letter's 10 to 2 per week in Ansongo), with their ratio."""
    if flt.date_from is None or flt.date_to is None or not flt.date_from < split <= flt.date_to:
        raise BluehelmetError("a before/after rate needs --from < --split <= --to")
    before = flt.with_period(flt.date_from, split - timedelta(days=1))
    after = flt.with_period(split, flt.date_to)
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id or 0
        before_events, after_events = _total(tx, mission_id, before).events, _total(tx, mission_id, after).events
    weeks_before = ((split - flt.date_from).days) / 7
    weeks_after = ((flt.date_to - split).days + 1) / 7
    return rate_change(before_events, weeks_before, after_events, weeks_after)


def ied_summary(
    db: Database, flt: IncidentFilter, *, mission: str | None = None, actor: str = "stats",
    drafts_most: bool | None = None,
) -> IedSummary:  # fmt: skip
    """IEDs in the period: every IED event in the country (detonated or found), those against
    the mission, and how those ended."""
    ied = [IncidentCategory.IED_DETONATED.value, IncidentCategory.IED_NEUTRALISED.value]
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id or 0
        rows = _groups(
            tx, mission_id, [GroupKey.CATEGORY, GroupKey.TARGET],
            IncidentFilter(flt.date_from, flt.date_to, {**(flt.where or {}), "category": ied}, flt.statuses),
            drafts_most,
        )  # fmt: skip
    total = sum(_tally(row).events for row in rows)
    mission_rows = [row for row in rows if row[1] == Target.MISSION.value]
    neutralised = sum(_tally(row).events for row in mission_rows if row[0] == ied[1])
    detonated = sum(_tally(row).events for row in mission_rows if row[0] == ied[0])
    return IedSummary(total, neutralised + detonated, neutralised, detonated)


_I = TABLES[Incident]
_L = TABLES[Location]
_S = TABLES[Sector]


def pending_review(tx: Transaction, mission_id: int, flt: IncidentFilter) -> tuple[int, list[int]]:
    """The drafts (reports pending review) in ``flt``'s period and columns, whatever its
    statuses: how many, and their ids in ascending order. What a figure of verified incidents
    leaves out, for the page or letter to say so."""
    source: Any = _I
    if "sector" in (flt.where or {}):  # an incident's sector is its own, else its location's
        source = _I.outerjoin(_L, _L.c.id == _I.c.location_id).outerjoin(
            _S, _S.c.id == func.coalesce(_I.c.sector_id, _L.c.sector_id)
        )
    stmt = select(_I.c.id).select_from(source)
    stmt = counted_incidents(
        stmt, mission_id, flt.date_from, flt.date_to, flt.where, frozenset({ReviewStatus.DRAFT})
    ).order_by(_I.c.id)
    ids = [int(i) for i in tx.session.scalars(stmt)]
    return len(ids), ids


def pending_review_count(db: Database, flt: IncidentFilter, *, mission: str | None = None, actor: str = "stats") -> int:
    """How many drafts pending review lie in ``flt``'s period and columns (``pending_review``)."""
    with db.transaction(actor) as tx:
        return pending_review(tx, find_mission(tx, mission).id or 0, flt)[0]
