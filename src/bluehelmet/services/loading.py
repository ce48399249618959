"""Loading many records from a file, all or nothing.

Every row is read, converted, checked against every rule and written inside one transaction;
if any row is refused, or on a dry run, the transaction is rolled back and the report lists
every problem with its row, column, value and reason. A row whose natural key matches a record
already there updates that record instead of adding a second one, so loading the same file
twice, or a corrected file, changes only what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select

from bluehelmet.domain import rules
from bluehelmet.domain.advice import advise
from bluehelmet.domain.errors import BluehelmetError, InvalidRecord, NotFound, Problem, StaleVersion
from bluehelmet.domain.places import Mission
from bluehelmet.domain.records import Record, field_values, snapshot
from bluehelmet.geography.names import normalise
from bluehelmet.services import records
from bluehelmet.services.batching import BatchContext, KeyOf, PlannerStatistics, can_batch, chunks, key_item
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.exchange import columns, reference_keys, text_to_values
from bluehelmet.services.load_report import MAX_PROBLEMS, LoadReport, RowProblem
from bluehelmet.services.parsing import parse_record, parse_values
from bluehelmet.storage import repository, rollups
from bluehelmet.storage.database import insert_many
from bluehelmet.storage.tables import TABLES, unsaved

__all__ = [
    "MAX_PROBLEMS",
    "Converter",
    "LoadReport",
    "Resolver",
    "RowProblem",
    "after_load",
    "find_mission",
    "finish_load",
    "load",
    "load_batched",
    "load_into",
    "planner_statistics",
    "text_converter",
]

_BATCH = 1000
#: Rollup cells a load may hold pending before it writes them (a million incidents touch about
#: a million cells: held to the commit they would take most of a gigabyte).
_PENDING_CELLS = 100_000
#: A load that writes this many records refreshes the planner's statistics afterwards.
_ANALYSE_AFTER = 10_000


class Resolver:
    """Finds records by the names files use for them, within one mission.

    A name matches regardless of case, accents and punctuation; a place also matches by any of
    its spelling variants. ``#12`` always means the record with id 12.
    """

    def __init__(self, tx: Transaction, mission_id: int | None, report: LoadReport | None = None) -> None:
        self.tx = tx
        self.mission_id = mission_id
        self.report = report
        self.row = 0
        self._index: dict[str, dict[str, set[int]]] = {}
        self._names: dict[tuple[str, int], str] = {}
        #: Natural keys known for a batch (None: known to be absent); only while a batch runs.
        self._known: dict[type[Record], dict[tuple[tuple[str, Any], ...], Record | None]] = {}

    def warn(self, column: str, value: str, reason: str) -> None:
        """Note something accepted but doubtful about the current row (kept in the report)."""
        if self.report is not None and len(self.report.warnings) < MAX_PROBLEMS:
            self.report.warnings.append(RowProblem(self.row, column, value, reason))

    def _build(self, target: str) -> dict[str, set[int]]:
        index: dict[str, set[int]] = {}
        cls = records.kind_of(target)
        filters = {"mission_id": self.mission_id} if self.mission_id is not None and _has_mission(cls) else {}
        for record in repository.select_records(self.tx.session, cls, filters):
            self._add(index, record)
        return index

    def _add(self, index: dict[str, set[int]], record: Record) -> None:
        assert record.id is not None
        names = [getattr(record, key, None) for key in reference_keys(type(record).__name__)]
        names += list(getattr(record, "variants", []))
        for name in names:
            if isinstance(name, str | int) and str(name).strip():
                index.setdefault(normalise(str(name)), set()).add(record.id)

    def remember(self, record: Record) -> None:
        """Make a record written earlier in the same load findable by later rows."""
        target = type(record).__name__
        if target in self._index:
            self._add(self._index[target], record)

    def find(self, target: str, text: str) -> list[int]:
        if text.startswith("#") and text[1:].isascii() and text[1:].isdigit() and len(text) <= 19:
            return [int(text[1:])]
        if target not in self._index:
            self._index[target] = self._build(target)
        return sorted(self._index[target].get(normalise(text), set()))

    def resolve(self, target: str, text: str) -> int | str:
        """The id ``text`` names, or why it names none (or several)."""
        found = self.find(target, text)
        if len(found) == 1:
            return found[0]
        if not found:
            return f"no {target} called '{text}' in this mission"
        listed = ", ".join(f"#{i}" for i in found[:5])
        return f"{len(found)} {target} records are called '{text}' ({listed}): write #id to choose"

    def stored(self, cls: type[Record], key: Mapping[str, Any]) -> Record | None:
        """The record of ``cls`` (deleted or not) whose natural ``key`` is ``key``, or None.

        A batched load answers from what it fetched for its whole batch, and from the records
        its earlier rows wrote; otherwise one query."""
        cached = self._known.get(cls)
        item = key_item(key)
        if cached is not None and item in cached:
            return cached[item]
        found = repository.find(self.tx.session, cls, key)
        record = found[0] if found else None
        if cached is not None:
            cached[item] = record
        return record

    def name_of(self, target: str, record_id: int) -> str:
        """How a file names a record: its name when that is unambiguous, else ``#id``."""
        key = (target, record_id)
        if key not in self._names:
            record = repository.get(self.tx.session, records.kind_of(target), record_id)
            name = getattr(record, records.kind_of(target).label_field, None) if record else None
            unique = isinstance(name, str) and name.strip() and self.find(target, name) == [record_id]
            self._names[key] = str(name) if unique else f"#{record_id}"
        return self._names[key]


