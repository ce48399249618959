"""Records as a principal may see them: filtered, paged and counted, or streamed for an export.

The API's lists and exports read through here. Filters come as the text of a query string and
are parsed strictly, like the fields they filter on (``fatalities=false`` is refused, not read
as 0); every date field also takes a range (``event_date_from``, ``event_date_to``; ``from`` and
``to`` stand for the kind's main date). A sector account sees only its sector's records: for
incidents, which may number a million, the restriction is a condition of the query (an
incident's sector is its own, else its location's); for the other kinds, which stay small, each
record is asked ``services.access.allowed``.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Select, and_, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from bluehelmet.domain.access import REFERENCE_KINDS, Action, Principal
from bluehelmet.domain.errors import BluehelmetError, InvalidRecord, Problem
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.places import Location, Sector
from bluehelmet.domain.records import Record, entity_fields, reference_list_target
from bluehelmet.services import records
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.exchange import Column, columns, values_to_text
from bluehelmet.services.exporting import ExportRow, date_field
from bluehelmet.services.loading import Resolver, find_mission
from bluehelmet.storage.search import list_clause
from bluehelmet.storage.tables import TABLES

__all__ = [
    "MAX_LIMIT",
    "Cursor",
    "FilterSpec",
    "OutsideScope",
    "Page",
    "export_rows",
    "filter_specs",
    "list_page",
    "parse_query",
    "scoped_select",
    "sector_clause",
    "sector_name",
]

MAX_LIMIT = 1000
#: The largest integer the columns hold (32 bits in PostgreSQL; a filter past it is refused).
_BIGGEST = 2**31 - 1
#: Kinds whose own ``sector_id`` column places them (filtered in the query for a sector account).
_SECTOR_COLUMN = frozenset({"Location", "OperationalPeriod", "CapabilityRequirement"})


class OutsideScope(BluehelmetError):
    """The record lies outside what the principal may see or change (another sector's)."""


@dataclass(frozen=True)
class FilterSpec:
    """One query parameter a list accepts: the field it filters and how (``eq``, ``from``, ``to``)."""

    name: str
    field: str
    op: str
    kind: str  # how its text is written: string, integer, number, boolean, date, time, datetime
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cursor:
    """Where a page of a newest-first list starts: after (older than) the record of main date
    ``day`` and id ``record_id``, or, ``backwards``, before (newer than) it. Reading a page so
    costs the same at the first page and at the thousandth (no OFFSET walks the records before)."""

    day: date | None
    record_id: int
    backwards: bool = False

    @classmethod
    def parse(cls, text: str, *, backwards: bool = False) -> Cursor | None:
        """A cursor from its text (``YYYY-MM-DD:ID``, or ``:ID`` for a record with no date);
        None when the text is not one."""
        day_text, _, ident = text.partition(":")
        if not ident.isdigit() or len(ident) > 10:
            return None
        try:
            day = date.fromisoformat(day_text) if day_text else None
        except ValueError:
            return None
        return cls(day, int(ident), backwards)

    @classmethod
    def of(cls, record: Record, main: str | None, *, backwards: bool = False) -> Cursor:
        day = getattr(record, main) if main else None
        return cls(day, record.id or 0, backwards)

    def text(self) -> str:
        return f"{self.day.isoformat() if self.day else ''}:{self.record_id}"


@dataclass(frozen=True)
class Page:
    """One page of a list: the records, how many match in all, and where the page starts.
    ``more``: the count stopped at ``total`` (``list_page``'s ``count_up_to``) and more match."""

    records: Sequence[Record]
    total: int
    limit: int
    offset: int
    more: bool = False


def _base(hint: Any) -> list[Any]:
    return [a for a in (typing.get_args(hint) or (hint,)) if a is not type(None)]


def _kind_of(hint: Any) -> tuple[str, tuple[str, ...]]:
    base = _base(hint)[0]
    if isinstance(base, type) and issubclass(base, Enum):
        return "string", tuple(str(m.value) for m in base)
    names = {bool: "boolean", int: "integer", float: "number", date: "date", time: "time", datetime: "datetime"}
    return names.get(base, "string"), ()


_SPECS: dict[type[Record], dict[str, FilterSpec]] = {}
_ADAPTERS: dict[type[Record], dict[str, TypeAdapter[Any]]] = {}


def filter_specs(cls: type[Record]) -> dict[str, FilterSpec]:
    """The query parameters a list of ``cls`` accepts, by name."""
    if cls not in _SPECS:
        hints = typing.get_type_hints(cls)
        specs: dict[str, FilterSpec] = {"id": FilterSpec("id", "id", "eq", "integer")}
        for f in entity_fields(cls):
            if reference_list_target(f) or typing.get_origin(hints[f.name]) is list or _base(hints[f.name])[0] is list:
                continue  # a list is not compared whole
            kind, choices = _kind_of(hints[f.name])
            specs[f.name] = FilterSpec(f.name, f.name, "eq", kind, choices)
        for f in entity_fields(cls):
            if _kind_of(hints[f.name])[0] == "date":
                for op in ("from", "to"):
                    specs.setdefault(f"{f.name}_{op}", FilterSpec(f"{f.name}_{op}", f.name, op, "date"))
        main = date_field(cls)
        if main is not None:
            for op in ("from", "to"):
                specs.setdefault(op, FilterSpec(op, main, op, "date"))
        _SPECS[cls] = specs
        _ADAPTERS[cls] = {name: TypeAdapter(hints[name]) for name in {s.field for s in specs.values()} if name != "id"}
        _ADAPTERS[cls]["id"] = TypeAdapter(int)
    return _SPECS[cls]


def _json_value(spec: FilterSpec, text: str, optional: bool) -> Any:
    """The JSON value a query's text stands for: numbers, booleans and ``null`` are read as
    JSON (so ``false`` stays a boolean and is refused where a number is due); the rest is text."""
    if optional and text == "null":
        return None
    if spec.kind in ("integer", "number", "boolean"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def parse_query(cls: type[Record], query: Sequence[tuple[str, str]]) -> dict[str, list[tuple[str, Any]]]:
    """Query parameters (name, text) as conditions by field: ``[(op, value), ...]``; an unknown
    parameter or a value its field would refuse raises InvalidRecord naming the parameter."""
    specs = filter_specs(cls)
    adapters = _ADAPTERS[cls]
    hints = typing.get_type_hints(cls)
    problems: list[Problem] = []
    conditions: dict[str, list[tuple[str, Any]]] = {}
    for name, text in query:
        spec = specs.get(name)
        if spec is None:
            problems.append(Problem(cls.__name__, name, "is not a field to filter on"))
            continue
        optional = spec.field != "id" and type(None) in typing.get_args(hints[spec.field]) and spec.op == "eq"
        value = _json_value(spec, text, optional)
        adapter = adapters[spec.field] if spec.op == "eq" else TypeAdapter(date)
        try:
            parsed = adapter.validate_json(json.dumps(value), strict=True)
        except ValidationError as error:
            reason = error.errors()[0]["msg"]
            problems.append(
                Problem(cls.__name__, name, f"{reason[0].lower()}{reason[1:]} (got {json.dumps(text)[:60]})")
            )
            continue
        if isinstance(parsed, int) and not -_BIGGEST <= parsed <= _BIGGEST:
            problems.append(Problem(cls.__name__, name, f"is out of range (at most {_BIGGEST})"))
            continue
        conditions.setdefault(spec.field, []).append((spec.op, parsed))
    if problems:
        raise InvalidRecord(problems)
    return conditions


def sector_name(tx: Transaction, principal: Principal) -> str | None:
    """The name of a sector account's sector (None for accounts of the whole mission)."""
    if not principal.scoped or principal.sector_id is None:
        return None
    sector = records.get(tx, Sector, principal.sector_id, include_deleted=True)
    return str(getattr(sector, "name", ""))


def _where(cls: type[Record], conditions: Mapping[str, list[tuple[str, Any]]]) -> list[Any]:
    table = TABLES[cls]
    clauses: list[Any] = []
    for field_name, wanted in conditions.items():
        column = table.c[field_name]
        equal = [v.value if isinstance(v, Enum) else v for op, v in wanted if op == "eq"]
        if len(equal) == 1 and cls is Incident and field_name == "review_status" and equal[0] is not None:
            # Written out, not bound (a value of the enum, checked): the drafts' partial index,
            # whose condition says 'draft', then counts them alone, without reading their rows.
            clauses.append(column == literal(ReviewStatus(equal[0]).value, literal_execute=True))
        elif len(equal) == 1:
            clauses.append(column.is_(None) if equal[0] is None else column == equal[0])
        elif equal:
            clauses.append(column.in_(equal))
        clauses += [column >= v for op, v in wanted if op == "from"]
        clauses += [column <= v for op, v in wanted if op == "to"]
    return clauses


def sector_clause(cls: type[Record], sector_ids: frozenset[int]) -> Any | None:
    """The query's side of sector scoping (the records of ``cls`` in any of ``sector_ids``, as
    ``access.sectors_of`` places them), for the kinds it can be written for (else None)."""
    table = TABLES[cls]
    name = cls.__name__
    wanted = sorted(sector_ids)
    if name == "Incident":
        places = select(TABLES[Location].c.id).where(TABLES[Location].c.sector_id.in_(wanted))
        own = table.c.sector_id
        return or_(own.in_(wanted), own.is_(None) & table.c.location_id.in_(places))
    if name in _SECTOR_COLUMN:
        return table.c.sector_id.in_(wanted)
    if name == "Sector":
        return table.c.id.in_(wanted)
    return None


def _mission_clause(cls: type[Record], missions: frozenset[int]) -> Any | None:
    """The query's side of mission scoping, for the kinds with a mission of their own (else None)."""
    table = TABLES[cls]
    if cls.__name__ == "Mission":
        return table.c.id.in_(sorted(missions))
    if "mission_id" in table.c:
        return table.c.mission_id.in_(sorted(missions))
    return None


def _select(
    cls: type[Record], conditions: Mapping[str, list[tuple[str, Any]]], principal: Principal, include_deleted: bool
) -> tuple[Select[Any], bool]:
    """The query of the matching records, and whether each must still be asked ``allowed``."""
    table = TABLES[cls]
    stmt = select(cls).where(*_where(cls, conditions))
    if not include_deleted:
        stmt = stmt.where(table.c.deleted_at.is_(None))
    ask_each = False
    if principal.missions is not None and cls.__name__ != "ContributingCountry":
        clause = _mission_clause(cls, principal.missions)
        stmt, ask_each = (stmt, True) if clause is None else (stmt.where(clause), False)
    if not principal.scoped or cls.__name__ in REFERENCE_KINDS - {"Sector"}:
        return stmt, ask_each or (principal.scoped and cls.__name__ in REFERENCE_KINDS)
    clause = sector_clause(cls, principal.sectors)
    if clause is None:
        return stmt, True
    return stmt.where(clause), ask_each


def scoped_select(cls: type[Record], principal: Principal) -> tuple[Select[Any], bool]:
    """The live records of ``cls`` that ``principal`` may read, as a query, and whether each
    must still be asked ``allowed`` (sector scoping for the services that read through it)."""
    return _select(cls, {}, principal, include_deleted=False)


def _narrowed(dialect: str, cls: type[Record], stmt: Select[Any], text: str, sector_id: int | None) -> Select[Any]:
    """``stmt`` kept to the records that hold ``text`` (``storage.search``: the full-text
    index) and, when asked, to those in sector ``sector_id`` (placed as sector accounts see them)."""
    if text:
        stmt = stmt.where(list_clause(dialect, cls, text))
    if sector_id is not None:
        clause = sector_clause(cls, frozenset({sector_id}))
        if clause is None:
            raise BluehelmetError(f"{cls.__name__} records cannot be listed by sector")
        stmt = stmt.where(clause)
    return stmt


def list_page(
    db: Database,
    principal: Principal,
    kind: str | type[Record],
    query: Sequence[tuple[str, str]] = (),
    *,
    limit: int = 100,
    offset: int = 0,
    include_deleted: bool = False,
    newest_first: bool = False,
    text: str = "",
    sector_id: int | None = None,
    cursor: Cursor | None = None,
    count_up_to: int | None = None,
) -> Page:
    """The records of ``kind`` matching ``query`` that ``principal`` may read, in id order (or,
    ``newest_first``, latest main date first, then latest id), holding ``text`` (a full-text
    search for incidents: every word, any case, any accents) and in sector ``sector_id`` when
    given; with a ``cursor`` (newest first only, instead of an offset), the page after it or,
    backwards, the page before it. Only the page is read: the rest is counted in the database,
    up to ``count_up_to`` when given (a search matching thousands: the page says "1,000+",
    ``Page.more``, rather than counting every match)."""
    cls = records.kind_of(kind)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidRecord([Problem(cls.__name__, "limit", f"must be 1 to {MAX_LIMIT}, with offset 0 or more")])
    if count_up_to is not None and count_up_to < 1:
        raise InvalidRecord([Problem(cls.__name__, "count_up_to", "must be 1 or more")])
    if cursor is not None and (not newest_first or offset):
        raise InvalidRecord([Problem(cls.__name__, "cursor", "pages a newest-first list, instead of an offset")])
    conditions = parse_query(cls, query)
    stmt, ask_each = _select(cls, conditions, principal, include_deleted)
    stmt = _narrowed(db.engine.dialect.name, cls, stmt, text, sector_id)
    table = TABLES[cls]
    main = date_field(cls)
    order: list[ColumnElement[Any]] = [table.c.id]
    if newest_first:
        order = [*([table.c[main].desc()] if main else []), table.c.id.desc()]
    with db.transaction(principal.name) as tx:
        if ask_each:
            # Kinds placed through their units or places: few records, each asked.
            visible = [r for r in tx.session.scalars(stmt.order_by(*order)) if allowed(tx, principal, Action.READ, r)]
            return Page(visible[offset : offset + limit], len(visible), limit, offset)
        matching = stmt.with_only_columns(table.c.id)
        if count_up_to is not None:  # one more than the cap: whether more match, without counting them
            matching = matching.limit(count_up_to + 1)
        total = int(tx.session.scalar(select(func.count()).select_from(matching.subquery())) or 0)
        more = count_up_to is not None and total > count_up_to
        total = min(total, count_up_to) if more and count_up_to is not None else total
        if cursor is not None:
            return Page(_from_cursor(tx, stmt, table, main, cursor, limit), total, limit, 0, more)
        if offset and main == "event_date" and _jumps_by_sorting(db, cls, principal, text, sector_id, newest_first):
            return Page(_jumped(tx, stmt, table, offset, limit), total, limit, offset, more)
        page = tx.session.scalars(stmt.order_by(*order).offset(offset or None).limit(limit)).all()
        return Page(page, total, limit, offset, more)


def _jumps_by_sorting(
    db: Database,
    cls: type[Record],
    principal: Principal,
    text: str,
    sector_id: int | None,
    newest_first: bool,
) -> bool:
    """Whether a jump (an OFFSET) into a newest-first list of incidents kept to a sector sorts
    the sector's incidents rather than walk the date index (SQLite): the sector's condition (own
    sector, else the place's) is not in the date index, so walking it visits every incident of
    every sector it passes (page 400 of a sector: 0.9 s); the sector's own, found through the
    sector and place indexes and sorted, take 0.1 s."""
    if db.engine.dialect.name != "sqlite" or cls is not Incident or not newest_first or text:
        return False
    return principal.scoped or sector_id is not None


def _jumped(tx: Transaction, stmt: Select[Any], table: Any, offset: int, limit: int) -> list[Record]:
    """The page at ``offset`` of a newest-first list: its ids sorted with the day written
    ``+event_date`` (SQLite's unary plus, the same value), which keeps the planner from walking
    the date index; then its records."""
    day: ColumnElement[Any] = UnaryExpression(
        table.c.event_date, operator=custom_op("+"), type_=table.c.event_date.type
    )
    ids_stmt = stmt.with_only_columns(table.c.id).order_by(day.desc(), table.c.id.desc())
    ids = [int(i) for i in tx.session.scalars(ids_stmt.offset(offset).limit(limit))]
    found = {r.id: r for r in tx.session.scalars(stmt.where(table.c.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _from_cursor(
    tx: Transaction, stmt: Select[Any], table: Any, main: str | None, cursor: Cursor, limit: int
) -> list[Record]:
    """The ``limit`` records of a newest-first list just after ``cursor`` (older), or just
    before it when it goes backwards (newer, read oldest first, then turned round)."""
    ident, older = table.c.id, not cursor.backwards
    if main is None or cursor.day is None:  # ids alone (a record with no date sorts by its id)
        stmt = stmt.where(ident < cursor.record_id if older else ident > cursor.record_id)
    else:
        day = table.c[main]
        beyond = day < cursor.day if older else day > cursor.day
        stmt = stmt.where(
            or_(beyond, and_(day == cursor.day, ident < cursor.record_id if older else ident > cursor.record_id))
        )
    keys = [*([table.c[main]] if main else []), ident]
    stmt = stmt.order_by(*(k.desc() if older else k.asc() for k in keys)).limit(limit)
    found = list(tx.session.scalars(stmt))
    return found if older else found[::-1]


def export_rows(
    db: Database,
    principal: Principal,
    kind: str | type[Record],
    *,
    mission: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    batch: int = 1000,
) -> tuple[list[Column], Iterator[ExportRow]]:
    """Like ``services.exporting.export_rows``, but only the records ``principal`` may read."""
    cls = records.kind_of(kind)
    main = date_field(cls)
    if (date_from or date_to) and main is None:
        raise BluehelmetError(f"{cls.__name__} records have no date to filter with from/to")
    conditions: dict[str, list[tuple[str, Any]]] = {}
    if main is not None:
        conditions[main] = [("from", date_from)] if date_from else []
        conditions[main] += [("to", date_to)] if date_to else []
    return columns(cls), _stream(db, principal, cls, conditions, mission, batch)


def _stream(
    db: Database,
    principal: Principal,
    cls: type[Record],
    conditions: dict[str, list[tuple[str, Any]]],
    mission: str | None,
    batch: int,
) -> Iterator[ExportRow]:
    with db.transaction(principal.name) as tx:
        mission_id = find_mission(tx, mission).id if "mission_id" in cls.__dataclass_fields__ else None
        if mission_id is not None:
            conditions["mission_id"] = [("eq", mission_id)]
        stmt, ask_each = _select(cls, conditions, principal, include_deleted=False)
        resolver = Resolver(tx, mission_id)
        stmt = stmt.order_by(TABLES[cls].c.id).execution_options(yield_per=batch)
        for count, record in enumerate(tx.session.scalars(stmt), start=1):
            if not ask_each or allowed(tx, principal, Action.READ, record):
                cells = list(values_to_text(record, resolver.name_of).values())
                yield ExportRow(cells, getattr(record, "latitude", None), getattr(record, "longitude", None))
            if count % batch == 0 and not ask_each:
                tx.session.expunge_all()  # keep memory flat, as exports do