def _has_mission(cls: type[Record]) -> bool:
    return "mission_id" in cls.__dataclass_fields__


#: Turns one row into field values (references resolved); problems name the row's columns.
Converter = Callable[[type[Record], Mapping[str, Any], Resolver, str], tuple[dict[str, Any], list[Problem]]]


def _text_converter(
    cls: type[Record], row: Mapping[str, Any], resolver: Resolver, who: str
) -> tuple[dict[str, Any], list[Problem]]:
    return text_to_values(cls, {k: str(v) if v is not None else "" for k, v in row.items()}, resolver.resolve, who)


#: The converter of files in bluehelmet's own columns (what ``convert=None`` means), by name.
text_converter: Converter = _text_converter


def find_mission(tx: Transaction, name: str | None) -> Mission:
    """The mission called ``name``, or the only mission in the database when no name is given."""
    if name is not None:
        found = repository.find(tx.session, Mission, {"name": name})
        live = [m for m in found if isinstance(m, Mission) and not m.is_deleted]
        if not live:
            raise BluehelmetError(f"no mission called '{name}'")
        return live[0]
    missions = [m for m in records.list_records(tx, Mission) if isinstance(m, Mission)]
    if not missions:
        raise BluehelmetError("there is no mission here yet: add one, or load the reference one with 'bluehelmet demo'")
    if len(missions) > 1:
        names = ", ".join(m.name for m in missions)
        raise BluehelmetError(f"say which mission with --mission (missions here: {names})")
    return missions[0]


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run or a refused load."""


def load(
    db: Database,
    actor: str,
    kind: str | type[Record],
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    mission: str | None = None,
    source: str = "",
    dry_run: bool = False,
    convert: Converter | None = None,
    progress: Callable[[int], None] | None = None,
    batched: bool = True,
) -> LoadReport:
    """Load ``rows`` (each with its row number in the file) as records of ``kind``, all or nothing.

    ``batched`` (where :func:`can_batch` allows) writes new records a batch at a time; the
    result, the audit entries, the rollups and the report are those of a row-by-row load."""
    cls = records.kind_of(kind)
    report = LoadReport(source=source, kind=cls.__name__, dry_run=dry_run)
    mission_id: int | None = None
    try:
        with db.transaction(actor) as tx:
            mission_id = find_mission(tx, mission).id if _has_mission(cls) else None
            resolver = Resolver(tx, mission_id, report)
            load_into(tx, cls, rows, report, resolver, convert=convert, progress=progress, batched=batched)
            if not report.written:
                raise _RollBack
    except _RollBack:
        pass
    finish_load(db, actor, cls, mission_id, report)
    return report


def finish_load(db: Database, actor: str, cls: type[Record], mission_id: int | None, report: LoadReport) -> None:
    """What follows a load's transaction (of rows or of columns) when it wrote something: the
    planner's statistics refreshed after a large one, then the alert rules (``after_load``)."""
    if not report.written or not report.created + report.updated:
        return
    if report.created + report.updated >= _ANALYSE_AFTER:
        db.analyse(cls)
    after_load(db, actor, cls, mission_id)


def planner_statistics(tx: Transaction, cls: type[Record]) -> PlannerStatistics:
    """The schedule on which a load measures the table it fills (PostgreSQL), for the whole load."""
    return PlannerStatistics(tx, cls, _ANALYSE_AFTER)


def after_load(db: Database, actor: str, cls: type[Record], mission_id: int | None) -> None:
    """The alert rules that read ``cls``, evaluated once for the whole import, after it
    committed (``services.watch.after_change``: a failure there is logged, the import kept).
    Imported here, not above: ``services.watch`` reads missions through this module."""
    from bluehelmet.services import watch  # noqa: PLC0415

    watch.after_change(db, actor, cls.__name__, mission_id)


def load_into(
    tx: Transaction,
    cls: type[Record],
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    report: LoadReport,
    resolver: Resolver,
    *,
    convert: Converter | None = None,
    progress: Callable[[int], None] | None = None,
    parent: tuple[str, int] | None = None,
    keep: bool = False,
    batched: bool = False,
) -> list[Record]:
    """Load rows inside the caller's transaction, adding to ``report``; the caller decides
    whether to commit. ``parent`` sets one field on every row (a child's parent id). With
    ``keep``, returns the records written, in row order (for loading their children);
    otherwise nothing is kept, so any number of rows loads in constant memory."""
    convert = convert or _text_converter
    if batched and not keep and parent is None and can_batch(cls):
        load_batched(tx, cls, rows, report, resolver, convert, progress)
        return []
    written: list[Record] = []
    resolver.report = report
    write = _create_or_update
    for number, row in rows:
        report.rows += 1
        resolver.row = number
        record = _load_row(tx, cls, number, row, resolver, convert, report, parent, write)
        if keep and record is not None:
            written.append(record)
        if report.rows % _BATCH == 0:
            tx.session.flush()
            if not keep:
                tx.session.expunge_all()  # constant memory: written rows need not stay loaded
            if progress is not None:
                progress(number)  # the file's row number: one record may take several rows
    if progress is not None and report.rows:
        progress(number)
    return written


def _column_of(cls: type[Record], field_name: str) -> str:
    by_field = {c.field: c.name for c in columns(cls)}
    return by_field.get(field_name, field_name)


#: Writes one row's values: the record as stored (or to be stored) and the report's outcome.
_Write = Callable[[Transaction, type[Record], dict[str, Any]], tuple[Record, str]]


def _load_row(
    tx: Transaction,
    cls: type[Record],
    number: int,
    row: Mapping[str, Any],
    resolver: Resolver,
    convert: Converter,
    report: LoadReport,
    parent: tuple[str, int] | None,
    write: _Write,
    context: rules.RuleContext | None = None,
) -> Record | None:
    who = f"{cls.__name__} in row {number}"
    values, problems = convert(cls, row, resolver, who)
    if resolver.mission_id is not None and _has_mission(cls):
        values["mission_id"] = resolver.mission_id
    if parent is not None:
        values[parent[0]] = parent[1]
    if not values.get("provenance") and report.source:
        values["provenance"] = report.source
    try:
        if problems:
            raise InvalidRecord(problems + _parse_problems(cls, values, {p.field for p in problems}))
        record, outcome = write(tx, cls, values)
    except (InvalidRecord, NotFound, StaleVersion) as error:
        for problem in getattr(error, "problems", None) or [Problem(who, "(row)", str(error))]:
            column = _column_of(cls, problem.field)
            value = row.get(column, "")
            report.add(RowProblem(number, column, "" if value is None else str(value), problem.reason))
        return None
    for warning in advise(record, context or records.rule_context(tx)):
        column = _column_of(cls, warning.field)
        value = row.get(column, "")
        resolver.warn(column, "" if value is None else str(value), f"{warning.record} {warning.reason}")
    if record.id is not None:  # a batched load remembers its new records once they have ids
        resolver.remember(record)
    setattr(report, outcome, getattr(report, outcome) + 1)
    return record


def _parse_problems(cls: type[Record], values: dict[str, Any], reported: set[str]) -> list[Problem]:
    """The row's other problems, so one pass over a file lists everything wrong with it."""
    try:
        parse_record(cls, values)
    except InvalidRecord as error:
        return [p for p in error.problems if p.field not in reported and _column_of(cls, p.field) not in reported]
    return []


def _natural_keys(cls: type[Record], candidate: Record | Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    """The candidate's natural keys that identify something (not all empty but the mission);
    the candidate as a record, or as its values by field."""
    values = candidate if isinstance(candidate, Mapping) else field_values(candidate)
    for key in cls.natural_keys:
        if not all(values[name] is None for name in key if name != "mission_id"):
            yield {name: values[name] for name in key}


def _update(tx: Transaction, cls: type[Record], existing: Record, values: dict[str, Any]) -> tuple[Record, str]:
    assert existing.id is not None
    before = existing.version
    updated = records.update(tx, cls, existing.id, values, version=before or 0)
    return updated, "unchanged" if updated.version == before else "updated"


def _create_or_update(tx: Transaction, cls: type[Record], values: dict[str, Any]) -> tuple[Record, str]:
    candidate = parse_record(cls, values)  # typed values to look the natural key up with
    for key in _natural_keys(cls, candidate):
        found = repository.find(tx.session, cls, key)
        if found:
            return _update(tx, cls, found[0], values)
    return records.create_parsed(tx, candidate, keys_checked=True), "created"


# ------------------------------------------------------------------------------ batched loads


class _Batch:
    """New records of one batch of rows, kept until :meth:`write` inserts them together, with
    their audit entries. Updates go through :func:`records.update` as they come."""

    def __init__(self, tx: Transaction, cls: type[Record], resolver: Resolver) -> None:
        self.tx, self.cls, self.resolver = tx, cls, resolver
        self.pending: list[Record] = []
        self.context = BatchContext(tx, cls)
        self.table = TABLES[cls]
        self.names = [c.name for c in self.table.columns if c.name != "id"]

    @property
    def known(self) -> dict[tuple[tuple[str, Any], ...], Record | None]:
        return self.resolver._known.setdefault(self.cls, {})

    def prefetch(self, rows: list[Mapping[str, Any]], key_of: KeyOf | None) -> None:
        """Look up the natural keys of a whole batch in one query (a key of one column, within
        the mission); other keys are looked up row by row, and remembered."""
        self.known.clear()
        key = self.cls.natural_keys[0] if self.cls.natural_keys else ()
        free = [name for name in key if name != "mission_id"]
        if key_of is None or len(free) != 1 or ("mission_id" in key and self.resolver.mission_id is None):
            return
        column = free[0]
        wanted = {k[column] for k in map(key_of, rows) if k and k.get(column) is not None}
        if not wanted:
            return
        scope = {"mission_id": self.resolver.mission_id} if "mission_id" in key else {}
        for value in wanted:
            self.known[key_item({**scope, column: value})] = None
        stmt = select(self.cls).where(
            self.table.c[column].in_(wanted), *(self.table.c[k] == v for k, v in scope.items())
        )
        with self.tx.session.no_autoflush:
            for record in self.tx.session.scalars(stmt):
                self.known[key_item({**scope, column: getattr(record, column)})] = record

    def create_or_update(self, tx: Transaction, cls: type[Record], values: dict[str, Any]) -> tuple[Record, str]:
        candidate = unsaved(cls, parse_values(cls, values))  # inserted by write(), never by the session
        keys = list(_natural_keys(cls, candidate.__dict__))  # every field is in it (unsaved)
        for key in keys:
            existing = self.resolver.stored(cls, key)
            if existing is not None and existing.id is None:  # new in this batch: store it first
                self.write()
                self.known.pop(key_item(key), None)
                existing = self.resolver.stored(cls, key)
            if existing is not None:
                record, outcome = _update(tx, cls, existing, values)
                self.known[key_item(key)] = record
                return record, outcome
        problems = rules.check(candidate, self.context, natural_keys=False)
        if problems:
            raise InvalidRecord(problems)
        now = tx.now()  # set in its own dictionary: the record is never the session's
        candidate.__dict__.update(created_at=now, updated_at=now, created_by=tx.actor, updated_by=tx.actor, version=1)
        self.pending.append(candidate)
        for key in keys:
            self.known[key_item(key)] = candidate
        rollups.add_delta(tx.rollup, rollups.contribution(candidate, tx.sector_of), 1)
        return candidate, "created"

    def write(self) -> None:
        """Insert the pending records and their audit entries, two statements for the batch."""
        if not self.pending:
            return
        session = self.tx.session
        ids = repository.reserve_ids(session, self.cls, len(self.pending))
        names = self.names
        insert_many(session, self.table, ("id", *names), [
            (record_id, *[values[name] for name in names])
            for record_id, values in zip(ids, map(field_values, self.pending), strict=True)
        ])  # fmt: skip
        created = []
        for record, record_id in zip(self.pending, ids, strict=True):
            record.id = record_id
            self.resolver.remember(record)
            created.append((record_id, record.updated_at or self.tx.now(), snapshot(record)))
        repository.append_creations(session, self.cls.__name__, self.tx.actor, created)
        self.pending.clear()


def load_batched(
    tx: Transaction,
    cls: type[Record],
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    report: LoadReport,
    resolver: Resolver,
    convert: Converter,
    progress: Callable[[int], None] | None,
    statistics: PlannerStatistics | None = None,
) -> None:
    """Rows a batch at a time: the batch's natural keys fetched in one query, each row
    converted, checked and counted in order as in a row-by-row load, new records inserted
    together, then the session let go of (constant memory). A caller that calls this more than
    once in a load (the columnar load, for each batch's other rows) passes the load's one
    ``statistics``, so that the table is measured each time it is four times larger over the
    whole load, not at every call."""
    resolver.report = report
    batch = _Batch(tx, cls, resolver)
    key_of: KeyOf | None = getattr(convert, "natural_key", None)
    statistics = statistics or planner_statistics(tx, cls)
    try:
        for chunk in chunks(rows, _BATCH):
            statistics.refresh(report.created + report.updated)
            batch.prefetch([row for _, row in chunk], key_of)
            for number, row in chunk:
                report.rows += 1
                resolver.row = number
                _load_row(tx, cls, number, row, resolver, convert, report, None, batch.create_or_update, batch.context)
            batch.write()
            batch.context.forget()
            if len(tx.rollup) > _PENDING_CELLS:
                tx.write_rollup()  # in the same transaction: the counts still commit with the records
            tx.session.flush()  # updates' audit entries are still pending in the session
            tx.session.expunge_all()
            if progress is not None:
                progress(chunk[-1][0])
    finally:
        resolver._known.pop(cls, None)
